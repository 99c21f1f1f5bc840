"""The cfn-lint rule pack (exporter/cfnlint_rules.py), run by the real cfn-lint: its CLI as the README
shows it (and through a .cfnlintrc), and its Python runner. What it must find is computed here, not by
the scan it runs: in every raw corpus export embedded in a RestApi Body, the export's own account id and
home region wherever they are written, and its VPC link ids; each on audit's line. In every converted
output: nothing, except the other accounts' literals a scenario keeps on purpose."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

from cases import cases, corpus_files
from conftest import FIXTURES, corpus_params, run_cli
from exporter.audit import KINDS
from exporter.io.load import load

EXPORT = FIXTURES / "amplify-stepfunctions" / "export.json"
ID_OF = {k.cfn_lint_id: kind for kind, k in KINDS.items()}
BODY = ("Resources", "Api", "Properties", "Body")


@dataclass(frozen=True)
class Found:
    rule: str
    value: str  # what the message names: "Hardcoded AWS account id: 123456789012" -> 123456789012
    path: tuple
    line: int


@pytest.fixture(scope="module")
def pack():
    """lint(text) -> {Found} from the pack alone, through cfn-lint's own runner."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.decode.decode import decode_str
    from cfnlint.rules import Rules
    from cfnlint.runner import run_template_by_data

    rules = Rules.create_from_module("exporter.cfnlint_rules")
    assert sorted(r.id for r in rules.values()) == sorted(ID_OF)

    def lint(text: str, filename: str | None = None) -> set[Found]:
        template, errors = decode_str(text)
        assert not errors, errors
        config = ConfigMixIn(regions=["us-east-1"], templates=[filename] if filename else [])
        return {Found(m.rule.id, m.message.rsplit(": ", 1)[1], tuple(m.path), m.linenumber)
                for m in run_template_by_data(template, config, rules)}

    return lint


def embedded(export: dict) -> str:
    return json.dumps({"AWSTemplateFormatVersion": "2010-09-09",
                       "Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": export}}}}, indent=2)


def strings(node: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """(path, text) of every string in a JSON document, the path as cfn-lint writes it."""
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from strings(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from strings(v, (*path, i))


# Independent of the audit's patterns: the export's own account and region are the most common ones in
# its ARNs' fields (split at the colons) and its execute-api host.
REGION = r"[a-z]{2}(?:-[a-z]+)+-\d"
ARN_FIELDS = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:(" + REGION + r")?:(\d{12})?:")
API_HOST = re.compile(r"\.execute-api\.(" + REGION + r")\.amazonaws\.com")


def own_literals(export: dict) -> set[tuple[str, str, tuple]]:
    """(rule id, value, path) the pack must report in the export embedded in a Body: every string holding
    the export's own account id (W9101) or home region (W9102), and every VPC link id written in a
    connectionId (W9105) rather than taken from a stage variable."""
    regions, accounts = Counter(), Counter()
    for _, text in strings(export):
        for m in ARN_FIELDS.finditer(text):
            regions.update([m.group(1)] if m.group(1) else [])
            accounts.update([m.group(2)] if m.group(2) else [])
        regions.update(API_HOST.findall(text))
    want = set()
    for path, text in strings(export):
        for rule, value in (("W9101", accounts), ("W9102", regions)):
            if value and value.most_common(1)[0][0] in text:
                want.add((rule, value.most_common(1)[0][0], BODY + path))
        if path[-1] == "connectionId" and "${stageVariables." not in text:
            want.add(("W9105", text, BODY + path))
    return want


def _cfn_lint(*args, cwd: Path) -> list[dict]:
    proc = subprocess.run([Path(sys.executable).parent / "cfn-lint", *map(str, args), "--format", "json"], cwd=cwd,
                          capture_output=True, text=True)
    assert proc.returncode in (0, 4, 8, 12), proc.stderr  # cfn-lint's bitmask: 4 warnings, 8 informational
    return [m for m in json.loads(proc.stdout) if m["Rule"]["Id"] in ID_OF]


@pytest.mark.slow
def test_the_cli_loads_the_pack_as_the_readme_says(tmp_path, pack):
    text = embedded(json.loads(EXPORT.read_text()))
    (tmp_path / "api.json").write_text(text)
    found = _cfn_lint("api.json", "--append-rules", "exporter.cfnlint_rules", cwd=tmp_path)
    assert {(m["Rule"]["Id"], m["Message"].rsplit(": ", 1)[1], m["Location"]["Start"]["LineNumber"]) for m in found} == \
        {(f.rule, f.value, f.line) for f in pack(text)}
    assert {m["Rule"]["Id"] for m in found} >= {"W9101", "W9102", "W9103", "W9104"}
    assert all(m["Level"] == "Warning" for m in found)
    (tmp_path / ".cfnlintrc").write_text("append_rules:\n  - exporter.cfnlint_rules\n")  # what editors read
    assert len(_cfn_lint("api.json", cwd=tmp_path)) == len(found)


def test_a_key_of_digits_is_a_key_not_a_list_index(pack):
    """A response code ("200") under an integration's responses is a mapping key: the finding is on the
    line of the text holding the ARN, not on the `responses` line (an int path step made cfn-lint stop
    at the parent). Found by the issue 15 audit."""
    integration = {"type": "aws", "httpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:lambda:path/x",
                   "responses": {"200": {"statusCode": "200", "responseTemplates": {
                       "application/json": '{"q": "arn:aws:sqs:us-east-1:123456789012:q"}'}}}}
    text = embedded({"swagger": "2.0", "paths": {"/a": {"get": {"x-amazon-apigateway-integration": integration}}}})
    line = next(i for i, row in enumerate(text.splitlines(), 1) if '"application/json": "{\\"q\\"' in row)
    path = (*BODY, "paths", "/a", "get", "x-amazon-apigateway-integration", "responses", "200", "responseTemplates", "application/json")
    assert Found("W9101", "123456789012", path, line) in pack(text)


RAW_EXPORTS = corpus_params(lambda corpus: corpus_files("export"), what="REST API export")


@pytest.mark.parametrize("path", RAW_EXPORTS)
def test_a_raw_corpus_export_in_a_body_gets_its_own_literals_reported(path, pack):
    export = load(path).data
    got = {(f.rule, f.value, f.path) for f in pack(embedded(export))}
    missing = own_literals(export) - got
    assert not missing, sorted(missing, key=str)[:5]


def test_most_raw_corpus_exports_have_literals_of_their_own():
    """The test above is not vacuous: all but the two exports written without any (MOCK and HTTP
    integrations only) have some."""
    exports = corpus_files("export")
    if not exports:
        pytest.skip("no corpus")
    having = [p for p in exports if own_literals(load(p).data)]
    assert len(having) >= 14 and len(exports) - len(having) <= 2, [str(p) for p in exports if p not in having]


@pytest.mark.parametrize("path", RAW_EXPORTS)
def test_each_finding_is_on_the_line_audit_gives(path, pack, tmp_path):
    """cfn-lint finds the line from the path the pack gives it; audit from its own locator."""
    text = embedded(load(path).data)
    (tmp_path / "t.json").write_text(text)
    audit = json.loads(run_cli("audit", tmp_path / "t.json", "--format", "json").stdout)["findings"]
    by_audit = {(KINDS[f["kind"]].cfn_lint_id, f["value"], f["line"]) for f in audit}
    assert {(f.rule, f.value, f.line) for f in pack(text)} == by_audit


def test_allow_rules_escapes_and_stage_variables_are_not_findings(pack):
    template = {"Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {}, "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AWSLambdaExecute"]}},
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": {"swagger": "2.0", "paths": {"/a": {"get": {
            "x-amazon-apigateway-integration": {
                "uri": {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:states:action/StartExecution"},
                "connectionId": "${stageVariables.vpcLinkId}",
                "requestTemplates": {"application/json": {"Fn::Sub": "{\"input\": \"${!input.body}\", \"arn\": \"${Machine}\"}"}}},
        }}}}}}}}
    assert pack(json.dumps(template)) == set()


