"""exporter.targets.standalone: the template that deploys as it is (RestApi, content-hashed
Deployment, Stage, Outputs) and the Lambda permissions API Gateway needs to call home functions."""

from __future__ import annotations

import copy
import json

import pytest

from exporter.convert import Options, convert
from exporter.io.load import load_export
from exporter.targets.standalone import Standalone, lambda_invokers, permission_id, standalone_template

FN = "arn:aws:lambda:{region}:{account}:function:{name}"
URI = "arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/" + FN + "/invocations"


def uri(name, region="us-east-1", account="123456789012"):
    return URI.format(region=region, account=account, name=name)


def fn(name, region="us-east-1", account="123456789012"):
    return FN.format(region=region, account=account, name=name)


def integ(u, type_="aws_proxy", **kw):
    return {"x-amazon-apigateway-integration": {"type": type_, "httpMethod": "POST", "uri": u, **kw}}


# ----------------------------------------------------------------------------------- lambda_invokers

def test_invokers_region_account_and_name_from_the_function_arn():
    [inv] = lambda_invokers({"paths": {"/a/{id}": {"get": integ(uri("orders", "eu-west-1", "210987654321"))}}})
    assert (inv.function_arn, inv.region, inv.account, inv.name) == (
        fn("orders", "eu-west-1", "210987654321"), "eu-west-1", "210987654321", "orders")
    assert inv.pointer == "/paths/~1a~1{id}/get/x-amazon-apigateway-integration/uri"


def test_invokers_a_qualified_arn_keeps_the_qualifier_and_names_the_function():
    [inv] = lambda_invokers({"paths": {"/a": {"get": integ(uri("orders:live"))}}})
    assert inv.function_arn == fn("orders:live") and inv.name == "orders"


def test_invokers_only_lambda_integrations():
    export = {"paths": {"/a": {
        "get": integ("https://example.com/", "http_proxy"),
        "put": integ("arn:aws:apigateway:us-east-1:sqs:path/123456789012/q", "aws"),
        "post": {"x-amazon-apigateway-integration": {"type": "mock"}},
        "parameters": [{"name": "x"}],  # not a method
    }}}
    assert lambda_invokers(export) == []


def test_invokers_an_openapi3_authorizer():
    export = {"openapi": "3.0.1", "paths": {}, "components": {"securitySchemes": {
        "auth": {"type": "apiKey", "x-amazon-apigateway-authorizer": {"type": "request", "authorizerUri": uri("authz")}}}}}
    [inv] = lambda_invokers(export)
    assert inv.name == "authz"
    assert inv.pointer == "/components/securitySchemes/auth/x-amazon-apigateway-authorizer/authorizerUri"


def test_invokers_one_per_function_first_pointer_wins():
    export = {"paths": {"/a": {"get": integ(uri("f")), "post": integ(uri("f"))}, "/b": {"get": integ(uri("g"))}}}
    assert [(i.name, i.pointer.split("/")[3]) for i in lambda_invokers(export)] == [("f", "get"), ("g", "get")]


def test_invokers_an_unresolved_or_malformed_uri_is_skipped():
    export = {"paths": {"/a": {"get": integ({"Fn::Sub": "x"}), "post": integ("arn:aws:lambda:us-east-1:123:function:f")}}}
    assert lambda_invokers(export) == []


# ----------------------------------------------------------------------------------- permission_id

def test_permission_id_camel_cases_and_drops_the_env_word():
    taken: set[str] = set()
    assert permission_id("orders-handler-dev", "dev", taken) == "OrdersHandlerInvokePermission"
    assert permission_id("get_user.v2", None, taken) == "GetUserV2InvokePermission"
    assert taken == {"OrdersHandlerInvokePermission", "GetUserV2InvokePermission"}


def test_permission_id_is_unique():
    taken = {"OrdersInvokePermission"}
    assert permission_id("orders", None, taken) == "OrdersInvokePermission2"
    assert permission_id("orders-dev", "dev", taken) == "OrdersInvokePermission3"


# ----------------------------------------------------------------------------------- standalone_template

EXPORT = {"swagger": "2.0", "info": {"title": "Orders API"}, "host": "abc.execute-api.us-east-1.amazonaws.com",
          "basePath": "/dev", "paths": {"/o": {"get": integ(uri("orders")), "post": integ(uri("orders"))}}}


def test_template_resources_and_outputs():
    t, report = standalone_template(EXPORT, values={}, stage="prod")
    assert t["AWSTemplateFormatVersion"] == "2010-09-09"
    res = t["Resources"]
    assert res["RestApi"]["Type"] == "AWS::ApiGateway::RestApi"
    assert res["RestApi"]["Properties"]["Name"] == "Orders API"  # the export's title
    assert "host" not in res["RestApi"]["Properties"]["Body"]  # CloudFormation assigns a new address
    assert res["RestApi"]["Properties"]["Body"]["paths"] == EXPORT["paths"]
    [dep] = [k for k in res if k.startswith("Deployment")]
    assert res[dep]["Type"] == "AWS::ApiGateway::Deployment"
    assert res[dep]["Properties"]["RestApiId"] == {"Ref": "RestApi"}
    assert res["Stage"] == {"Type": "AWS::ApiGateway::Stage", "Properties": {
        "RestApiId": {"Ref": "RestApi"}, "DeploymentId": {"Ref": dep}, "StageName": "prod"}}
    assert t["Outputs"]["ApiId"]["Value"] == {"Ref": "RestApi"}
    # the invoke URL: https://{restapi_id}.execute-api.{region}.amazonaws.com/{stage_name}
    assert t["Outputs"]["RootUrl"]["Value"] == {"Fn::Sub": "https://${RestApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}"}
    assert report.added_routes == ["GET /o", "POST /o"]
    assert [f.rule for f in report.dropped] == ["address-dropped"]


