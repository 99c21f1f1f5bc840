"""`diff` and `convert --diff`: golden previews, --check both ways, nothing written, where the
preview goes, the JSON contract, and the sections (routes, VTL lines, rewrites, parameters, files)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import EXAMPLE, FIXTURES, need_shared, snapshot
from exporter.convert import Options, convert
from exporter.diff import FileChange, build_preview
from exporter.io.load import load_export, load_template
from exporter.render import renderer
from scenarios import PREVIEW_FORMATS, run_diff, scenarios

SCENARIOS = [s for s in scenarios() if s.spec.get("template")]
CASE = FIXTURES / "amplify-stepfunctions"
TEMPLATE = "amplify/backend/api/HelloApi/HelloApi-cloudformation-template.json"


@pytest.fixture
def case(tmp_path) -> Path:
    work = tmp_path / "case"
    shutil.copytree(CASE, work, ignore=shutil.ignore_patterns("expected"))
    return work


@pytest.mark.parametrize("fmt", list(PREVIEW_FORMATS))
@pytest.mark.parametrize("sc", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_preview_golden(sc, fmt, tmp_path):
    result = run_diff(sc, tmp_path, fmt)
    assert result.exit_code == 0, result.stderr
    golden = sc.expected_dir / PREVIEW_FORMATS[fmt]
    assert golden.exists(), f"no golden {golden}; run python scripts/refresh_goldens.py"
    assert result.stdout == golden.read_text(encoding="utf-8"), f"{sc.name}: diff --format {fmt} differs from {golden} (refresh with scripts/refresh_goldens.py and review the diff)"


def test_check_is_1_before_convert_and_0_right_after(cli, case):
    export, template = case / "export.json", case / TEMPLATE
    before = snapshot(case)
    result = cli("diff", export, "-t", template, "--check")
    assert result.exit_code == 1, result.stderr
    assert f"would change {template}" in result.stderr
    assert snapshot(case) == before, "diff must write nothing"
    assert cli("convert", export, "-t", template, "--in-place").exit_code == 0
    result = cli("diff", export, "-t", template, "--check")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "no changes: the template already matches the export" in result.stdout
    data = json.loads(cli("diff", export, "-t", template, "--format", "json").stdout)
    assert data["changed"] is False and data["files"] == [] and data["rewrites"] == [] and data["security"] == []
    assert {r["status"] for r in data["routes"]} == {"unchanged"}


def test_check_on_the_canonical_example_copy(cli, tmp_path):
    need_shared(EXAMPLE)
    work = tmp_path / "example"
    shutil.copytree(EXAMPLE, work)
    export, template = work / "export.json", work / "before/amplify/backend/api/HelloApi/HelloApi-cloudformation-template.json"
    assert cli("diff", export, "-t", template, "--check").exit_code == 1
    assert cli("convert", export, "-t", template, "--in-place").exit_code == 0
    result = cli("diff", export, "-t", template, "--check")
    assert result.exit_code == 0, result.stdout


@pytest.mark.slow
def test_check_with_a_yaml_template_is_0_after_convert(cli, case, tmp_path):
    """YAML round-trips through ruamel: the second run must still find nothing to change."""
    from exporter.io.yaml import dump_yaml

    template = tmp_path / "template.yaml"
    template.write_text(dump_yaml(json.loads((case / TEMPLATE).read_text())))
    assert cli("diff", case / "export.json", "-t", template, "--check").exit_code == 1
    assert cli("convert", case / "export.json", "-t", template, "--in-place").exit_code == 0
    assert cli("diff", case / "export.json", "-t", template, "--check").exit_code == 0


def test_output_file_gets_the_report_and_nothing_else_is_written(cli, case):
    before = snapshot(case)
    out = case.parent / "preview.md"
    result = cli("diff", case / "export.json", "-t", case / TEMPLATE, "--format", "markdown", "-o", out)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert out.read_text().startswith("<!-- export-to-cfn preview: HelloApi-cloudformation-template.json_HelloApi -->\n"
                                      "### export-to-cfn: <code>HelloApi-cloudformation-template.json</code> (HelloApi)")
    assert snapshot(case) == before


def test_convert_diff_goes_to_stdout_when_writing_in_place(cli, case):
    result = cli("convert", case / "export.json", "-t", case / TEMPLATE, "--in-place", "--diff")
    assert result.exit_code == 0, result.stderr
    assert "~ ANY /hello" in result.stdout and "Security (4)" in result.stdout
    assert "~ ANY /hello" not in result.stderr


def test_convert_diff_goes_to_stderr_when_the_template_goes_to_stdout(cli, case):
    result = cli("convert", case / "export.json", "-t", case / TEMPLATE, "--diff")
    assert result.exit_code == 0, result.stderr
    json.loads(result.stdout)  # stdout holds only the template
    assert "~ ANY /hello" in result.stderr


def test_convert_diff_without_template_is_a_usage_error(cli, case):
    result = cli("convert", case / "export.json", "--diff")
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "--diff needs --template" in result.stderr


def test_bad_format_is_one_line_and_exit_2(cli, case):
    result = cli("diff", case / "export.json", "-t", case / TEMPLATE, "--format", "html")
    assert result.exit_code == 2
    assert result.stderr.strip() == "export-to-cfn: error: --format 'html': use text, markdown or json"


def test_no_colour_when_not_a_terminal(cli, case):
    result = cli("diff", case / "export.json", "-t", case / TEMPLATE)
    assert "\x1b[" not in result.stdout and "\x1b[" not in result.stderr


def _json(cli, case, *extra) -> dict:
    result = cli("diff", case / "export.json", "-t", case / TEMPLATE, "--format", "json", *extra)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_json_contract_has_stable_keys(cli, case):
    data = _json(cli, case)
    assert list(data) == ["template", "api", "changed", "summary", "routes", "security", "rewrites", "other", "files"]
    assert all(list(r)[:4] == ["method", "path", "status", "changes"] for r in data["routes"])
    assert all(list(s) == ["method", "path", "severity", "message"] for s in data["security"])
    assert all(list(w)[:4] == ["pointer", "rule", "before", "after"] for w in data["rewrites"])
    # an Amplify project: the dependsOn wiring files change with the template
    assert data["files"] == [{"path": str(case / TEMPLATE)},
                             {"path": str(case / "amplify/backend/backend-config.json")},
                             {"path": str(case / "amplify/backend/api/HelloApi/api-params.json")}]
    statuses = {f"{r['method']} {r['path']}": r["status"] for r in data["routes"]}
    assert statuses == {"OPTIONS /hello": "unchanged", "ANY /hello": "changed", "OPTIONS /hello/{proxy+}": "unchanged",
                        "ANY /hello/{proxy+}": "changed", "OPTIONS /status": "added", "ANY /status": "added",
                        "OPTIONS /status/{proxy+}": "added", "ANY /status/{proxy+}": "added"}


def test_vtl_template_shows_as_lines_inside_its_route(cli, case):
    data = _json(cli, case)
    hello = next(r for r in data["routes"] if r["method"] == "ANY" and r["path"] == "/hello")
    vtl = next(c for c in hello["changes"] if c["where"] == 'x-amazon-apigateway-integration.requestTemplates["application/json"]')
    assert vtl["kind"] == "added"
    assert vtl["lines"][1:] == ["+{", "+    \"input\": \"$util.escapeJavaScript($input.json('$'))\",",
                                "+    \"stateMachineArn\": \"${stepFunctionHelloStepArn}\"}"]  # bound to the Amplify output


def test_vtl_change_in_an_existing_template_is_a_line_diff(cli, case):
    """After convert, edit one line of the export's VTL: the preview shows that line, not the blob."""
    export, template = case / "export.json", case / TEMPLATE
    assert cli("convert", export, "-t", template, "--in-place").exit_code == 0
    data = json.loads(export.read_text())
    integ = data["paths"]["/hello"]["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]
    integ["requestTemplates"]["application/json"] = integ["requestTemplates"]["application/json"].replace("$input.json('$')", "$input.body")
    export.write_text(json.dumps(data, indent=2))
    preview = _json(cli, case)
    hello = next(r for r in preview["routes"] if r["path"] == "/hello" and r["method"] == "ANY")
    assert hello["status"] == "changed"
    (change,) = hello["changes"]
    assert change["kind"] == "changed"
    assert [line for line in change["lines"] if line[:1] in "+-"] == [
        "-    \"input\": \"$util.escapeJavaScript($input.json('$'))\",",
        "+    \"input\": \"$util.escapeJavaScript($input.body)\","]


def test_rewrite_of_a_literal_the_template_holds_is_rewritten_not_changed(cli, case):
    """A template that holds the export's literal: the text changes, the deployed value does not."""
    export, template = case / "export.json", case / TEMPLATE
    assert cli("convert", export, "-t", template, "--in-place").exit_code == 0
    tpl = json.loads(template.read_text())
    integ = tpl["Resources"]["HelloApi"]["Properties"]["Body"]["paths"]["/status"]["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]
    integ["uri"] = "arn:aws:apigateway:ap-northeast-1:states:action/DescribeExecution"
    template.write_text(json.dumps(tpl, indent=2))
    data = _json(cli, case)
    status = next(r for r in data["routes"] if r["path"] == "/status" and r["method"] == "ANY")
    assert status["changes"] == [{"where": "x-amazon-apigateway-integration.uri", "kind": "rewritten",
                                  "before": "arn:aws:apigateway:ap-northeast-1:states:action/DescribeExecution",
                                  "after": {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:states:action/DescribeExecution"},
                                  "lines": []}]
    assert [(w["route"], w["rule"]) for w in data["rewrites"]] == [("ANY /status", "service-integration-uri")]
    assert data["security"] == []


def test_removed_and_kept_routes(cli, case):
    template = case / TEMPLATE
    tpl = json.loads(template.read_text())
    tpl["Resources"]["HelloApi"]["Properties"]["Body"]["paths"]["/legacy"] = {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}}
    template.write_text(json.dumps(tpl, indent=2))
    kept = next(r for r in _json(cli, case)["routes"] if r["path"] == "/legacy")
    assert (kept["status"], kept["note"]) == ("unchanged", "not in the export (kept; --prune removes it)")
    pruned = next(r for r in _json(cli, case, "--prune")["routes"] if r["path"] == "/legacy")
    assert pruned["status"] == "removed" and pruned["diff"][:2] == ["--- a/GET /legacy", "+++ b/GET /legacy"]


def test_parameters_appear_in_their_own_section(cli, case):
    arn = "arn:aws:states:ap-northeast-1:123456789012:stateMachine:HelloStep-dev"
    data = _json(cli, case, "--bind", f"MachineArn={arn}")  # --bind wins over the Amplify output's parameter
    params = [o for o in data["other"] if o["section"] == "Parameters"]
    assert [(o["name"], o["status"]) for o in params] == [("MachineArn", "added"), ("stepFunctionHelloStepRoleName", "added")]
    assert all(r["path"] != "Parameters" for r in data["routes"])
    md = cli("diff", case / "export.json", "-t", case / TEMPLATE, "--format", "markdown", "--bind", f"stepFunctionHelloStepArn={arn}").stdout
    assert "### Parameters, settings and other files" in md and "<code>Parameters.stepFunctionHelloStepArn</code>" in md


def test_other_files_such_as_depends_on_get_their_own_section(case):
    """A second file convert writes (Amplify's backend-config.json) shows as its own changes."""
    export, template = load_export(case / "export.json"), load_template(case / TEMPLATE)
    conv = convert(export, template, Options())
    config = case / "amplify/backend/backend-config.json"
    before = config.read_text()
    data = json.loads(before)
    data["api"]["HelloApi"]["dependsOn"] = [{"category": "stepFunction", "resourceName": "HelloStep", "attributes": ["Arn", "RoleName"]}]
    preview = build_preview(conv, template, [FileChange(template.path, template.text, template.text + " "),
                                             FileChange(str(config), before, json.dumps(data, indent=2))])
    (other,) = [o for o in preview.other if o.file == str(config)]
    assert (other.name, other.status) == ("api", "changed")
    assert [(c.where, c.before, c.after) for c in other.changes] == [
        ("HelloApi.dependsOn[0].category", "function", "stepFunction"), ("HelloApi.dependsOn[0].resourceName", "HelloFunc", "HelloStep"),
        ("HelloApi.dependsOn[0].attributes[0]", "Name", "Arn"), ("HelloApi.dependsOn[0].attributes[1]", "Arn", "RoleName")]
    assert preview.files == [template.path, str(config)]
    text = renderer("text")(preview)
    assert "~ api (changed, " + str(config) + ")" in text and "HelloApi.dependsOn[0].resourceName: HelloFunc -> HelloStep" in text


def test_security_findings_reach_every_format(cli, case):
    data = _json(cli, case)
    assert [(s["method"], s["path"], s["severity"]) for s in data["security"]] == [
        ("ANY", "/hello", "medium"), ("ANY", "/hello/{proxy+}", "medium"), ("ANY", "/status", "medium"), ("ANY", "/status/{proxy+}", "medium")]
    md = cli("diff", case / "export.json", "-t", case / TEMPLATE, "--format", "markdown").stdout
    assert "- 🟠 **medium** <code>ANY /status</code>: new route with no authorization" in md


def test_diff_needs_a_template(cli, case):
    result = cli("diff", case / "export.json")
    assert result.exit_code == 2 and "--template" in result.stderr


def test_diff_takes_the_stage_flags_convert_ran_with(cli, tmp_path):
    """`diff --check` with the flags of the `convert` it checks (the pre-commit hooks pass one args list
    to both): with --target cdk, the stage variables --stage-variable names are in the generated
    construct, and the check is 0 right after the convert and 1 with another variable. Into a template
    merge (Amplify's too) the stage flags are refused by both, with the same line."""
    export = FIXTURES / "stage-settings" / "export.json"
    out = tmp_path / "cdk"
    flags = ("--stage-variable", "backendHost=a.example.com")
    assert cli("convert", export, "--target", "cdk", "-o", out, *flags).exit_code == 0
    assert "a.example.com" in (out / "bin" / "app.ts").read_text()
    same = cli("diff", export, "--target", "cdk", "--into", out, "--check", *flags)
    assert same.exit_code == 0, same.stdout + same.stderr
    other = cli("diff", export, "--target", "cdk", "--into", out, "--check", *flags, "--stage-variable", "extraFlag=on")
    assert other.exit_code == 1 and "readonly extraFlag: string;" in other.stdout
    project = tmp_path / "p"
    shutil.copytree(FIXTURES / "amplify-stepfunctions", project, ignore=shutil.ignore_patterns("expected"))
    template = project / "amplify/backend/api/HelloApi/HelloApi-cloudformation-template.json"
    refusals = [cli(cmd, project / "export.json", "--template", template, *extra, "--stage", FIXTURES / "stage-settings" / "stage.json")
                for cmd, extra in (("diff", ("--check",)), ("convert", ("--in-place",)))]
    assert [r.exit_code for r in refusals] == [2, 2]
    assert refusals[0].stderr == refusals[1].stderr and "--stage does not apply to an Amplify project" in refusals[0].stderr
    lonely = cli("diff", project / "export.json", "--template", template, "--stage-name", "prod")
    assert lonely.exit_code == 2 and lonely.stderr.strip().splitlines() == [
        "export-to-cfn: error: --stage-name goes with --stage (it picks a stage of `get-stages` output)"]


def test_diff_with_keep_template_literals_matches_a_convert_that_kept_them(cli, tmp_path):
    project = tmp_path / "p"
    shutil.copytree(FIXTURES / "amplify-stepfunctions", project, ignore=shutil.ignore_patterns("expected"))
    template = project / "amplify/backend/api/HelloApi/HelloApi-cloudformation-template.json"
    args = ("--template", template, "--keep-template-literals")
    assert cli("convert", project / "export.json", *args, "--in-place").exit_code == 0
    assert cli("diff", project / "export.json", *args, "--check").exit_code == 0
    # without the flag diff sees what convert would change by default: Amplify's own arn:aws:
    assert cli("diff", project / "export.json", "--template", template, "--check").exit_code == 1


def test_a_redeployed_deployment_is_one_renamed_entry_not_an_add_and_a_remove(cli, tmp_path):
    project = tmp_path / "p"
    shutil.copytree(FIXTURES / "amplify-stepfunctions", project, ignore=shutil.ignore_patterns("expected"))
    template = project / "amplify/backend/api/HelloApi/HelloApi-cloudformation-template.json"
    result = cli("diff", project / "export.json", "--template", template, "--format", "json")
    other = [o for o in json.loads(result.stdout)["other"] if o["section"] == "Resources" and "Deployment" in o["name"]]
    assert len(other) == 1, other
    (entry,) = other
    assert entry["status"] == "renamed" and entry["renamed_from"] == "DeploymentAPIGWHelloApi"
    assert entry["name"].startswith("DeploymentAPIGWHelloApi") and len(entry["name"]) == len("DeploymentAPIGWHelloApi") + 8
    assert entry["diff"] == [] and entry["changes"] == []  # the same resource, only its id changed
    text = cli("diff", project / "export.json", "--template", template).stdout
    assert f"> Resources.{entry['name']} (renamed from DeploymentAPIGWHelloApi)" in text


def test_renames_pair_only_a_hash_suffixed_id_of_the_same_type():
    from exporter.diff import _renames

    dep = {"Type": "AWS::ApiGateway::Deployment"}
    assert _renames({"Dep": dep, "X": {}}, {"Dep0a1b2c3d": dep, "X": {}}) == {"Dep0a1b2c3d": "Dep"}
    assert _renames({"Dep9f9f9f9f": dep}, {"Dep0a1b2c3d": dep}) == {"Dep0a1b2c3d": "Dep9f9f9f9f"}  # re-hashed
    assert _renames({"Dep": dep}, {"Dep0a1b2c3d": {"Type": "AWS::ApiGateway::Stage"}}) == {}  # another resource
    assert _renames({"Dep": dep}, {"Other0a1b2c3d": dep, "Dep": dep}) == {}  # nothing was removed


def test_diff_says_what_convert_would_warn_about(cli, tmp_path):
    """A Deployment an exported Output names keeps its id (the stage will not redeploy): the reviewer
    of the preview is told, on stderr, as convert tells whoever runs it."""
    project = tmp_path / "p"
    shutil.copytree(FIXTURES / "amplify-stepfunctions", project, ignore=shutil.ignore_patterns("expected"))
    template = project / "amplify/backend/api/HelloApi/HelloApi-cloudformation-template.json"
    data = json.loads(template.read_text())
    data["Outputs"]["DeploymentId"] = {"Value": {"Ref": "DeploymentAPIGWHelloApi"}, "Export": {"Name": "d"}}
    template.write_text(json.dumps(data, indent=2))
    result = cli("diff", project / "export.json", "--template", template, "--format", "json")
    assert result.exit_code == 0
    assert "warning: the Body changed but DeploymentAPIGWHelloApi is exported by Output(s) DeploymentId" in result.stderr
    json.loads(result.stdout)  # stdout stays the report alone
