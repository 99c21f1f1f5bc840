"""exporter.merge on plain data: which RestApi, what the Body keeps, what it takes, what it refuses."""

from __future__ import annotations

import pytest

from exporter.errors import UserError
from exporter.merge import MergeReport, find_target, merge_body, merge_into_template
from exporter.targets.standalone import lambda_invokers, standalone_template

EXPORT = {
    "swagger": "2.0",
    "info": {"title": "from-export", "version": "2024-05-02T09:14:03Z"},
    "host": "k3x9p2m7qa.execute-api.us-east-1.amazonaws.com",
    "basePath": "/dev",
    "paths": {"/a": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}}},
    "definitions": {"Empty": {"type": "object"}},
    "x-amazon-apigateway-binary-media-types": ["image/png"],
}


def api(body: dict | None = None, rtype: str = "AWS::ApiGateway::RestApi") -> dict:
    key = "Body" if rtype == "AWS::ApiGateway::RestApi" else "DefinitionBody"
    return {"Type": rtype, "Properties": {key: body if body is not None else {}}}


def test_several_rest_apis_need_api():
    tpl = {"Resources": {"A": api(), "B": api()}}
    with pytest.raises(UserError, match=r"several REST APIs \(A, B\); pick one with --api"):
        find_target(tpl, None, "t.json")
    assert find_target(tpl, "B", "t.json").logical_id == "B"


def test_no_rest_api_is_refused():
    with pytest.raises(UserError, match="no AWS::ApiGateway::RestApi"):
        find_target({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}, None, "t.json")


def test_api_naming_another_type_is_refused():
    with pytest.raises(UserError, match="--api Q: is a AWS::SQS::Queue"):
        find_target({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}, "A": api()}}, "Q", "t.json")


def test_sam_api_uses_definition_body():
    target = find_target({"Resources": {"Api": api(rtype="AWS::Serverless::Api")}}, None, "t.yaml")
    assert (target.logical_id, target.body_key) == ("Api", "DefinitionBody")


def test_body_from_s3_is_refused():
    tpl = {"Resources": {"A": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"BodyS3Location": {"Bucket": "b"}}}}}
    with pytest.raises(UserError, match="BodyS3Location"):
        find_target(tpl, None, "t.json")


def test_template_keeps_its_host_base_path_info():
    body = {"swagger": "2.0", "info": {"title": "mine", "version": "7"}, "host": "api.example.com", "basePath": "/v7", "paths": {}}
    out = merge_body(body, EXPORT, prune=False, report=MergeReport(), template_name="t.json")
    for key, want in (("info", {"title": "mine", "version": "7"}), ("host", "api.example.com"), ("basePath", "/v7")):
        assert out[key] == want, f"/{key}: expected {want!r}, got {out[key]!r}"
    assert out["paths"]["/a"] == EXPORT["paths"]["/a"]
    assert out["definitions"] == {"Empty": {"type": "object"}}
    assert out["x-amazon-apigateway-binary-media-types"] == ["image/png"]


def test_openapi3_export_into_swagger2_body_is_refused_with_the_fix():
    export = {"openapi": "3.0.1", "info": {}, "paths": {}}
    with pytest.raises(UserError) as e:
        merge_body({"swagger": "2.0", "paths": {}}, export, prune=False, report=MergeReport(), template_name="t.json")
    msg = str(e.value)
    assert "Body is Swagger 2.0 but the export is OpenAPI 3" in msg
    assert "--export-type swagger" in msg, msg


def test_template_routes_missing_from_export_are_kept_or_pruned():
    body = {"swagger": "2.0", "paths": {
        "/a": {"get": {"old": 1}, "delete": {"old": 2}},
        "/legacy": {"get": {"old": 3}},
    }}
    report = MergeReport()
    kept = merge_body(body, EXPORT, prune=False, report=report, template_name="t.json")
    assert kept["paths"]["/a"]["delete"] == {"old": 2} and kept["paths"]["/legacy"] == {"get": {"old": 3}}
    assert report.kept_routes == ["DELETE /a", "GET /legacy"]
    report = MergeReport()
    pruned = merge_body(body, EXPORT, prune=True, report=report, template_name="t.json")
    assert pruned["paths"] == {"/a": EXPORT["paths"]["/a"]}
    assert report.pruned_routes == ["DELETE /a", "GET /legacy"]


def test_body_referencing_its_own_api_is_refused():
    export = {**EXPORT, "x-amazon-apigateway-policy": {"Statement": [{"Resource": {"Fn::Sub": "arn:aws:execute-api:r:1:${Api}/*"}}]}}
    tpl = {"Resources": {"Api": api({"swagger": "2.0", "paths": {}})}}
    with pytest.raises(UserError, match="would reference Api itself"):
        merge_into_template(tpl, find_target(tpl, None, "t.json"), export, prune=False, values={}, template_name="t.json")


def test_lambda_invokers_skip_integrations_and_authorizers_with_credentials():
    fn = "arn:aws:lambda:us-east-1:111122223333:function:{}"
    uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + fn + "/invocations"
    export = {"swagger": "2.0", "paths": {
        "/p": {"get": {"x-amazon-apigateway-integration": {"type": "aws_proxy", "uri": uri.format("proxy:live")}},
               "post": {"x-amazon-apigateway-integration": {"type": "aws", "uri": uri.format("with-role"), "credentials": "arn:aws:iam::111122223333:role/r"}},
               "put": {"x-amazon-apigateway-integration": {"type": "aws_proxy", "uri": uri.format("proxy:live")}}},
    }, "securityDefinitions": {
        "a": {"x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": uri.format("auth")}},
        "b": {"x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": uri.format("auth-role"), "authorizerCredentials": "arn:aws:iam::111122223333:role/r"}},
    }}
    got = [(i.function_arn, i.pointer) for i in lambda_invokers(export)]
    assert got == [
        (fn.format("proxy:live"), "/paths/~1p/get/x-amazon-apigateway-integration/uri"),
        (fn.format("auth"), "/securityDefinitions/a/x-amazon-apigateway-authorizer/authorizerUri"),
    ]


def test_standalone_template_adds_a_permission_per_function():
    fn = {"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:hello-${env}"}
    tpl, _ = standalone_template(EXPORT, values={"env": "dev"}, stage="dev", permissions=[("hello-dev", fn)])
    perm = tpl["Resources"]["HelloInvokePermission"]
    assert perm["Type"] == "AWS::Lambda::Permission"
    assert perm["Properties"]["FunctionName"] == fn
    assert perm["Properties"]["SourceArn"] == {"Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${RestApi}/*"}


def test_body_built_by_an_intrinsic_is_refused():
    tpl = {"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {
        "Body": {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "s3://b/api.yaml"}}}}}}}
    with pytest.raises(UserError, match="Api.Body is built by Fn::Transform"):
        find_target(tpl, None, "t.json")