def test_template_stage_defaults_to_v1_and_name_can_be_given():
    t, _ = standalone_template({**EXPORT, "info": {}}, values={}, stage=None, name={"Fn::Sub": "orders-${env}"})
    assert t["Resources"]["Stage"]["Properties"]["StageName"] == "v1"
    assert t["Resources"]["RestApi"]["Properties"]["Name"] == {"Fn::Sub": "orders-${env}"}


def test_template_no_title_names_the_api_restapi():
    t, _ = standalone_template({"swagger": "2.0", "paths": {}}, values={}, stage=None)
    assert t["Resources"]["RestApi"]["Properties"]["Name"] == "RestApi"


def test_template_deployment_id_changes_with_the_body_only():
    a, _ = standalone_template(EXPORT, values={}, stage="dev")
    b, _ = standalone_template(copy.deepcopy(EXPORT), values={}, stage="dev")
    changed = copy.deepcopy(EXPORT)
    changed["paths"]["/o"]["get"]["x-amazon-apigateway-integration"]["timeoutInMillis"] = 1000
    c, _ = standalone_template(changed, values={}, stage="dev")
    deps = [[k for k in t["Resources"] if k.startswith("Deployment")][0] for t in (a, b, c)]
    assert deps[0] == deps[1] != deps[2]
    assert all(len(d) == len("Deployment") + 10 for d in deps)
    # the host is not part of the Body, so it does not redeploy
    moved, _ = standalone_template({**EXPORT, "host": "other.example.com"}, values={}, stage="dev")
    assert deps[0] in moved["Resources"]


def test_template_stage_name_is_ref_env_when_the_body_uses_env_and_the_stage_is_the_env():
    export = copy.deepcopy(EXPORT)
    export["paths"]["/o"]["get"]["x-amazon-apigateway-integration"]["uri"] = {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:orders-${env}/invocations"}
    t, _ = standalone_template(export, values={"env": "dev"}, stage="dev")
    assert t["Resources"]["Stage"]["Properties"]["StageName"] == {"Ref": "env"}
    assert t["Parameters"]["env"]["Default"] == "dev"
    t, _ = standalone_template(export, values={"env": "dev"}, stage="prod")
    assert t["Resources"]["Stage"]["Properties"]["StageName"] == "prod"


def test_template_a_permission_per_function_with_unique_ids():
    t, _ = standalone_template(EXPORT, values={}, stage="dev", permissions=[("orders", "arn1"), ("orders", "arn2")])
    p1, p2 = t["Resources"]["OrdersInvokePermission"], t["Resources"]["OrdersInvokePermission2"]
    assert p1["Type"] == "AWS::Lambda::Permission"
    assert p1["Properties"]["Action"] == "lambda:InvokeFunction"
    assert p1["Properties"]["Principal"] == "apigateway.amazonaws.com"
    assert (p1["Properties"]["FunctionName"], p2["Properties"]["FunctionName"]) == ("arn1", "arn2")


# ----------------------------------------------------------------------------------- assemble (through convert)

def _convert(tmp_path, export, **opts):
    p = tmp_path / "export.json"
    p.write_text(json.dumps(export))
    return convert(load_export(p), None, Options(**opts))


def test_assemble_home_functions_get_a_permission_others_a_warning(tmp_path):
    export = {"swagger": "2.0", "info": {"title": "shop"}, "basePath": "/dev", "paths": {
        "/home": {"get": integ(uri("home-fn"))},
        "/away": {"get": integ(uri("away-fn", "eu-west-1", "210987654321"))},
        "/role": {"get": integ(uri("role-fn"), credentials="arn:aws:iam::123456789012:role/apigw")},
    }}
    conv = _convert(tmp_path, export, account="123456789012", region="us-east-1")
    perms = {k: v for k, v in conv.template["Resources"].items() if v["Type"] == "AWS::Lambda::Permission"}
    assert list(perms) == ["HomeFnInvokePermission"]
    # its FunctionName went through the rules: the home account and region are pseudo parameters
    assert perms["HomeFnInvokePermission"]["Properties"]["FunctionName"] == {
        "Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:home-fn"}
    [warning] = [f for f in conv.report.security if f.rule == "permission-elsewhere"]
    assert warning.value == fn("away-fn", "eu-west-1", "210987654321")
    assert warning.pointer == "/paths/~1away/get/x-amazon-apigateway-integration/uri"


def test_standalone_applies_only_without_a_target_or_adopt(tmp_path):
    conv = _convert(tmp_path, {"swagger": "2.0", "info": {"title": "t"}, "paths": {"/a": {"get": integ("https://example.com/", "http_proxy")}}})
    assert Standalone.applies(conv)
    assert Standalone().build(conv).template is conv.template
    conv.adopt_to = tmp_path / "import.json"
    assert not Standalone.applies(conv)
