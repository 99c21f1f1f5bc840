"""A large, realistic export generated on the fly (never stored): `paths` paths x 5 methods, with
Lambda, Step Functions and SQS integrations, a Cognito authorizer, VTL templates and CORS, all
full of the home account id, region and env-suffixed names. Used by the markdown size-cap test
and scripts/bench_diff.py."""

from __future__ import annotations

import copy

ACCOUNT, REGION, ENV = "123456789012", "eu-west-1", "dev"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/apigw-states-{ENV}"


def _op(i: int, kind: str) -> dict:
    if kind == "lambda":
        integ = {
            "type": "aws_proxy", "httpMethod": "POST", "passthroughBehavior": "when_no_match",
            "uri": f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders{i}-{ENV}/invocations",
            "responses": {"default": {"statusCode": "200"}},
        }
    elif kind == "states":
        integ = {
            "type": "aws", "httpMethod": "POST", "credentials": ROLE, "passthroughBehavior": "when_no_match",
            "uri": f"arn:aws:apigateway:{REGION}:states:action/StartExecution",
            "requestTemplates": {"application/json": (
                '{\r\n    "input": "$util.escapeJavaScript($input.json(\'$\'))",\r\n'
                f'    "stateMachineArn": "arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:Flow{i}-{ENV}"}}')},
            "responses": {"default": {"statusCode": "200"}},
        }
    elif kind == "sqs":
        integ = {
            "type": "aws", "httpMethod": "POST", "credentials": ROLE, "passthroughBehavior": "never",
            "uri": f"arn:aws:apigateway:{REGION}:sqs:path/{ACCOUNT}/jobs{i}-{ENV}",
            "requestParameters": {"integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"},
            "requestTemplates": {"application/json": "Action=SendMessage&MessageBody=$input.body"},
            "responses": {"default": {"statusCode": "200"}},
        }
    else:  # CORS preflight
        integ = {
            "type": "mock", "passthroughBehavior": "when_no_match",
            "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "responses": {"default": {"statusCode": "200", "responseParameters": {
                "method.response.header.Access-Control-Allow-Origin": "'https://app.example.com'",
                "method.response.header.Access-Control-Allow-Methods": "'GET,POST,PUT,DELETE,OPTIONS'"}}},
        }
    op = {"produces": ["application/json"], "responses": {"200": {"description": "200 response"}},
          "x-amazon-apigateway-integration": integ}
    if kind != "cors":
        op["security"] = [{"CognitoAuth": []}]
    return op


def generate(paths: int = 300) -> dict:
    """A Swagger 2.0 stage export with `paths` x 5 methods."""
    out = {}
    for i in range(paths):
        out[f"/orders{i}/{{id}}"] = {
            "get": _op(i, "lambda"), "post": _op(i, "states"), "put": _op(i, "sqs"),
            "delete": _op(i, "lambda"), "options": _op(i, "cors"),
        }
    return {
        "swagger": "2.0",
        "info": {"version": "2024-01-01T00:00:00Z", "title": "BigApi"},
        "host": f"abcde12345.execute-api.{REGION}.amazonaws.com",
        "basePath": f"/{ENV}",
        "schemes": ["https"],
        "paths": out,
        "securityDefinitions": {"CognitoAuth": {
            "type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "cognito_user_pools",
            "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools",
                                               "providerARNs": [f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{REGION}_AbCdEf123"]}}},
    }


def template_for(export: dict, *, changed_every: int = 1) -> dict:
    """An Amplify-shaped template whose Body holds an older version of the same API: every
    `changed_every`-th path still points at an older Lambda and produces XML too, the others are the
    export as it is (literals included, so convert rewrites them)."""
    body = copy.deepcopy({k: v for k, v in export.items() if k not in ("host",)})
    for n, (path, item) in enumerate(body["paths"].items()):
        if n % changed_every == 0:
            item["get"]["produces"] = ["application/json", "application/xml"]  # a list that differs: DeepDiff's part
            for method in ("post", "put"):
                item[method]["x-amazon-apigateway-integration"] = {
                    "type": "aws_proxy", "httpMethod": "POST", "passthroughBehavior": "when_no_match",
                    "uri": {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${LegacyFunctionArn}/invocations"},
                }
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"env": {"Type": "String"}, "LegacyFunctionArn": {"Type": "String"}},
        "Resources": {"BigApi": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "BigApi", "Body": body}}},
    }
