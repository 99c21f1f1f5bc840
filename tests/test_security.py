"""exporter.security.review, one finding at a time: each must hit where auth really changes and stay
quiet where only the spelling changes (a literal that became an intrinsic with the same value)."""

from __future__ import annotations

import copy
import json

import pytest

from exporter.security import review

VALUES = {"AWS::AccountId": "123456789012", "AWS::Region": "eu-west-1", "AWS::Partition": "aws", "env": "dev"}
ROLE = "arn:aws:iam::123456789012:role/api-dev"
ROLE_SUB = {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/api-${env}"}
FN_URI = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:auth-dev/invocations"


def body() -> dict:
    """A Swagger 2 Body: DELETE /orders behind a Lambda authorizer and an API key, POST /orders
    calling Step Functions with a role, an OPTIONS with CORS for one origin, a resource policy."""
    return {
        "swagger": "2.0",
        "paths": {
            "/orders": {
                "delete": {
                    "security": [{"LambdaAuth": []}, {"api_key": []}],
                    "x-amazon-apigateway-integration": {"type": "aws_proxy", "uri": "arn:aws:apigateway:eu-west-1:lambda:path/x"},
                },
                "post": {
                    "security": [{"LambdaAuth": []}],
                    "x-amazon-apigateway-integration": {"type": "aws", "credentials": ROLE, "uri": "arn:aws:apigateway:eu-west-1:states:action/StartExecution"},
                },
                "options": {
                    "x-amazon-apigateway-integration": {"type": "mock", "responses": {"default": {"statusCode": "200", "responseParameters": {
                        "method.response.header.Access-Control-Allow-Origin": "'https://app.example.com'"}}}},
                },
            }
        },
        "securityDefinitions": {
            "LambdaAuth": {
                "type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "custom",
                "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": FN_URI, "authorizerCredentials": ROLE,
                                                   "identitySource": "method.request.header.Authorization"},
            },
            "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
        },
        "x-amazon-apigateway-policy": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
            {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*/DELETE/orders"},
        ]},
    }


def findings(before: dict, after: dict) -> list[str]:
    return [f"{f.severity} {f}" for f in review(before, after, VALUES)]


def test_identical_bodies_have_no_finding():
    assert findings(body(), body()) == []


def test_literal_to_intrinsic_with_the_same_value_is_not_a_finding():
    after = body()
    after["paths"]["/orders"]["post"]["x-amazon-apigateway-integration"]["credentials"] = ROLE_SUB
    after["securityDefinitions"]["LambdaAuth"]["x-amazon-apigateway-authorizer"]["authorizerCredentials"] = ROLE_SUB
    after["securityDefinitions"]["LambdaAuth"]["x-amazon-apigateway-authorizer"]["authorizerUri"] = {"Fn::Sub": FN_URI.replace("eu-west-1", "${AWS::Region}")}
    assert findings(body(), after) == []


def test_method_loses_its_authorizer():
    after = body()
    del after["paths"]["/orders"]["post"]["security"]
    assert findings(body(), after) == ["high POST /orders: loses its authorization (LambdaAuth -> none)"]


def test_method_changes_its_authorizer():
    after = body()
    after["securityDefinitions"]["CognitoAuth"] = {"type": "apiKey", "x-amazon-apigateway-authtype": "cognito_user_pools"}
    after["paths"]["/orders"]["post"]["security"] = [{"CognitoAuth": []}]
    assert findings(body(), after) == ["medium POST /orders: authorization changes (LambdaAuth -> CognitoAuth)"]


def test_api_wide_default_security_removed_is_seen_on_each_route():
    before, after = body(), body()
    for b in (before, after):
        del b["paths"]["/orders"]["post"]["security"]
    before["security"] = [{"LambdaAuth": []}]  # the default for every method without its own
    assert findings(before, after) == ["high POST /orders: loses its authorization (LambdaAuth -> none)",
                                       "high OPTIONS /orders: loses its authorization (LambdaAuth -> none)"]


@pytest.mark.parametrize("field,label,value", [
    ("type", "type", "request"),
    ("authorizerUri", "URI", FN_URI.replace("auth-dev", "other-dev")),
    ("identitySource", "identity source", "method.request.header.X-Token"),
    ("authorizerCredentials", "credentials", "arn:aws:iam::123456789012:role/admin"),
])
def test_authorizer_field_change_is_named_on_every_route_using_it(field, label, value):
    after = body()
    after["securityDefinitions"]["LambdaAuth"]["x-amazon-apigateway-authorizer"][field] = value
    got = findings(body(), after)
    assert [g.split(":")[0] for g in got] == ["high DELETE /orders", "high POST /orders"]
    assert all(f"authorizer LambdaAuth: {label} changes" in g and value in g for g in got), got


def test_api_key_required_dropped():
    after = body()
    after["paths"]["/orders"]["delete"]["security"] = [{"LambdaAuth": []}]
    assert findings(body(), after) == ["high DELETE /orders: apiKeyRequired dropped: the method no longer requires an API key"]


def test_new_route_without_auth_is_flagged_and_with_auth_or_options_is_not():
    after = body()
    after["paths"]["/health"] = {"get": {"x-amazon-apigateway-integration": {"type": "mock"}},
                                 "options": {"x-amazon-apigateway-integration": {"type": "mock"}}}
    after["paths"]["/orders/{id}"] = {"get": {"security": [{"LambdaAuth": []}], "x-amazon-apigateway-integration": {"type": "mock"}}}
    assert findings(body(), after) == ["medium GET /health: new route with no authorization (no authorizer, IAM or API key)"]


