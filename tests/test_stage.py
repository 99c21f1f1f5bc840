"""exporter/stage.py through the CLI: stage variables (issue 11 item 4) and --stage (issue 14): the
written Stage resolves, with the project's resolver, to the get-stage JSON on every carried field;
what is not carried is named. A template merge (Amplify's included) takes none: CloudFormation refuses
a StageDescription on the Deployment a redeploy creates for an existing stage."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import FIXTURES
from exporter.resolve import resolve
from exporter.stage import join_method_key, split_method_key

SCENARIO = FIXTURES / "stage-settings"
EXPORT, STAGE = SCENARIO / "export.json", SCENARIO / "stage.json"
AMPLIFY = FIXTURES / "amplify-stepfunctions"
PSEUDO = {"AWS::Region": "eu-west-1", "AWS::AccountId": "111122223333", "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}


def lint_clean(text: str) -> list[str]:
    """cfn-lint errors and warnings (not only errors: 'cfn-lint clean')."""
    from cfnlint.api import lint_all

    return [f"{m.rule.id} {m.message}" for m in lint_all(text) if m.rule.id[0] in "EW"]


def defaults(template: dict) -> dict:
    return {n: p["Default"] for n, p in (template.get("Parameters") or {}).items() if "Default" in p}


def convert(cli, tmp_path, *args, export=EXPORT):
    out = tmp_path / "template.json"
    result = cli("convert", export, "-o", out, *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(out.read_text()), result


def stage_export(tmp_path, uri="http://${stageVariables.backend}/x"):
    """A small export whose one integration reads a stage variable."""
    export = {"swagger": "2.0", "info": {"title": "Vars"}, "host": "abcdefghij.execute-api.us-east-1.amazonaws.com", "basePath": "/dev",
              "paths": {"/x": {"get": {"responses": {"200": {"description": "ok"}},
                                       "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": uri}}}}}
    path = tmp_path / "vars.json"
    path.write_text(json.dumps(export))
    return path


# ---------------------------------------------------------------------------------------------
# the proof, independently of exporter.stage.as_get_stage


def test_written_stage_resolves_to_the_get_stage_file_on_every_carried_field(cli, tmp_path):
    template, result = convert(cli, tmp_path, "--stage", STAGE)
    live = json.loads(STAGE.read_text())
    props = template["Resources"]["Stage"]["Properties"]
    canary_ref = props["CanarySetting"].pop("DeploymentId")
    assert canary_ref == props["DeploymentId"], "the canary starts on this template's own deployment"
    got = resolve({k: v for k, v in props.items() if k not in ("RestApiId", "DeploymentId")}, {**PSEUDO, **defaults(template)})
    assert got["StageName"] == live["stageName"]
    assert got["Description"] == live["description"]
    assert got["Variables"] == live["variables"]
    assert got["TracingEnabled"] is live["tracingEnabled"]
    assert got["CacheClusterEnabled"] is live["cacheClusterEnabled"] and got["CacheClusterSize"] == live["cacheClusterSize"]
    assert got["AccessLogSetting"] == {"DestinationArn": live["accessLogSettings"]["destinationArn"], "Format": live["accessLogSettings"]["format"]}
    assert got["ClientCertificateId"] == live["clientCertificateId"]
    assert got["CanarySetting"] == {"PercentTraffic": 10.0, "StageVariableOverrides": {"lambdaAlias": "canary"}, "UseStageCache": False}
    assert got["Tags"] == [{"Key": "team", "Value": "pets"}, {"Key": "cost-center", "Value": "1234"}]
    names = {"metricsEnabled": "MetricsEnabled", "loggingLevel": "LoggingLevel", "dataTraceEnabled": "DataTraceEnabled",
             "throttlingBurstLimit": "ThrottlingBurstLimit", "throttlingRateLimit": "ThrottlingRateLimit", "cachingEnabled": "CachingEnabled",
             "cacheTtlInSeconds": "CacheTtlInSeconds", "cacheDataEncrypted": "CacheDataEncrypted"}
    by_path = {(m["ResourcePath"], m["HttpMethod"]): m for m in got["MethodSettings"]}
    assert set(by_path) == {("/*", "*"), ("/~1pets~1{id}", "GET")}
    for key, path_method in (("*/*", ("/*", "*")), ("~1pets~1{id}/GET", ("/~1pets~1{id}", "GET"))):
        for field, prop in names.items():
            want, have = live["methodSettings"][key][field], by_path[path_method][prop]
            assert have == want and type(have) is type(want), f"{key} {field}: want {want!r}, have {have!r}"
    # the ARN went through the rules like any other
    assert props["AccessLogSetting"]["DestinationArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:API-Gateway-Access-Logs_PetsApi/prod"}
    for lost in ("unauthorizedCacheControlHeaderStrategy = FAIL_WITH_403", "canarySettings deploymentId d4e5f6",
                 "tags aws:cloudformation:stack-name", "documentationVersion 1.0", "webAclArn arn:aws:wafv2:"):
        assert f"not carried: methodSettings ~1pets~1{{id}}/GET {lost}" in result.stderr or f"not carried: {lost}" in result.stderr, lost
    assert "proof: the stage resolves to the file on every carried field" in result.stderr
    assert lint_clean(json.dumps(template)) == []


@pytest.mark.parametrize("key,path,method", [("*/*", "/*", "*"), ("~1pets/GET", "/~1pets", "GET"), ("~1/GET", "/", "GET"),
                                             ("~1pets~1{id}/DELETE", "/~1pets~1{id}", "DELETE"), ("~1a~1b/*", "/~1a~1b", "*")])
def test_method_setting_keys_map_both_ways(key, path, method):
    assert split_method_key(key, ValueError) == (path, method)
    assert join_method_key(path, method) == key


def test_get_stages_needs_a_name_and_takes_it(cli, tmp_path):
    live = json.loads(STAGE.read_text())
    stages = tmp_path / "stages.json"
    stages.write_text(json.dumps({"item": [{"stageName": "dev", "deploymentId": "zz1"}, live]}))
    template, _ = convert(cli, tmp_path, "--stage", stages, "--stage-name", "prod")
    assert template["Resources"]["Stage"]["Properties"]["StageName"] == "prod"
    assert template["Resources"]["Stage"]["Properties"]["TracingEnabled"] is True
    result = cli("convert", EXPORT, "--stage", stages, "--stage-name", "qa", "-o", tmp_path / "x.json")
    assert result.exit_code == 2 and "--stage-name qa: no such stage here (stages: dev, prod)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    result = cli("convert", EXPORT, "--stage-name", "prod", "-o", tmp_path / "x.json")
    assert result.exit_code == 2 and "--stage-name goes with --stage" in result.stderr
    result = cli("convert", EXPORT, "--stage", STAGE, "--stage-name", "dev", "-o", tmp_path / "x.json")
    assert result.exit_code == 2 and "this file is stage prod" in result.stderr
    assert not (tmp_path / "x.json").exists()


def test_stage_into_a_plain_template_merge_is_refused(cli, tmp_path):
    template = tmp_path / "t.json"
    template.write_text(json.dumps({"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "x", "Body": {}}}}}))
    before = template.read_bytes()
    for flag in (("--stage", STAGE), ("--stage-variable", "a=b")):
        result = cli("convert", EXPORT, "-t", template, "--in-place", *flag)
        assert result.exit_code == 2, result.stderr
        assert result.stderr.strip().splitlines() == [
            f"export-to-cfn: error: {flag[0]} goes into a standalone template (or --target cdk / amplify-gen2); a merged template's "
            "stage is its own: set the settings there"]
    assert template.read_bytes() == before


# ---------------------------------------------------------------------------------------------
# issue 11 item 4: stage variables


def test_stage_variable_without_a_value_is_a_parameter_to_pass(cli, tmp_path):
    template, result = convert(cli, tmp_path, export=stage_export(tmp_path))
    stage = template["Resources"]["Stage"]["Properties"]
    assert stage["Variables"] == {"backend": {"Ref": "StageVariableBackend"}}
    assert "Default" not in template["Parameters"]["StageVariableBackend"]
    assert "stage variable backend: the API reads ${stageVariables.backend} and no value was given: pass parameter StageVariableBackend" in result.stderr


def test_stage_variable_flag_gives_the_default_and_moves_the_deployment(cli, tmp_path):
    export = stage_export(tmp_path)
    first, _ = convert(cli, tmp_path, "--stage-variable", "backend=a.example.com", export=export)
    assert first["Parameters"]["StageVariableBackend"]["Default"] == "a.example.com"
    second, _ = convert(cli, tmp_path, "--stage-variable", "backend=b.example.com", export=export)
    deployments = [sorted(k for k in t["Resources"] if k.startswith("Deployment")) for t in (first, second)]
    assert deployments[0] != deployments[1], "the stage variables' values are part of the Deployment content hash"
    assert lint_clean(json.dumps(first)) == []
    result = cli("convert", export, "--stage-variable", "no-dashes=x", "-o", tmp_path / "y.json")
    assert result.exit_code == 2 and "expected NAME=VALUE" in result.stderr


@pytest.mark.parametrize("value", ["", "a;b", "caf\u00e9", "<b>", "50%"])
def test_a_stage_variable_value_api_gateway_refuses_is_exit_2_not_a_failed_deploy(cli, tmp_path, value):
    """API Gateway (CreateStage/UpdateStage) takes values of letters, digits, spaces and -._~:/?#&=, only,
    never empty: the template would be written and the stack deploy fail. Refused before anything is written."""
    result = cli("convert", stage_export(tmp_path), "--stage-variable", f"backend={value}", "-o", tmp_path / "o.json")
    assert result.exit_code == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"export-to-cfn: error: --stage-variable 'backend={value}': API Gateway refuses this value (a stage variable's value is "
        "letters, digits, spaces and - . _ ~ : / ? # & = , only, and not empty)"]
    assert not (tmp_path / "o.json").exists()
    fine = "https://a.example.com/x?y=1&z=a,b#c~d and a space"
    ok, _ = convert(cli, tmp_path, "--stage-variable", f"backend={fine}", export=stage_export(tmp_path))
    assert ok["Parameters"]["StageVariableBackend"]["Default"] == fine


def test_stage_variable_the_stage_file_lacks_is_a_parameter_to_pass(cli, tmp_path):
    stage = tmp_path / "stage.json"
    stage.write_text(json.dumps({"stageName": "dev", "deploymentId": "abc123", "variables": {"other": "y"}}))
    template, result = convert(cli, tmp_path, "--stage", stage, export=stage_export(tmp_path))
    params = template["Parameters"]
    assert "Default" not in params["StageVariableBackend"] and params["StageVariableOther"]["Default"] == "y"
    assert "pass parameter StageVariableBackend when you deploy" in result.stderr


def test_stage_variable_flag_wins_over_the_file(cli, tmp_path):
    template, _ = convert(cli, tmp_path, "--stage", STAGE, "--stage-variable", "lambdaAlias=blue")
    assert template["Parameters"]["StageVariableLambdaAlias"]["Default"] == "blue"


def test_export_without_stage_variables_keeps_the_stage_as_before(cli, tmp_path):
    template, result = convert(cli, tmp_path, export=AMPLIFY / "export.json")
    assert set(template["Resources"]["Stage"]["Properties"]) == {"RestApiId", "DeploymentId", "StageName"}
    assert "stage variable" not in result.stderr


def test_merge_mode_names_the_stage_variables_the_api_needs(cli, tmp_path):
    work = tmp_path / "amp"
    shutil.copytree(AMPLIFY, work, ignore=shutil.ignore_patterns("expected"))
    export = json.loads((work / "export.json").read_text())
    next(iter(next(iter(export["paths"].values())).values()))["x-amazon-apigateway-integration"]["requestTemplates"] = {
        "application/json": "{\"alias\": \"$stageVariables.alias\"}"}
    (work / "export.json").write_text(json.dumps(export))
    result = cli("convert", work / "export.json", "-t", work / json.loads((AMPLIFY / "scenario.json").read_text())["template"])
    assert result.exit_code == 0, result.stderr
    assert ("the API reads stage variable(s) alias: the live stage keeps their values across pushes, but no template holds them and "
            "a new env's stage starts without them: set each there with aws apigateway update-stage --rest-api-id API_ID --stage-name ENV "
            "--patch-operations op=replace,path=/variables/NAME,value=VALUE") in result.stderr
    section = result.stderr.split("what the export lost", 1)[1]
    settings = next(ln for ln in section.splitlines() if ln.strip().startswith("stage settings"))
    assert "the live stage keeps them across pushes, but no template holds them and a new env starts without them" in settings
    assert "aws apigateway get-stage --rest-api-id a1b2c3d4e5 --stage-name dev shows them" in settings
    assert "aws apigateway update-stage --rest-api-id API_ID --stage-name ENV --patch-operations" in settings
    assert "--stage stage.json" not in section  # refused in an Amplify project: never advised


# ---------------------------------------------------------------------------------------------
# Amplify: no stage settings into the Deployment (CloudFormation refuses a StageDescription on the
# Deployment each push creates for the existing stage), and a warning when a redeploy renames one


def amplify_copy(tmp_path, name="amplify-stepfunctions"):
    work = tmp_path / name
    shutil.copytree(FIXTURES / name, work, ignore=shutil.ignore_patterns("expected"))
    return work, work / json.loads((FIXTURES / name / "scenario.json").read_text())["template"]


@pytest.mark.parametrize("fixture", ["amplify-stepfunctions", "amplify-cli7-china"])
@pytest.mark.parametrize("flag", ["--stage", "--stage-variable"])
def test_stage_flags_into_an_amplify_project_are_refused_with_what_to_do(cli, tmp_path, fixture, flag):
    work, template = amplify_copy(tmp_path, fixture)
    before = {f: f.read_bytes() for f in work.rglob("*") if f.is_file()}
    value = STAGE if flag == "--stage" else "alias=live"
    if flag == "--stage":  # a stage of this project's env, so the refusal is about the layout, not the name
        stage = tmp_path / "stage.json"
        stage.write_text(json.dumps({**json.loads(STAGE.read_text()), "stageName": "dev"}))
        value = stage
    for command in ("convert", "diff"):
        extra = ("--in-place",) if command == "convert" else ("--check",)
        result = cli(command, work / "export.json", "-t", template, *extra, flag, value)
        assert result.exit_code == 2, result.stderr
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith(f"export-to-cfn: error: {flag} does not apply to an Amplify project: "), line
        assert "CloudFormation refuses stage settings (StageDescription)" in line
        assert "the live stage keeps its settings and variables across pushes" in line
        assert "--target amplify-gen2 or --target cdk, or a standalone template (add --adopt to import the live API)" in line
    assert {f: f.read_bytes() for f in work.rglob("*") if f.is_file()} == before


def with_stage_description(template_path, stage_name):
    """The template with its one Deployment carrying StageName and a StageDescription (hand-written, or
    written by an earlier version of this tool into an Amplify project)."""
    data = json.loads(template_path.read_text())
    (lid,) = [k for k, r in data["Resources"].items() if r["Type"] == "AWS::ApiGateway::Deployment"]
    data["Resources"][lid]["Properties"]["StageName"] = stage_name
    data["Resources"][lid]["Properties"]["StageDescription"] = {"TracingEnabled": True, "Variables": {"alias": "live"}}
    template_path.write_text(json.dumps(data, indent=2))
    return lid


def test_a_redeploy_of_a_deployment_with_a_stagedescription_warns_that_cloudformation_refuses_it(cli, tmp_path):
    work, template = amplify_copy(tmp_path)
    with_stage_description(template, {"Fn::If": ["ShouldNotCreateEnvResources", "Prod", {"Ref": "env"}]})
    result = cli("convert", work / "export.json", "-t", template, "-o", tmp_path / "out.json")
    assert result.exit_code == 0, result.stderr
    assert "redeploy: renamed" in result.stderr  # the Body changed: the Deployment is a new one for CloudFormation
    warning = next(ln for ln in result.stderr.splitlines() if "has StageName and StageDescription" in ln)
    assert "CloudFormation refuses a new Deployment with a StageDescription for a stage that already exists, so the push will fail" in warning
    assert "move the settings to an AWS::ApiGateway::Stage that references the Deployment" in warning


def test_a_plain_template_redeploy_warns_too_and_only_with_both_properties(cli, tmp_path):
    template = tmp_path / "t.json"
    body = {"swagger": "2.0", "info": {"title": "Vars"}, "paths": {}}
    resources = {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "x", "Body": body}},
                 "Deployment": {"Type": "AWS::ApiGateway::Deployment", "Properties": {"RestApiId": {"Ref": "Api"}, "StageName": "dev"}}}
    template.write_text(json.dumps({"Resources": resources}))
    plain = cli("convert", stage_export(tmp_path), "-t", template, "-o", tmp_path / "a.json")
    assert plain.exit_code == 0 and "redeploy: renamed Deployment" in plain.stderr
    assert "StageDescription" not in plain.stderr  # StageName alone re-points the existing stage: fine
    with_stage_description(template, "dev")
    described = cli("convert", stage_export(tmp_path), "-t", template, "-o", tmp_path / "b.json")
    assert described.exit_code == 0
    assert "has StageName and StageDescription: CloudFormation refuses a new Deployment with a StageDescription for a stage that " \
           "already exists, so the stack update will fail" in described.stderr


# ---------------------------------------------------------------------------------------------
# what the export lost


def test_lost_section_without_stage_names_every_kind_with_a_command(cli, tmp_path):
    _, result = convert(cli, tmp_path, export=AMPLIFY / "export.json")
    section = result.stderr.split("what the export lost", 1)[1]
    for what, command in (("stage settings", "aws apigateway get-stage --rest-api-id a1b2c3d4e5 --stage-name dev"),
                          ("usage plans and API keys", "aws apigateway get-usage-plans"),
                          ("custom domains and base path mappings", "aws apigateway get-base-path-mappings"),
                          ("WAF web ACL association", "aws wafv2 get-web-acl-for-resource --resource-arn arn:aws:apigateway:ap-northeast-1::/restapis/a1b2c3d4e5/stages/dev")):
        line = next((ln for ln in section.splitlines() if ln.strip().startswith(what)), None)
        assert line is not None and command in line, f"{what}: {line}"


def test_lost_section_with_a_stage_file_that_covers_it_names_only_what_get_stage_cannot_show(cli, tmp_path):
    stage = tmp_path / "stage.json"
    stage.write_text(json.dumps({"stageName": "dev", "deploymentId": "abc123", "variables": {"backend": "x.example.com"},
                                 "methodSettings": {"*/*": {"metricsEnabled": True}}}))
    _, result = convert(cli, tmp_path, "--stage", stage, export=stage_export(tmp_path))
    section = [ln for ln in result.stderr.split("what the export lost", 1)[1].splitlines() if ln.startswith("  ")]
    assert [ln.split(":", 1)[0].strip() for ln in section] == [
        "usage plans and API keys (not visible to get-stage, so unknown here", "custom domains and base path mappings (not visible to get-stage, so unknown here"]
    assert "not carried" not in result.stderr


def test_lost_section_with_stage_names_what_the_evidence_shows(cli, tmp_path):
    _, result = convert(cli, tmp_path, "--stage", STAGE)  # API-key methods, webAclArn
    section = result.stderr.split("what the export lost", 1)[1]
    assert "usage plans and API keys (methods of the export require an API key)" in section
    assert "WAF web ACL association arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/pets-api-acl/" in section
    assert "custom domains and base path mappings (not visible to get-stage, so unknown here: check them)" in section
    assert "stage settings" not in section


@pytest.mark.parametrize("target", ["cdk", "amplify-gen2"])
def test_lost_section_for_the_code_targets_follows_what_the_construct_carries(cli, tmp_path, target):
    out = tmp_path / "out"
    if target == "amplify-gen2":  # a Gen 2 project (what `npm create amplify@latest` writes)
        (out / "amplify").mkdir(parents=True)
        (out / "amplify" / "backend.ts").write_text("import { defineBackend } from '@aws-amplify/backend';\n\n"
                                                    "const backend = defineBackend({});\n")
    bare = cli("convert", EXPORT, "--target", target, "-o", out)
    assert bare.exit_code == 0, bare.stderr
    line = next(ln for ln in bare.stderr.split("what the export lost", 1)[1].splitlines() if ln.strip().startswith("stage settings"))
    assert "the construct's stage has the export's name and the variables --stage-variable gives, nothing else" in line
    assert "stage variable backendHost: the API reads" not in bare.stderr  # no parameter to pass: the target says 'unset'
    staged = cli("convert", EXPORT, "--target", target, "-o", out, "--stage", STAGE)
    assert staged.exit_code == 0, staged.stderr
    assert "the construct's stage carries its name and Variables" in staged.stderr
    assert "carried Description" not in staged.stderr  # the construct has no Description: never said to be carried
    section = staged.stderr.split("what the export lost", 1)[1]
    line = next(ln for ln in section.splitlines() if ln.strip().startswith("stage settings"))
    assert line.strip() == (f"stage settings of {STAGE} the construct does not carry: Description, TracingEnabled, CacheClusterEnabled, "
                            "CacheClusterSize, AccessLogSetting, ClientCertificateId, MethodSettings, CanarySetting, Tags: give them as "
                            "deployOptions (CDK's StageOptions: methodOptions, tracingEnabled, accessLogDestination, ...)")
    assert "custom domains and base path mappings (not visible to get-stage" in section


@pytest.mark.parametrize("field,prop", [("variables", "Variables"), ("canarySettings", "CanarySetting"), ("methodSettings", "MethodSettings"),
                                        ("tags", "Tags"), ("accessLogSettings", "AccessLogSetting")])
def test_an_empty_object_in_the_stage_file_is_none(cli, tmp_path, field, prop):
    """get-stage `"variables": {}` with an export that reads none was exit 123 (the stage proof wanted {},
    the Stage had no Variables); `"canarySettings": {}` wrote a canary with only a DeploymentId."""
    stage = tmp_path / "stage.json"
    stage.write_text(json.dumps({"stageName": "dev", "deploymentId": "abc", field: {}}))
    template, result = convert(cli, tmp_path, "--stage", stage, export=AMPLIFY / "export.json")
    assert prop not in template["Resources"]["Stage"]["Properties"]
    assert "stage dev from" in result.stderr and "carried nothing" in result.stderr



def test_a_template_merge_lost_section_points_to_the_templates_own_stage_never_to_stage(cli, tmp_path):
    """Merged into a plain template, --stage is refused: the section must not advise it, nor say the
    template carries nothing when it has a Stage of its own."""
    multi = FIXTURES / "multi-api"
    result = cli("convert", multi / "export.json", "-t", multi / "template.json", "--api", "AdminApi", "-o", tmp_path / "mo.json")
    assert result.exit_code == 0, result.stderr
    section = result.stderr.split("what the export lost", 1)[1]
    assert "--stage stage.json" not in section and "does not carry them" not in result.stderr
    line = next(ln for ln in section.splitlines() if ln.strip().startswith("stage settings"))
    assert line.endswith("this template has no stage of its own for AdminApi: aws apigateway get-stage --rest-api-id a6d7m8i9n0 "
                         "--stage-name prod shows the live ones; give them to the AWS::ApiGateway::Stage that serves it"), line
    template = tmp_path / "t.json"
    template.write_text(json.dumps(staged_template({"backend": "x.example.com"})))
    result = cli("convert", stage_export(tmp_path), "-t", template, "-o", tmp_path / "o.json")
    line = next(ln for ln in result.stderr.split("what the export lost", 1)[1].splitlines() if ln.strip().startswith("stage settings"))
    assert "this template's own stage holds those it sets (AWS::ApiGateway::Stage Prod)" in line
    assert line.endswith("shows the live ones; set any it lacks there"), line


def staged_template(variables: dict) -> dict:
    """A plain template whose RestApi has a Deployment and an AWS::ApiGateway::Stage setting `variables`."""
    return {"Resources": {
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "x", "Body": {"swagger": "2.0", "info": {"title": "Vars"}, "paths": {}}}},
        "Deployment": {"Type": "AWS::ApiGateway::Deployment", "Properties": {"RestApiId": {"Ref": "Api"}}},
        "Prod": {"Type": "AWS::ApiGateway::Stage", "Properties": {"RestApiId": {"Ref": "Api"}, "DeploymentId": {"Ref": "Deployment"},
                                                                "StageName": "prod", "Variables": variables}}}}


@pytest.mark.parametrize("variables,named", [({}, "backend, version"), ({"backend": "x.example.com"}, "version"),
                                             ({"backend": "x", "version": "2"}, None)])
def test_a_template_merge_names_only_the_stage_variables_its_own_stage_does_not_set(cli, tmp_path, variables, named):
    template = tmp_path / "t.json"
    template.write_text(json.dumps(staged_template(variables)))
    result = cli("convert", stage_export(tmp_path, uri="http://${stageVariables.backend}/${stageVariables.version}"), "-t", template,
                 "-o", tmp_path / "o.json")
    assert result.exit_code == 0, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("the API reads stage variable(s)")]
    if named is None:
        assert lines == []
    else:
        assert lines == [f"the API reads stage variable(s) {named}: this template's stage (AWS::ApiGateway::Stage Prod) does not set "
                         "them: add them to its Variables"]


def test_own_stage_reads_every_place_a_template_keeps_its_stage():
    from exporter.stage import own_stage

    template = staged_template({"a": "1"})
    template["Resources"]["Deployment"]["Properties"].update(StageName="dev", StageDescription={"Variables": {"b": "2"}})
    template["Resources"]["Other"] = {"Type": "AWS::ApiGateway::Stage", "Properties": {"RestApiId": {"Ref": "Elsewhere"}, "Variables": {"c": "3"}}}
    own = own_stage(template, "Api")
    assert own.where == ["the StageName of AWS::ApiGateway::Deployment Deployment", "AWS::ApiGateway::Stage Prod"]
    assert own.variables == {"a", "b"}  # not the other API's stage
    sam = {"Resources": {"Api": {"Type": "AWS::Serverless::Api", "Properties": {"StageName": "dev", "Variables": {"d": "4"}}}}}
    assert own_stage(sam, "Api").variables == {"d"} and own_stage(sam, "Api").where[0].startswith("AWS::Serverless::Api Api")
    assert own_stage({"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {}}}}, "Api").where == []


def test_not_carried_values_are_printed_as_json(cli, tmp_path):
    stage = tmp_path / "stage.json"
    stage.write_text(json.dumps({"stageName": "dev", "methodSettings": {"*/*": {"requireAuthorizationForCacheControl": False,
                                                                                "unauthorizedCacheControlHeaderStrategy": "FAIL_WITH_403"}}}))
    _, result = convert(cli, tmp_path, "--stage", stage, export=AMPLIFY / "export.json")
    assert ("not carried: methodSettings */* requireAuthorizationForCacheControl = false (no CloudFormation property; "
            "a new stage has true)") in result.stderr
    assert "= FAIL_WITH_403 (no CloudFormation property; a new stage has SUCCEED_WITH_RESPONSE_HEADER)" in result.stderr
    assert "False" not in result.stderr and "True" not in result.stderr


# every way API Gateway lets a Body read a stage variable (developer guide: stage variables reference,
# mapping-template variables reference); each one must give its parameter, and none other
READ_FORMS = [
    ("uri", "http://${stageVariables.backend}/x", "backend"),
    ("vtl-dot", "$stageVariables.backend", "backend"),
    ("vtl-quiet", "$!stageVariables.backend", "backend"),
    ("vtl-quiet-braces", "$!{stageVariables.backend}", "backend"),
    ("vtl-bracket", "$stageVariables['backend']", "backend"),
    ("vtl-bracket-braces", "${stageVariables['backend']}", "backend"),
    ("vtl-bracket-double", '$stageVariables["backend"]', "backend"),
    ("vtl-get", "$stageVariables.get('backend')", "backend"),
    ("vtl-get-double", '$stageVariables.get("backend")', "backend"),
    ("request-parameter", "stageVariables.backend", "backend"),
    ("response-parameter", "stageVariables.backend", "backend"),
    ("vtl-method-call", "#foreach($k in $stageVariables.keySet())$k#end", None),
    ("text-in-a-parameter", "'stageVariables.backend'", None),  # a quoted literal value, not a mapping
]


def read_form_export(tmp_path, form: str, text: str):
    integration = {"type": "http", "httpMethod": "GET", "uri": "http://example.com/x",
                   "responses": {"default": {"statusCode": "200"}}}
    if form == "uri":
        integration["uri"] = text
    elif form in ("request-parameter", "text-in-a-parameter"):
        integration["requestParameters"] = {"integration.request.header.x-v": text}
    elif form == "response-parameter":
        integration["responses"]["default"]["responseParameters"] = {"method.response.header.x-v": text}
    else:
        integration["requestTemplates"] = {"application/json": "{\"v\": \"" + text + "\"}"}  # VTL reads the reference first
    export = {"swagger": "2.0", "info": {"title": "Vars"}, "host": "abcdefghij.execute-api.us-east-1.amazonaws.com", "basePath": "/dev",
              "paths": {"/x": {"get": {"responses": {"200": {"description": "ok", "headers": {"x-v": {"type": "string"}}}},
                                       "x-amazon-apigateway-integration": integration}}}}
    path = tmp_path / "forms.json"
    path.write_text(json.dumps(export))
    return path


@pytest.mark.parametrize("form,text,name", READ_FORMS, ids=[f[0] for f in READ_FORMS])
def test_every_form_of_reading_a_stage_variable_is_found(cli, tmp_path, form, text, name):
    template, result = convert(cli, tmp_path, export=read_form_export(tmp_path, form, text))
    variables = template["Resources"]["Stage"]["Properties"].get("Variables")
    if name is None:
        assert variables is None and "stage variable" not in result.stderr
        return
    assert variables == {name: {"Ref": "StageVariableBackend"}}
    assert f"stage variable {name}: the API reads" in result.stderr


@pytest.mark.parametrize("form,text", [(f, t) for f, t, n in READ_FORMS if f in ("request-parameter", "vtl-bracket", "vtl-get")])
def test_the_cdk_construct_takes_every_form_too(cli, tmp_path, form, text):
    out = tmp_path / "cdk"
    result = cli("convert", read_form_export(tmp_path, form, text), "--target", "cdk", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert "readonly stageVariables: { readonly backend: string; };" in (out / "lib" / "Vars.ts").read_text()


def test_a_stage_file_of_another_stage_than_the_export_is_said(cli, tmp_path):
    """--stage-name prod with an export of dev gives prod's settings with dev's routes: said (found by a
    new-user trial); the file of the export's own stage says nothing of it."""
    import json

    data = json.loads((FIXTURES / "stage-settings" / "stage.json").read_text())
    data["stageName"] = "dev"
    other = tmp_path / "dev.json"
    other.write_text(json.dumps(data))
    export = FIXTURES / "stage-settings" / "export.json"
    result = cli("convert", export, "--stage", other, "-o", tmp_path / "o.json")
    assert result.exit_code == 0, result.stderr
    assert ("warning: the stage file is stage dev, the export is of stage prod: the template gets dev's settings "
            "with prod's routes (check --stage-name, or export stage dev)\n") in result.stderr
    same = cli("convert", export, "--stage", FIXTURES / "stage-settings" / "stage.json", "-o", tmp_path / "p.json")
    assert same.exit_code == 0 and "warning: the stage file" not in same.stderr
