"""exporter.targets.amplify_classic: renames that follow a Deployment, its content hash, the Lambda
permissions it adds (on plain data and through convert on the bundled project)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from exporter.targets.shared import HASHED, body_digest, rename_logical_id

TEMPLATE = "amplify/backend/api/HelloApi/HelloApi-cloudformation-template.json"


def test_renamed_deployment_is_renamed_everywhere_it_is_used():
    stage = {"Type": "AWS::ApiGateway::Stage", "DependsOn": ["Dep", "Other"], "Properties": {
        "DeploymentId": {"Ref": "Dep"}, "Description": "Dep", "Variables": {"a": {"Fn::Sub": "${Dep}/${Dep.Attr}/${Depx}"}, "b": {"Fn::GetAtt": ["Dep", "X"]}}}}
    got = rename_logical_id(stage, "Dep", "Dep1a2b3c4d")
    assert got == {"Type": "AWS::ApiGateway::Stage", "DependsOn": ["Dep1a2b3c4d", "Other"], "Properties": {
        "DeploymentId": {"Ref": "Dep1a2b3c4d"}, "Description": "Dep",
        "Variables": {"a": {"Fn::Sub": "${Dep1a2b3c4d}/${Dep1a2b3c4d.Attr}/${Depx}"}, "b": {"Fn::GetAtt": ["Dep1a2b3c4d", "X"]}}}}


def test_the_deployment_suffix_is_the_one_amplify_ids_match():
    digest = body_digest({"paths": {}})
    assert len(digest) == 8 and HASHED.match("HelloApiDeployment" + digest).group(2) == digest
    assert body_digest({"paths": {"/a": {}}}) != digest


def test_lambda_invocations_take_a_proven_value_instead_of_resolving():
    """`known` (id -> value, from the rewrites the proof covers) is used as the node's value: here a
    node naming a parameter the values do not hold, which resolving could not read."""
    from exporter.targets.amplify_classic import lambda_invocations

    arn = "arn:aws:lambda:eu-west-1:123456789012:function:f"
    uri = {"Fn::Sub": "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/${fnArn}/invocations"}
    body = {"paths": {"/a": {"get": {"x-amazon-apigateway-integration": {"type": "aws_proxy", "uri": uri}}}}}
    assert lambda_invocations(body, {}, {}) == ([], False)  # ${fnArn} unknown: unresolved
    known = {id(uri): f"arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/{arn}/invocations"}
    assert lambda_invocations(body, {}, {}, known) == ([(arn, True, "integration")], True)


def _with_lambda_authorizer(project, function: str) -> Path:
    """The bundled example with a TOKEN authorizer (no credentials) on its first route."""
    export = json.loads((project / "export.json").read_text())
    arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function}"
    export["securityDefinitions"]["tokenAuth"] = {
        "type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "custom",
        "x-amazon-apigateway-authorizer": {"type": "token", "authorizerResultTtlInSeconds": 300,
                                           "authorizerUri": f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"}}
    first = next(iter(export["paths"].values()))
    next(op for m, op in first.items() if m != "options")["security"] = [{"tokenAuth": []}]
    path = project / "export-auth.json"
    path.write_text(json.dumps(export, indent=2))
    return path


def _permission_sources(template: dict, function: str) -> list[str]:
    """The SourceArn of every API Gateway permission for `function`, resolved for API id API."""
    from exporter.resolve import resolve

    values = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "HelloApi": "API", "env": "dev"}
    out = []
    for res in template["Resources"].values():
        props = res.get("Properties") or {}
        if res.get("Type") == "AWS::Lambda::Permission" and function in json.dumps(props["FunctionName"]):
            out.append(resolve(props["SourceArn"], values, template))
    return out


def test_a_lambda_authorizer_gets_a_permission_its_calls_match(project, cli):
    """API Gateway calls an authorizer from <api>/authorizers/<id>: Amplify's /*/*/* (a stage, a method
    and a path) does not cover it, so the authorizer would be denied on every request."""
    export = _with_lambda_authorizer(project, "tokenCheck-dev")
    template = project / TEMPLATE
    result = cli("convert", export, "--template", template, "--in-place")
    assert result.exit_code == 0, result.stderr
    assert "API Gateway may invoke tokenCheck-dev (Lambda authorizer without credentials)" in result.stderr
    sources = _permission_sources(json.loads(template.read_text()), "tokenCheck")
    assert sources == ["arn:aws:execute-api:us-east-1:123456789012:API/*"]
    assert re.fullmatch(sources[0].replace("*", ".*"), "arn:aws:execute-api:us-east-1:123456789012:API/authorizers/abc123")


def test_a_permission_scoped_for_methods_does_not_count_for_an_authorizer(project, cli):
    """The function already has Amplify's method-scoped permission: calling it as an authorizer needs
    another one, and a second run changes nothing."""
    export = _with_lambda_authorizer(project, "tokenCheck-dev")
    template = project / TEMPLATE
    data = json.loads(template.read_text())
    data["Resources"]["tokenCheckPermissionHelloApi"] = {"Type": "AWS::Lambda::Permission", "Properties": {
        "FunctionName": {"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:tokenCheck-${env}"},
        "Action": "lambda:InvokeFunction", "Principal": "apigateway.amazonaws.com",
        "SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${HelloApi}/*/*/*"}}}
    template.write_text(json.dumps(data, indent=2))
    assert cli("convert", export, "--template", template, "--in-place").exit_code == 0
    sources = sorted(_permission_sources(json.loads(template.read_text()), "tokenCheck"))
    assert sources == ["arn:aws:execute-api:us-east-1:123456789012:API/*", "arn:aws:execute-api:us-east-1:123456789012:API/*/*/*"]
    before = template.read_bytes()
    assert cli("convert", export, "--template", template, "--in-place").exit_code == 0
    assert template.read_bytes() == before


def test_covers_reads_a_source_arn_as_api_gateway_matches_it():
    from exporter.targets.amplify_classic import API_ID_MARK, AUTHORIZER, INTEGRATION, _covers

    arn = f"arn:aws:execute-api:us-east-1:123456789012:{API_ID_MARK}"
    assert _covers(None, AUTHORIZER) and _covers(None, INTEGRATION)  # no SourceArn: any caller
    assert _covers(arn + "/*/*/*", INTEGRATION) and not _covers(arn + "/*/*/*", AUTHORIZER)
    assert _covers(arn + "/*", AUTHORIZER) and _covers(arn + "/*", INTEGRATION)
    assert _covers(arn + "/authorizers/*", AUTHORIZER) and not _covers(arn + "/authorizers/*", INTEGRATION)
    assert not _covers("arn:aws:execute-api:us-east-1:123456789012:otherapi/*", INTEGRATION)