@pytest.mark.parametrize("new,expected", [
    ("arn:aws:iam::123456789012:role/admin", f"high POST /orders: integration credentials change ({ROLE} -> arn:aws:iam::123456789012:role/admin)"),
    (None, f"medium POST /orders: integration credentials removed (was {ROLE})"),
    (ROLE_SUB, None),
])
def test_integration_credentials(new, expected):
    after = body()
    integ = after["paths"]["/orders"]["post"]["x-amazon-apigateway-integration"]
    if new is None:
        del integ["credentials"]
    else:
        integ["credentials"] = new
    assert findings(body(), after) == ([expected] if expected else [])


def test_integration_credentials_added():
    after = body()
    after["paths"]["/orders"]["delete"]["x-amazon-apigateway-integration"]["credentials"] = ROLE
    assert findings(body(), after) == [f"medium DELETE /orders: integration credentials added: API Gateway now calls the backend as {ROLE}"]


def test_resource_policy_added_and_removed():
    without = body()
    del without["x-amazon-apigateway-policy"]
    assert findings(without, body()) == ["medium API: resource policy added"]
    assert findings(body(), without) == ["high API: resource policy removed: the API no longer restricts callers by policy"]


def test_resource_policy_widened_by_a_new_allow_or_a_lost_deny():
    wider = body()
    wider["x-amazon-apigateway-policy"]["Statement"][0]["Principal"] = "*"
    got = findings(body(), wider)
    assert len(got) == 1 and got[0].startswith("high API: resource policy widened: new or changed Allow for principal *"), got
    no_deny = body()
    del no_deny["x-amazon-apigateway-policy"]["Statement"][1]
    got = findings(body(), no_deny)
    assert len(got) == 1 and "Deny on execute-api:/*/DELETE/orders removed" in got[0], got


def test_resource_policy_narrowed_is_a_change_not_a_widening():
    narrower = body()
    narrower["x-amazon-apigateway-policy"]["Statement"].append(
        {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*/POST/orders"})
    assert findings(body(), narrower) == ["medium API: resource policy changes (no statement allows more)"]


def test_cors_allow_origin_widened_to_star():
    after = body()
    params = after["paths"]["/orders"]["options"]["x-amazon-apigateway-integration"]["responses"]["default"]["responseParameters"]
    params["method.response.header.Access-Control-Allow-Origin"] = "'*'"
    assert findings(body(), after) == ["medium OPTIONS /orders: CORS Access-Control-Allow-Origin widened to '*' (was 'https://app.example.com')"]
    assert findings(after, copy.deepcopy(after)) == []  # '*' already: nothing widened


def test_gateway_response_cors_widened():
    before, after = body(), body()
    before["x-amazon-apigateway-gateway-responses"] = {"DEFAULT_4XX": {"responseParameters": {"gatewayresponse.header.Access-Control-Allow-Origin": "'https://a.example'"}}}
    after["x-amazon-apigateway-gateway-responses"] = {"DEFAULT_4XX": {"responseParameters": {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"}}}
    assert findings(before, after) == ["medium API: gateway responses: CORS Access-Control-Allow-Origin widened to '*' (was 'https://a.example')"]


def test_openapi3_security_schemes_are_read_too():
    before = {"openapi": "3.0.1", "paths": {"/a": {"get": {"security": [{"Auth": []}]}}},
              "components": {"securitySchemes": {"Auth": {"type": "apiKey", "x-amazon-apigateway-authtype": "cognito_user_pools",
                                                          "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": ["arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_A"]}}}}}
    after = json.loads(json.dumps(before))
    after["components"]["securitySchemes"]["Auth"]["x-amazon-apigateway-authorizer"]["providerARNs"] = ["arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_B"]
    got = findings(before, after)
    assert len(got) == 1 and got[0].startswith("high GET /a: authorizer Auth: user pools changes"), got


def test_unresolvable_values_are_compared_as_written():
    after = body()
    after["paths"]["/orders"]["post"]["x-amazon-apigateway-integration"]["credentials"] = {"Ref": "SomeRoleArn"}
    got = findings(body(), after)
    assert got == [f"high POST /orders: integration credentials change ({ROLE} -> {{\"Ref\":\"SomeRoleArn\"}})"]


def test_authorization_scopes_change():
    before, after = body(), body()
    before["paths"]["/orders"]["post"]["security"] = [{"LambdaAuth": ["orders/write"]}]
    after["paths"]["/orders"]["post"]["security"] = [{"LambdaAuth": ["orders/read"]}]
    assert findings(before, after) == ['medium POST /orders: authorization scopes change ({"LambdaAuth":["orders/write"]} -> {"LambdaAuth":["orders/read"]})']


def test_convert_reports_the_findings_on_stderr(cli, tmp_path):
    import shutil

    from conftest import FIXTURES

    work = tmp_path / "orders"
    shutil.copytree(FIXTURES / "orders-security", work, ignore=shutil.ignore_patterns("expected"))
    result = cli("convert", work / "export.json", "-t", work / "template.yaml", "--in-place")
    assert result.exit_code == 0, result.stderr
    assert "security (high): POST /orders: loses its authorization (LambdaAuth -> none)" in result.stderr
    assert "security (high): API: resource policy widened" in result.stderr
