"""`export-to-cfn rules ...` and user rules in `convert`, driven through the CLI (conftest.run_cli)."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT
from exporter.rules import BUILTIN_DIR

APPSYNC = ROOT / "docs" / "examples" / "appsync"
BUILTIN_IDS = sorted(p.stem for p in BUILTIN_DIR.glob("*.yaml"))

GOOD = textwrap.dedent("""\
    id: {id}
    description: >
      Test rule: the AppSync API id in an AWS integration URI becomes a parameter.
    where: "$..x-amazon-apigateway-integration.uri"
    priority: 65
    match: 'arn:(?P<partition>{{{{partition}}}}):apigateway:(?P<region>{{{{region}}}}):(?P<param_AppSyncApiId>[a-z0-9]{{26}})\\.appsync-api:path/graphql'
    examples:
      rewrites:
        - name: graphql
          input: "arn:aws:apigateway:us-east-1:q3xvo5mwzbcuthbq6ne2ujxkdy.appsync-api:path/graphql"
          output: {{"Fn::Sub": "arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:${{AppSyncApiId}}.appsync-api:path/graphql"}}
      unchanged:
        - "https://backend.example.com/graphql"
    """)


def write_rule(folder: Path, rule_id: str, text: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{rule_id}.yaml"
    path.write_text(text if text is not None else GOOD.format(id=rule_id))
    return path


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path, monkeypatch):
    """Each test runs in an empty folder, so no project config from the checkout leaks in."""
    monkeypatch.chdir(tmp_path)


# -- list / show --------------------------------------------------------------------------------


def test_list_json_has_every_builtin_with_description_and_source(cli):
    r = cli("rules", "list", "--format", "json")
    assert r.exit_code == 0, r.stderr
    rows = {row["id"]: row for row in json.loads(r.stdout)}
    assert sorted(rows) == BUILTIN_IDS
    assert rows["arn"]["source"] == str(BUILTIN_DIR / "arn.yaml")
    assert rows["arn"]["origin"] == "built-in" and rows["arn"]["description"].startswith("Partition, region and account id")
    assert rows["caller-credentials"]["allow"] is True
    priorities = [row["priority"] for row in json.loads(r.stdout)]
    assert priorities == sorted(priorities, reverse=True), "listed in the order they run"


def test_list_text_shows_user_rule_overriding_builtin(cli, tmp_path):
    text = GOOD.format(id="arn").replace("Test rule:", "Team override:")
    write_rule(tmp_path / "mine", "arn", text)
    r = cli("rules", "list", "--rules", "mine")
    assert r.exit_code == 0, r.stderr
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("arn "))
    assert "user, overrides built-in" in line and line.endswith("mine/arn.yaml")
    assert "Team override:" in r.stdout


def test_list_rejects_unknown_format(cli):
    r = cli("rules", "list", "--format", "xml")
    assert r.exit_code == 2 and "--format 'xml'" in r.stderr


def test_show_prints_the_rule_file_with_its_origin(cli):
    r = cli("rules", "show", "sqs-queue-url")
    assert r.exit_code == 0, r.stderr
    first, rest = r.stdout.split("\n", 1)
    assert first.startswith(f"# {BUILTIN_DIR / 'sqs-queue-url.yaml'} (built-in); runs ")
    assert rest == (BUILTIN_DIR / "sqs-queue-url.yaml").read_text()


def test_show_unknown_id_suggests_close_ones(cli):
    r = cli("rules", "show", "sqs-queue")
    assert r.exit_code == 2
    assert r.stderr.strip() == "export-to-cfn: error: no active rule with id 'sqs-queue'; did you mean sqs-queue-url?"


# -- check --------------------------------------------------------------------------------------


def test_check_accepts_the_builtins(cli):
    r = cli("rules", "check", str(BUILTIN_DIR))
    assert r.exit_code == 0, r.stderr
    assert [ln.split()[-1] for ln in r.stdout.splitlines()] == [f"({i})" for i in BUILTIN_IDS]


BAD_FILES = {
    # name: (edit of GOOD, expected line, expected message fragment)
    "unknown-field": (lambda t: t.replace("priority: 65", "priorty: 65"), 5, "field 'priorty': unknown; did you mean 'priority'?"),
    "bad-regex": (lambda t: t.replace("[a-z0-9]{26})", "[a-z0-9]{26}"), 6, "field 'match': invalid regular expression"),
    "nested-repeat": (lambda t: t.replace("[a-z0-9]{26}", "(?:[a-z0-9]+)+"), 6, "field 'match': nested unbounded repeats"),
    "overlapping-alternation": (lambda t: t.replace("[a-z0-9]{26}", "(?:a|aa)+"), 6, "field 'match': alternatives or optional parts"),
    "unknown-group-kind": (lambda t: t.replace("param_AppSyncApiId", "apiid"), 6, "field 'match': group 'apiid' has no known kind"),
    # a param group declares a CloudFormation parameter: letters and digits only (cfn-lint E2001), never empty
    "param-name-underscore": (lambda t: t.replace("param_AppSyncApiId", "param_AppSync_ApiId"), 6,
                              "field 'match': group 'param_AppSync_ApiId' declares the parameter 'AppSync_ApiId', which CloudFormation refuses"),
    "param-name-empty": (lambda t: t.replace("param_AppSyncApiId", "param_"), 6,
                         "field 'match': group 'param_' declares the parameter '', which CloudFormation refuses"),
    "unknown-macro": (lambda t: t.replace("{{region}}", "{{regoin}}"), 6, "unknown macro {{regoin}}"),
    "id-not-file-name": (lambda t: t.replace("id: bad", "id: other"), 1, "field 'id': 'other' must equal the file name ('bad')"),
    "no-description": (lambda t: t.replace("description: >\n  Test rule: the AppSync API id in an AWS integration URI becomes a parameter.\n", ""), 1, "field 'description': required"),
    "no-unchanged-example": (lambda t: t.split("  unchanged:")[0], 7, "needs at least one 'rewrites' example and one 'unchanged' example"),
    "output-equals-input": (lambda t: t.replace('output: {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:${AppSyncApiId}.appsync-api:path/graphql"}',
                                                 'output: "arn:aws:apigateway:us-east-1:q3xvo5mwzbcuthbq6ne2ujxkdy.appsync-api:path/graphql"'),
                            11, "'output' equals 'input'"),
    "example-typo": (lambda t: t.replace("  rewrites:", "  rewrite:"), 8, "field 'examples.rewrite': unknown; did you mean 'rewrites'?"),
    "pointer-not-selected": (lambda t: t.replace("    - name: graphql\n", "    - name: graphql\n      pointer: /paths/~1a/post/description\n"),
                             7, "pointer /paths/~1a/post/description is not selected by 'where'"),
    "examples-pointer-not-selected": (lambda t: t.replace("examples:\n", "examples:\n  pointer: /paths/~1a/post/description\n"),
                                      7, "example 'graphql': pointer /paths/~1a/post/description is not selected by 'where'"),
    "yaml-tag": (lambda t: t.replace("priority: 65", "priority: !!python/object:os.system 65"), 5, "YAML tag 'tag:yaml.org,2002:python/object:os.system' is not allowed"),
    "local-yaml-tag": (lambda t: t.replace("priority: 65", "priority: !Foo 65"), 5, "YAML tag '!Foo' is not allowed in a rule file"),
    "cfn-short-form": (lambda t: t.replace('output: {"Fn::Sub": ', "output: !Sub ").replace('path/graphql"}', 'path/graphql"'), 11,
                       "YAML tag '!Sub' is not allowed in a rule file; write the long form, {\"Fn::Sub\": ...}"),
    "where-unsupported": (lambda t: t.replace('where: "$..x-amazon-apigateway-integration.uri"', "where: \"$..uri[?(@.x)]\""), 4, "field 'where'"),
    "where-is-a-pointer": (lambda t: t.replace('where: "$..x-amazon-apigateway-integration.uri"', "where: /paths/~1a/post/x-amazon-apigateway-integration/uri"),
                           4, "field 'where': '/paths/~1a/post/x-amazon-apigateway-integration/uri' is a JSON pointer; 'where' takes JSONPath"),
    "where-without-root": (lambda t: t.replace('where: "$..x-amazon-apigateway-integration.uri"', "where: x-amazon-apigateway-integration.uri"),
                           4, "field 'where': 'x-amazon-apigateway-integration.uri' must start at the root: $.x-amazon-apigateway-integration.uri (top level) or $..x-amazon-apigateway-integration.uri"),
    "allow-with-becomes": (lambda t: t.replace("priority: 65", "priority: 65\nallow: true\nbecomes: x"), 7, "field 'becomes': an allow rule keeps its match"),
    # issue 11: only `rules test` and convert caught these
    "becomes-unknown-pseudo": (lambda t: t.replace("priority: 65", "priority: 65\nbecomes: '${AWS::NoSuch}'"), 6,
                               "field 'becomes': ${AWS::NoSuch} is not a pseudo parameter a run has a value for (AWS::AccountId, AWS::Partition, AWS::Region, AWS::URLSuffix)"),
    "becomes-unterminated": (lambda t: t.replace("priority: 65", "priority: 65\nbecomes: '${x'"), 6,
                             "field 'becomes': a '${' without its closing '}'"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_check_names_file_line_and_field(cli, tmp_path, case):
    edit, line, fragment = BAD_FILES[case]
    original = GOOD.format(id="bad")
    text = edit(original)
    assert text != original, "the edit must change the file"
    path = write_rule(tmp_path / "rules", "bad", text)
    r = cli("rules", "check", str(path))
    assert r.exit_code == 2
    first = r.stderr.splitlines()[0]
    assert first.startswith(f"export-to-cfn: error: {path}:{line}: "), first
    assert fragment in first, first
    assert "Traceback" not in r.stderr


def test_check_reports_every_bad_file_and_the_good_ones(cli, tmp_path):
    write_rule(tmp_path / "rules", "good-one")
    write_rule(tmp_path / "rules", "bad-one", GOOD.format(id="bad-one").replace("priority: 65", "priority: high"))
    write_rule(tmp_path / "rules", "bad-two", "just a string\n")
    r = cli("rules", "check", "rules")
    assert r.exit_code == 2
    assert r.stdout == "ok rules/good-one.yaml (good-one)\n"
    assert "rules/bad-one.yaml:5: field 'priority': an integer" in r.stderr
    assert "rules/bad-two.yaml: a rule file holds one mapping" in r.stderr
    assert r.stderr.strip().endswith("2 of 3 rule files invalid")


def test_check_missing_path_is_a_usage_error(cli):
    r = cli("rules", "check", "nowhere")
    assert r.exit_code == 2 and r.stderr.strip() == "export-to-cfn: error: nowhere: no such rule file or folder"


# -- test ---------------------------------------------------------------------------------------


def test_test_runs_every_builtin_example(cli):
    r = cli("rules", "test")
    assert r.exit_code == 0, r.stdout
    for rule_id in BUILTIN_IDS:
        assert f"✓ {rule_id} " in r.stdout
    n = sum(len(__import__("exporter.rules", fromlist=["x"]).load_rule_file(p).examples) for p in BUILTIN_DIR.glob("*.yaml"))
    assert r.stdout.splitlines()[-1] == f"{len(BUILTIN_IDS)} rules, {n} examples: {n} passed, 0 failed"


def test_test_given_files_runs_only_those(cli, tmp_path):
    path = write_rule(tmp_path / "rules", "appsync-api")
    r = cli("rules", "test", str(path))
    assert r.exit_code == 0, r.stdout
    assert r.stdout.splitlines()[0] == f"✓ appsync-api  2/2 examples  ({path.relative_to(tmp_path)})"
    assert r.stdout.splitlines()[-1] == "1 rule, 2 examples: 2 passed, 0 failed"


def test_test_failing_example_exits_1_with_expected_and_got(cli, tmp_path):
    text = GOOD.format(id="appsync-api").replace("${AppSyncApiId}.appsync-api", "${ApiId}.appsync-api")
    write_rule(tmp_path / "rules", "appsync-api", text)
    r = cli("rules", "test", "rules", "--format", "json")
    assert r.exit_code == 1
    report = json.loads(r.stdout)
    assert (report["passed"], report["failed"]) == (1, 1)
    bad = next(x for x in report["results"] if not x["ok"])
    assert bad["example"] == "graphql" and bad["pointer"] == "/paths/~1example/post/x-amazon-apigateway-integration/uri"
    assert bad["message"] == (
        'expected {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:${ApiId}.appsync-api:path/graphql"}, '
        'got {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:${AppSyncApiId}.appsync-api:path/graphql"}')


def test_test_text_report_names_the_failing_example(cli, tmp_path):
    text = GOOD.format(id="appsync-api").replace('- "https://backend.example.com/graphql"',
                                                 '- "arn:aws:apigateway:us-east-1:abcdefghijklmnopqrstuvwxyz.appsync-api:path/graphql"')
    write_rule(tmp_path / "rules", "appsync-api", text)
    r = cli("rules", "test", "rules")
    assert r.exit_code == 1
    lines = r.stdout.splitlines()
    assert lines[0] == "✗ appsync-api  1/2 examples  (rules/appsync-api.yaml)"
    assert lines[1] == "    ✗ unchanged-1 at /paths/~1example/post/x-amazon-apigateway-integration/uri"
    assert lines[2].startswith("      expected this rule to leave \"arn:aws:apigateway:us-east-1:abcdefghijklmnopqrstuvwxyz")
    assert lines[-1] == "1 rule, 2 examples: 1 passed, 1 failed (1 rule failing)"


def test_test_unchanged_example_may_be_rewritten_by_other_rules(cli, tmp_path):
    text = GOOD.format(id="appsync-api").replace('- "https://backend.example.com/graphql"',
                                                 '- "arn:aws:apigateway:us-east-1:states:action/StartExecution"')
    write_rule(tmp_path / "rules", "appsync-api", text)
    r = cli("rules", "test", "rules", "--format", "json")
    assert r.exit_code == 0, r.stdout
    msg = json.loads(r.stdout)["results"][1]["message"]
    assert msg == 'left alone (other rules rewrite it to {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:states:action/StartExecution"})'


def test_test_invalid_file_exits_2(cli, tmp_path):
    write_rule(tmp_path / "rules", "broken", GOOD.format(id="broken").replace("match:", "mach:"))
    r = cli("rules", "test", "rules")
    assert r.exit_code == 2
    assert "rules/broken.yaml:6: field 'mach': unknown; did you mean 'match'?" in r.stderr


NOT_ROUND_TRIP = textwrap.dedent("""\
    id: lossy
    description: Drops the API id from AppSync URIs (a broken rule; must be refused).
    where: "$..x-amazon-apigateway-integration.uri"
    priority: 65
    match: 'arn:aws:apigateway:(?P<region>{{region}}):(?P<x_id>[a-z0-9]{26})\\.appsync-api:path/graphql'
    becomes: 'arn:aws:apigateway:${region}:appsync-api:path/graphql'
    examples:
      rewrites:
        - input: "arn:aws:apigateway:us-east-1:q3xvo5mwzbcuthbq6ne2ujxkdy.appsync-api:path/graphql"
          output: {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:appsync-api:path/graphql"}
      unchanged:
        - "https://backend.example.com/graphql"
    """)


def test_test_rejects_a_rule_whose_output_does_not_resolve_back(cli, tmp_path):
    write_rule(tmp_path / "rules", "lossy", NOT_ROUND_TRIP)
    r = cli("rules", "test", "rules")
    assert r.exit_code == 1
    assert "✗ rewrites-1 at /paths/~1example/post/x-amazon-apigateway-integration/uri" in r.stdout
    assert ("rule 'lossy' (rules/lossy.yaml): its rewrite at /paths/~1example/post/x-amazon-apigateway-integration/uri "
            "does not resolve back to the input (it resolves to 'arn:aws:apigateway:us-east-1:appsync-api:path/graphql', "
            "not 'arn:aws:apigateway:us-east-1:q3xvo5mwzbcuthbq6ne2ujxkdy.appsync-api:path/graphql')") in r.stdout


def test_convert_refuses_a_rule_whose_output_does_not_resolve_back(cli, tmp_path):
    write_rule(tmp_path / "rules", "lossy", NOT_ROUND_TRIP)
    out = tmp_path / "out.json"
    r = cli("convert", str(APPSYNC / "export.json"), "--rules", "rules", "-o", str(out))
    assert r.exit_code == 2, r.stderr
    assert r.stderr.splitlines()[-1].startswith("export-to-cfn: error: rule 'lossy' (rules/lossy.yaml): its rewrite at /paths/~1graphql/post/")
    assert not out.exists()


def test_a_pattern_that_backtracks_is_stopped_by_the_time_limit(cli, tmp_path, monkeypatch):
    # (.*?,){15}P passes the static checks (its outer repeat is bounded) yet backtracks
    # polynomially; the time limit is what stops it.
    import exporter.rules.patterns

    monkeypatch.setattr(exporter.rules.patterns, "MATCH_TIMEOUT", 0.05)
    text = GOOD.format(id="slow").replace("where: \"$..x-amazon-apigateway-integration.uri\"", "where: \"$..requestTemplates\"")
    text = text.replace(text.split("match: ")[1].split("\n")[0], "'(?P<x_a>(?:.*?,){15})P'")
    text = text.replace("output: {", "output: 'x'\n          o: {").replace("          o: {", "          # {")
    text = text.replace('input: "arn:aws:apigateway:us-east-1:q3xvo5mwzbcuthbq6ne2ujxkdy.appsync-api:path/graphql"', 'input: "' + "1," * 40 + 'x"')
    write_rule(tmp_path / "rules", "slow", text)
    r = cli("rules", "test", "rules")
    assert r.exit_code == 1, r.stdout
    assert "rule 'slow': its 'match' pattern ran longer than 0.05 s on a 81-character string" in r.stdout


# -- new ----------------------------------------------------------------------------------------


def test_new_scaffolds_a_rule_that_test_accepts_and_check_once_described(cli, tmp_path):
    r = cli("rules", "new", "kinesis-video-stream", "--dir", "team-rules")
    assert r.exit_code == 0, r.stderr
    path = tmp_path / "team-rules" / "kinesis-video-stream.yaml"
    assert r.stdout.strip() == "team-rules/kinesis-video-stream.yaml" and path.is_file()
    assert "id: kinesis-video-stream\n" in path.read_text()
    t = cli("rules", "test", str(path))
    assert t.exit_code == 0, t.stdout
    assert t.stdout.splitlines()[-1] == "1 rule, 2 examples: 2 passed, 0 failed"
    # `rules check`, the gate a team runs in CI, refuses the scaffold's placeholder description ...
    check = cli("rules", "check", str(path))
    assert check.exit_code == 2
    assert f"{path}:5: field 'description': still the scaffold's placeholder (TODO)" in check.stderr
    # ... until it says what the rule does
    path.write_text(path.read_text().replace("TODO: which literal", "Kinesis Video stream ARNs: which literal"))
    assert cli("rules", "check", str(path)).exit_code == 0


def test_new_with_a_built_in_id_says_it_replaces_the_built_in(cli, tmp_path):
    r = cli("rules", "new", "sqs-queue-url", "--dir", "team-rules")
    assert r.exit_code == 0
    assert "note: 'sqs-queue-url' is a built-in rule's id: wherever this file is loaded it replaces the built-in" in r.stderr
    assert "note:" not in cli("rules", "new", "my-own-rule", "--dir", "team-rules").stderr


def test_new_refuses_to_overwrite_and_bad_ids(cli, tmp_path):
    assert cli("rules", "new", "mine").exit_code == 0
    before = (tmp_path / "rules" / "mine.yaml").read_text()
    again = cli("rules", "new", "mine")
    assert again.exit_code == 2 and "rules/mine.yaml: already exists" in again.stderr
    assert (tmp_path / "rules" / "mine.yaml").read_text() == before
    bad = cli("rules", "new", "My_Rule")
    assert bad.exit_code == 2 and "'My_Rule': a rule id is kebab-case" in bad.stderr


# -- where user rules come from: --rules and the project config ---------------------------------


def _appsync_project(tmp_path: Path, config_name: str, config_text: str) -> Path:
    project = tmp_path / "project"
    (project / "api").mkdir(parents=True)
    shutil.copy(APPSYNC / "export.json", project / "api" / "export.json")
    write_rule(project / "team-rules", "appsync-api")
    (project / config_name).write_text(config_text)
    return project


def _uri_and_params(stdout: str) -> tuple[object, dict]:
    template = json.loads(stdout)
    body = template["Resources"]["RestApi"]["Properties"]["Body"]
    return body["paths"]["/graphql"]["post"]["x-amazon-apigateway-integration"]["uri"], template.get("Parameters", {})


WANT_URI = {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:${AppSyncApiId}.appsync-api:path/graphql"}


def test_convert_without_the_rule_keeps_the_appsync_id(cli):
    r = cli("convert", str(APPSYNC / "export.json"))
    assert r.exit_code == 0, r.stderr
    uri, _ = _uri_and_params(r.stdout)
    assert uri == {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:q3xvo5mwzbcuthbq6ne2ujxkdy.appsync-api:path/graphql"}


def test_convert_uses_rules_env_and_bindings_from_yaml_config(cli, tmp_path):
    project = _appsync_project(tmp_path, ".export-to-cfn.yaml",
                               "rules:\n  - team-rules\nenv: dev\nbindings:\n  AppRoleName: GraphqlFrontAppSyncRole-dev\n")
    r = cli("convert", str(project / "api" / "export.json"))
    assert r.exit_code == 0, r.stderr
    assert "config: project/.export-to-cfn.yaml\n" in r.stderr
    assert f"env dev (from {project / '.export-to-cfn.yaml'})" in r.stderr
    uri, params = _uri_and_params(r.stdout)
    assert uri == WANT_URI
    assert params["AppSyncApiId"]["Default"] == "q3xvo5mwzbcuthbq6ne2ujxkdy"
    cred = json.loads(r.stdout)["Resources"]["RestApi"]["Properties"]["Body"]["paths"]["/graphql"]["post"]["x-amazon-apigateway-integration"]["credentials"]
    assert cred == {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${AppRoleName}"}


def test_convert_uses_pyproject_tool_table(cli, tmp_path):
    project = _appsync_project(tmp_path, "pyproject.toml", '[project]\nname = "x"\n\n[tool.export-to-cfn]\nrules = ["team-rules"]\n')
    r = cli("convert", str(project / "api" / "export.json"))
    assert r.exit_code == 0, r.stderr
    assert _uri_and_params(r.stdout)[0] == WANT_URI


def test_config_style_join_and_the_flag_wins(cli, tmp_path):
    project = _appsync_project(tmp_path, ".export-to-cfn.yaml", "rules: [team-rules]\nstyle: join\n")
    r = cli("convert", str(project / "api" / "export.json"))
    assert r.exit_code == 0, r.stderr
    assert list(_uri_and_params(r.stdout)[0]) == ["Fn::Join"]
    r = cli("convert", str(project / "api" / "export.json"), "--style", "sub")
    assert list(_uri_and_params(r.stdout)[0]) == ["Fn::Sub"]


def test_flags_win_over_config(cli, tmp_path):
    project = _appsync_project(tmp_path, ".export-to-cfn.yaml", "rules: [team-rules]\nbindings: {AppRoleName: GraphqlFrontAppSyncRole-dev}\n")
    r = cli("convert", str(project / "api" / "export.json"), "--bind", "AppRoleName=nothing-like-it")
    assert r.exit_code == 0, r.stderr
    cred = json.loads(r.stdout)["Resources"]["RestApi"]["Properties"]["Body"]["paths"]["/graphql"]["post"]["x-amazon-apigateway-integration"]["credentials"]
    assert cred == {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/GraphqlFrontAppSyncRole-${env}"}


def test_rules_commands_see_the_config_of_the_current_folder(cli, tmp_path, monkeypatch):
    project = _appsync_project(tmp_path, ".export-to-cfn.yaml", "rules: [team-rules]\n")
    monkeypatch.chdir(project / "api")
    rows = json.loads(cli("rules", "list", "--format", "json").stdout)
    mine = next(row for row in rows if row["id"] == "appsync-api")
    assert mine["origin"] == "user" and mine["source"] == str(project / "team-rules" / "appsync-api.yaml")


@pytest.mark.parametrize("name,text,message", [
    (".export-to-cfn.yaml", "rule: [team-rules]\n", ".export-to-cfn.yaml:1: 'rule': unknown key; did you mean 'rules'?"),
    (".export-to-cfn.yaml", "rules: [missing]\n", ".export-to-cfn.yaml:1: 'rules': missing does not exist"),
    (".export-to-cfn.yaml", "env: dev\nbindings: [a]\n", ".export-to-cfn.yaml:2: 'bindings': a mapping"),
    ("pyproject.toml", "[tool.export-to-cfn]\nenv = 3\n", "pyproject.toml: [tool.export-to-cfn] 'env': a name such as dev"),
    ("pyproject.toml", "[tool.export-to-cfn\n", "pyproject.toml: invalid TOML"),
])
def test_bad_config_is_one_line_naming_the_file(cli, tmp_path, name, text, message):
    (tmp_path / "api").mkdir()
    shutil.copy(APPSYNC / "export.json", tmp_path / "api" / "export.json")
    (tmp_path / name).write_text(text)
    r = cli("convert", str(tmp_path / "api" / "export.json"))
    assert r.exit_code == 2
    assert len(r.stderr.strip().splitlines()) == 1 and message in r.stderr, r.stderr


def test_user_rule_runs_before_a_builtin_of_equal_priority(cli, tmp_path):
    # aws-host (built-in, priority 50) also matches this URL; the user rule, same priority and an id
    # that sorts after it, must still get the literal first.
    text = textwrap.dedent("""\
        id: zz-appsync-http
        description: "AppSync endpoint URL: the API id becomes AppSyncApiId."
        where: "$..x-amazon-apigateway-integration.uri"
        match: 'https://(?<param_AppSyncApiId>[a-z0-9]{26})\\.appsync-api\\.(?<region>{{region}})\\.(?<urlsuffix>{{urlsuffix}})/graphql'
        examples:
          rewrites:
            - input: https://q3xvo5mwzbcuthbq6ne2ujxkdy.appsync-api.us-east-1.amazonaws.com/graphql
              output:
                Fn::Sub: https://${AppSyncApiId}.appsync-api.${AWS::Region}.${AWS::URLSuffix}/graphql
          unchanged:
            - https://example.com/graphql
        """)
    write_rule(tmp_path / "rules", "zz-appsync-http", text)
    r = cli("rules", "test", "rules")
    assert r.exit_code == 0, r.stdout
    rows = [row["id"] for row in json.loads(cli("rules", "list", "--rules", "rules", "--format", "json").stdout)]
    assert rows.index("zz-appsync-http") < rows.index("aws-host")


def test_unquoted_colon_in_a_value_gets_a_hint(cli, tmp_path):
    path = write_rule(tmp_path / "rules", "colon", GOOD.format(id="colon").replace(
        "description: >\n  Test rule: the AppSync", "description: Test rule: the AppSync"))
    r = cli("rules", "check", str(path))
    assert r.exit_code == 2
    assert f"{path}:2: invalid YAML: mapping values are not allowed here (a value holding ': ' must be quoted" in r.stderr


def test_backslash_in_double_quotes_gets_a_hint(cli, tmp_path):
    text = GOOD.format(id="dq").replace("match: '", 'match: "').replace("path/graphql'\n", 'path/graphql"\n')
    path = write_rule(tmp_path / "rules", "dq", text)
    r = cli("rules", "check", str(path))
    assert r.exit_code == 2
    assert f"{path}:6: invalid YAML: found unknown escape character" in r.stderr and "write patterns in 'single quotes'" in r.stderr


def test_a_becomes_without_intrinsics_that_changes_the_value_is_refused_too(cli, tmp_path):
    text = NOT_ROUND_TRIP.replace("becomes: 'arn:aws:apigateway:${region}:appsync-api:path/graphql'", "becomes: 'appsync'").replace(
        'output: {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:appsync-api:path/graphql"}', 'output: "appsync"')
    write_rule(tmp_path / "rules", "lossy", text)
    r = cli("rules", "test", "rules", "--format", "json")
    assert r.exit_code == 1
    failed = [x for x in json.loads(r.stdout)["results"] if not x["ok"]]
    assert [x["example"] for x in failed] == ["rewrites-1"]
    assert failed[0]["message"].endswith("(it resolves to 'appsync', not 'arn:aws:apigateway:us-east-1:q3xvo5mwzbcuthbq6ne2ujxkdy.appsync-api:path/graphql'); "
                                         "fix the rule's 'match'/'becomes' (a rewrite must never change a value)")


def test_show_binding_explains_it_is_not_a_rule(cli):
    r = cli("rules", "show", "binding")
    assert r.exit_code == 2
    assert "'binding' is not a rule: it marks a literal replaced by a bound parameter" in r.stderr
