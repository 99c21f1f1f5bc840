"""exporter/stage.py through the CLI: stage variables (issue 11 item 4) and --stage (issue 14): the
written Stage resolves, with the project's resolver, to the get-stage JSON on every carried field;
what is not carried is named; Amplify classic gets it in its Deployment's StageDescription."""

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
        assert f"{flag[0]} goes into the standalone template or an Amplify project" in result.stderr
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
    assert "the API reads stage variable(s) alias: the stage that serves it needs them set" in result.stderr


# ---------------------------------------------------------------------------------------------
# Amplify classic: what Amplify keeps (the Deployment's StageName / StageDescription)


def test_amplify_classic_gets_the_stage_in_its_deployment(cli, tmp_path):
    work = tmp_path / "amp"
    shutil.copytree(AMPLIFY, work, ignore=shutil.ignore_patterns("expected"))
    spec = json.loads((AMPLIFY / "scenario.json").read_text())
    live = {k: v for k, v in json.loads(STAGE.read_text()).items()}
    live["stageName"] = "dev"
    live["accessLogSettings"]["destinationArn"] = "arn:aws:logs:ap-northeast-1:123456789012:log-group:HelloApi-access-dev"
    stage = tmp_path / "stage.json"
    stage.write_text(json.dumps(live))
    tpl = work / spec["template"]
    result = cli("convert", work / "export.json", "-t", tpl, "--in-place", "--stage", stage)
    assert result.exit_code == 0, result.stderr
    template = json.loads(tpl.read_text())
    deployment = next(r for r in template["Resources"].values() if r["Type"] == "AWS::ApiGateway::Deployment")
    description = deployment["Properties"]["StageDescription"]
    assert description["Variables"] == live["variables"]  # literal values: Amplify keeps no per-variable parameters
    assert description["AccessLogSetting"]["DestinationArn"] == {  # through the rules: home values and the env suffix
        "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:HelloApi-access-${env}"}
    assert "DeploymentId" not in description["CanarySetting"]  # StageDescription's CanarySetting has none
    assert {m["ResourcePath"] for m in description["MethodSettings"]} == {"/*", "/~1pets~1{id}"}
    assert deployment["Properties"]["StageName"] == {"Fn::If": ["ShouldNotCreateEnvResources", "Prod", {"Ref": "env"}]}
    assert "stage settings into DeploymentAPIGWHelloApi" in result.stderr
    # W2001 (authRoleName, unauthRoleName, functionHelloFuncArn unused) is the Amplify template's own, golden included
    assert [e for e in lint_clean(tpl.read_text()) if not e.startswith("W2001")] == []


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


def test_lost_section_is_quiet_when_the_stage_file_covers_it(cli, tmp_path):
    stage = tmp_path / "stage.json"
    stage.write_text(json.dumps({"stageName": "dev", "deploymentId": "abc123", "variables": {"backend": "x.example.com"},
                                 "methodSettings": {"*/*": {"metricsEnabled": True}}}))
    _, result = convert(cli, tmp_path, "--stage", stage, export=stage_export(tmp_path))
    assert "what the export lost" not in result.stderr
    assert "not carried" not in result.stderr


def test_lost_section_with_stage_names_what_the_evidence_shows(cli, tmp_path):
    _, result = convert(cli, tmp_path, "--stage", STAGE)  # API-key methods, webAclArn
    section = result.stderr.split("what the export lost", 1)[1]
    assert "usage plans and API keys (methods of the export require an API key)" in section
    assert "WAF web ACL association arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/pets-api-acl/" in section
    assert "stage settings" not in section and "custom domains" not in section


@pytest.mark.parametrize("field,prop", [("canarySettings", "CanarySetting"), ("variables", "Variables"),
                                        ("accessLogSettings", "AccessLogSetting"), ("methodSettings", "MethodSettings"),
                                        ("tracingEnabled", "TracingEnabled"), ("tags", "Tags")])
def test_a_setting_the_live_stage_dropped_leaves_the_amplify_stagedescription(cli, tmp_path, field, prop):
    """Promote a canary, turn off access logs...: convert --stage again removes what the live stage
    no longer has (was: kept, or exit 123 from the stage proof), and diff --check agrees."""
    project = tmp_path / "p"
    shutil.copytree(FIXTURES / "amplify-stepfunctions", project, ignore=shutil.ignore_patterns("expected"))
    template = project / "amplify/backend/api/HelloApi/HelloApi-cloudformation-template.json"
    live = json.loads((FIXTURES / "stage-settings" / "stage.json").read_text())
    live["stageName"] = "dev"
    full, less = tmp_path / "full.json", tmp_path / "less.json"
    full.write_text(json.dumps(live))
    less.write_text(json.dumps({k: v for k, v in live.items() if k != field}))

    def description() -> dict:
        res = json.loads(template.read_text())["Resources"]
        (dep,) = [r for r in res.values() if r["Type"] == "AWS::ApiGateway::Deployment"]
        return dep["Properties"].get("StageDescription", {})

    assert cli("convert", project / "export.json", "-t", template, "-i", "--stage", full).exit_code == 0
    assert prop in description()
    result = cli("convert", project / "export.json", "-t", template, "-i", "--stage", less)
    assert result.exit_code == 0, result.stderr
    assert prop not in description() and len(description()) >= 1
    assert f"StageDescription: {prop} (the live stage in" in result.stderr
    assert cli("diff", project / "export.json", "-t", template, "--check", "--stage", less).exit_code == 0


def test_a_live_stage_with_nothing_to_carry_empties_the_stagedescription(cli, tmp_path):
    project = tmp_path / "p"
    shutil.copytree(FIXTURES / "amplify-stepfunctions", project, ignore=shutil.ignore_patterns("expected"))
    template = project / "amplify/backend/api/HelloApi/HelloApi-cloudformation-template.json"
    full, empty = tmp_path / "full.json", tmp_path / "empty.json"
    live = json.loads((FIXTURES / "stage-settings" / "stage.json").read_text())
    full.write_text(json.dumps({**live, "stageName": "dev"}))
    empty.write_text(json.dumps({"stageName": "dev", "methodSettings": {}}))
    assert cli("convert", project / "export.json", "-t", template, "-i", "--stage", full).exit_code == 0
    assert cli("convert", project / "export.json", "-t", template, "-i", "--stage", empty).exit_code == 0
    res = json.loads(template.read_text())["Resources"]
    assert all("StageDescription" not in r["Properties"] for r in res.values() if r["Type"] == "AWS::ApiGateway::Deployment")