@pytest.mark.slow
def test_the_project_config_gives_the_env(tmp_path, pack):
    (tmp_path / ".export-to-cfn.yaml").write_text("env: dev\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / "t.json").write_text(json.dumps({"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "jobs-dev"}}}}))
    found = _cfn_lint("t.json", "--append-rules", "exporter.cfnlint_rules", cwd=tmp_path)
    assert [(m["Rule"]["Id"], m["Message"]) for m in found] == [("W9108", "Environment name in a resource name: dev")]


# What convert keeps literal on purpose, and why: the scenario's integrations call a Lambda in a shared-services
# account and a role in an audit account; ${AWS::AccountId} would name the wrong account.
KEPT_ON_PURPOSE = {"scenario-multi-account": "W9101"}


@pytest.mark.slow
@pytest.mark.parametrize("case", cases())
def test_a_converted_output_is_clean(case, converted, pack):
    conv = converted(case)
    assert conv.exit_code == 0, conv.stderr
    # Amplify CLI >= 7: build/ keeps Amplify's last build; what deploys is build/ with override.ts applied
    text = json.dumps(conv.template, indent=2) if case.scenario and case.scenario.spec.get("override") else conv.out.read_text(encoding="utf-8")
    found = pack(text)
    if case.id not in KEPT_ON_PURPOSE:
        assert found == set(), sorted(found, key=str)[:3]
        return
    home = conv.values["AWS::AccountId"]
    others = {a for _, t in strings(conv.export) for a in re.findall(r"(?<![0-9])[0-9]{12}(?![0-9])", t)} - {home}
    assert others, "the scenario no longer has another account's literals"
    assert {(f.rule, f.value) for f in found} == {(KEPT_ON_PURPOSE[case.id], a) for a in others}


def test_the_readme_table_lists_every_rule_of_the_pack():
    readme = (FIXTURES.parent / "README.md").read_text()
    section = readme[readme.index("### cfn-lint rule pack"):]
    listed = [line.split("|")[1].strip() for line in section.splitlines() if line.startswith("| W9")]
    assert listed == [k.cfn_lint_id for k in KINDS.values()]


def _readme_cfn_lint_hook() -> str:
    readme = (FIXTURES.parent / "README.md").read_text()
    section = readme[readme.index("### cfn-lint rule pack"):readme.index("| id | finds |")]
    return section.split("```yaml\n# .pre-commit-config.yaml\n", 1)[1].split("```", 1)[0]


@pytest.mark.slow
def test_the_readme_pre_commit_hook_is_valid_and_its_args_leave_the_files_to_lint(tmp_path):
    """pre-commit appends the staged files after `args`: with `--append-rules=...` they stay templates
    (`--append-rules X` would read them as more rule modules)."""
    (tmp_path / ".pre-commit-config.yaml").write_text(_readme_cfn_lint_hook())
    proc = subprocess.run([Path(sys.executable).parent / "pre-commit", "validate-config", ".pre-commit-config.yaml"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    hook = load(tmp_path / ".pre-commit-config.yaml").data["repos"][0]["hooks"][0]
    for name in ("a.json", "b.json"):
        (tmp_path / name).write_text(embedded(json.loads(EXPORT.read_text())))
    found = _cfn_lint(*hook["args"], "a.json", "b.json", cwd=tmp_path)
    assert {m["Filename"] for m in found} == {"a.json", "b.json"}
