"""Property tests over generated exports: random paths, methods and integrations of every kind the
rules know, ARNs in every known field (home and foreign), VTL with ${...}, quotes and unicode.

For each: convert -> resolve equals the export (tests/semantic.py, independent of convert's proof);
converting again into the output changes nothing (idempotent); audit of the output reports exactly
the foreign account/region literals convert kept and said it kept, nothing else.
Bounded: E2C_EXAMPLES examples per property (default 100), no deadline; the whole module runs in
well under a minute."""

from __future__ import annotations

import json
import os

import pytest

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from exporter.audit import scan
from exporter.convert import Options, convert
from exporter.io.load import Document, load_export, parse_text
from exporter.rules import load_rules
from exporter.io.write import render_document
from semantic import differences

SETTINGS = settings(max_examples=int(os.environ.get("E2C_EXAMPLES", "100")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])

ACCOUNT = "123456789012"
FOREIGN_ACCOUNT = "999988887777"
API_ID = "a1b2c3d4e5"
RULES = load_rules()  # once: parsing the rule files is most of a small conversion's time
HOMES = [("aws", "us-east-1"), ("aws", "eu-west-1"), ("aws", "ap-northeast-1"), ("aws-cn", "cn-north-1"), ("aws-us-gov", "us-gov-west-1"),
         ("aws-iso", "us-iso-east-1"), ("aws-iso-b", "us-isob-east-1")]
FOREIGN_REGION = {"us-east-1": "us-west-2", "eu-west-1": "eu-central-1", "ap-northeast-1": "ap-southeast-2",
                  "cn-north-1": "cn-northwest-1", "us-gov-west-1": "us-gov-east-1", "us-iso-east-1": "us-iso-west-1",
                  "us-isob-east-1": "us-isob-west-1"}
# each partition's DNS suffix (botocore's partitions.json, outputs.dnsSuffix)
SUFFIX = {"aws": "amazonaws.com", "aws-cn": "amazonaws.com.cn", "aws-us-gov": "amazonaws.com", "aws-iso": "c2s.ic.gov",
          "aws-iso-b": "sc2s.sgov.gov"}
METHODS = ["get", "post", "put", "delete", "patch", "options", "x-amazon-apigateway-any-method"]

# Free text for VTL and descriptions: ${...}, quotes, backslashes, unicode; no digits, '-' or '_', so
# it can never spell an account id, a region or an env suffix by accident.
FREE = st.text(alphabet=st.sampled_from(list("abcxyzABC $#{}!\"'\\.,:;/\né漢😀\t")), max_size=40)
NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)


@st.composite
def exports(draw):
    partition, region = draw(st.sampled_from(HOMES))
    suffix = SUFFIX[partition]
    env = draw(st.sampled_from([None, "dev", "prod"]))
    kept: set[tuple[str, str]] = set()

    def named(base: str) -> str:
        return f"{base}-{env}" if env and draw(st.booleans()) else base

    def account() -> str:
        if draw(st.integers(0, 3)) == 0:
            kept.add(("account", FOREIGN_ACCOUNT))
            return FOREIGN_ACCOUNT
        return ACCOUNT

    def reg() -> str:
        if draw(st.integers(0, 3)) == 0:
            kept.add(("region", FOREIGN_REGION[region]))
            return FOREIGN_REGION[region]
        return region

    def vtl() -> str:
        return draw(FREE)

    def lambda_uri() -> str:
        alias = draw(st.sampled_from(["", ":live", ":1"]))
        return (f"arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/"
                f"arn:{partition}:lambda:{region}:{ACCOUNT}:function:{named(draw(NAME))}{alias}/invocations")

    def role() -> str:
        return f"arn:{partition}:iam::{ACCOUNT}:role/{named(draw(NAME) + 'Role')}"

    def integration() -> dict:
        kind = draw(st.sampled_from(["lambda", "states", "sqs", "sns", "dynamodb", "s3", "http", "mock", "vpclink"]))
        if kind == "lambda":
            return {"type": "aws_proxy", "httpMethod": "POST", "uri": lambda_uri(), "passthroughBehavior": "when_no_match"}
        if kind == "states":
            machine = f"arn:{partition}:states:{reg()}:{account()}:stateMachine:{named(draw(NAME))}"
            body = json.dumps({"input": "$util.escapeJavaScript($input.json('$'))", "stateMachineArn": machine, "note": vtl()}, ensure_ascii=False)
            return {"type": "aws", "httpMethod": "POST", "uri": f"arn:{partition}:apigateway:{region}:states:action/StartExecution",
                    "credentials": role(), "requestTemplates": {"application/json": body},
                    "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": vtl()}}}}
        if kind == "sqs":
            return {"type": "aws", "httpMethod": "POST", "uri": f"arn:{partition}:apigateway:{region}:sqs:path/{ACCOUNT}/{named(draw(NAME))}",
                    "credentials": role(), "requestParameters": {"integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"},
                    "requestTemplates": {"application/json": "Action=SendMessage&MessageBody=$input.body" + vtl()}}
        if kind == "sns":
            topic = f"arn:{partition}:sns:{reg()}:{account()}:{named(draw(NAME))}"
            return {"type": "aws", "httpMethod": "POST", "uri": f"arn:{partition}:apigateway:{region}:sns:action/Publish",
                    "credentials": role(), "requestParameters": {"integration.request.querystring.TopicArn": f"'{topic}'"}}
        if kind == "dynamodb":
            table = named(draw(NAME))
            return {"type": "aws", "httpMethod": "POST", "uri": f"arn:{partition}:apigateway:{region}:dynamodb:action/PutItem",
                    "credentials": role(), "requestTemplates": {"application/json": json.dumps({"TableName": table, "Item": vtl()}, ensure_ascii=False)}}
        if kind == "s3":
            return {"type": "aws", "httpMethod": "GET", "uri": f"arn:{partition}:apigateway:{region}:s3:path/{named(draw(NAME))}/{{key}}",
                    "credentials": role()}
        if kind == "http":
            return {"type": "http_proxy", "httpMethod": "ANY", "uri": f"https://{draw(NAME)}.example.com/{{proxy}}"}
        if kind == "vpclink":
            link = draw(st.from_regex(r"[a-z0-9]{6}", fullmatch=True))
            return {"type": "http_proxy", "httpMethod": "GET", "uri": "http://nlb.example.com/x", "connectionType": "VPC_LINK", "connectionId": link}
        return {"type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
                "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": vtl()}}}}

    openapi = draw(st.booleans())
    auth_kind = draw(st.sampled_from([None, "lambda", "cognito"]))
    schemes = {}
    if auth_kind == "lambda":
        schemes["tokenAuth"] = {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "custom",
                                "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": lambda_uri(), "authorizerCredentials": role(),
                                                                   "authorizerResultTtlInSeconds": 300}}
    elif auth_kind == "cognito":
        schemes["pool"] = {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "cognito_user_pools",
                           "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools",
                                                              "providerARNs": [f"arn:{partition}:cognito-idp:{region}:{ACCOUNT}:userpool/{region}_AbCdEf123"]}}
    paths = {}
    for _ in range(draw(st.integers(1, 5))):
        segs = draw(st.lists(st.one_of(NAME, st.just("{id}")), min_size=0, max_size=3))
        path = "/" + "/".join(segs)
        item = paths.setdefault(path, {})
        for method in draw(st.lists(st.sampled_from(METHODS), min_size=1, max_size=3, unique=True)):
            op = {"responses": {"200": {"description": "200 response"}}, "x-amazon-apigateway-integration": integration()}
            if "{id}" in path:
                op["parameters"] = [{"name": "id", "in": "path", "required": True, **({"schema": {"type": "string"}} if openapi else {"type": "string"})}]
            if schemes and draw(st.booleans()):
                op["security"] = [{next(iter(schemes)): []}]
            if draw(st.booleans()):
                op["description"] = draw(FREE)
            item[method] = op
    export: dict = {"openapi": "3.0.1"} if openapi else {"swagger": "2.0"}
    export["info"] = {"title": draw(NAME), "version": "2024-01-01T00:00:00Z"}
    stage = env or "v1"
    if openapi:
        export["servers"] = [{"url": f"https://{API_ID}.execute-api.{region}.{suffix}/{{basePath}}", "variables": {"basePath": {"default": f"/{stage}"}}}]
    else:
        export["host"] = f"{API_ID}.execute-api.{region}.{suffix}"
        export["basePath"] = f"/{stage}"
    export["paths"] = paths
    if schemes:
        if openapi:
            export["components"] = {"securitySchemes": schemes}
        else:
            export["securityDefinitions"] = schemes
    if draw(st.booleans()):
        export["x-amazon-apigateway-policy"] = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
            "Resource": f"arn:{partition}:execute-api:{region}:{ACCOUNT}:{API_ID}/*",
            "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f67890"}}}]}
    home = {"partition": partition, "region": region, "env": env}
    text = json.dumps(export)  # what survived the draws (a route drawn twice keeps only its last method)
    kept = {k for k in kept if k[1] in text}
    return export, home, kept


def _convert(export: dict, home: dict, template: Document | None = None):
    text = json.dumps(export, indent=2, ensure_ascii=False)
    data, fmt = parse_text(text, "export.json")
    doc = Document("export.json", data, text, fmt)
    opts = Options(account=ACCOUNT, region=home["region"], partition=home["partition"], env=home["env"])
    return convert(doc, template, opts, rules=RULES)


def _values(conv, home: dict) -> dict:
    values = conv.ctx.values()
    params = conv.template.get("Parameters") or {}
    values.update({n: p["Default"] for n, p in params.items() if "Default" in p})
    return values


@SETTINGS
@given(exports())
def test_convert_then_resolve_equals_the_export(case):
    export, home, _kept = case
    conv = _convert(export, home)
    body = conv.template["Resources"]["RestApi"]["Properties"]["Body"]
    diffs = differences(body, export, _values(conv, home), conv.template, API_ID)
    assert diffs == [], "\n".join(diffs[:5])


@pytest.mark.slow  # two conversions a generated export: the longest property
@SETTINGS
@given(exports())
def test_convert_is_idempotent(case):
    export, home, _kept = case
    first = _convert(export, home)
    for fmt in ("json", "yaml"):
        text = render_document(first.template, None, None, fmt)
        data, parsed_as = parse_text(text, f"template.{fmt}")
        assert (parsed_as, data) == (fmt, first.template)
        second = _convert(export, home, Document(f"template.{fmt}", data, text, fmt))
        assert second.template == first.template
        assert render_document(second.template, text, data, fmt) == text, f"{fmt}: a second run changed the file"
        assert second.report.added_routes == [] and second.report.replaced_routes == []


@pytest.mark.slow
@SETTINGS
@given(exports())
def test_audit_of_the_output_reports_exactly_what_convert_kept(case):
    export, home, kept = case
    event(f"kept {sorted(kept)}")
    conv = _convert(export, home)
    audited = {(f.kind, f.value) for f in scan(conv.template, env=home["env"], rules=conv.rules)}
    reported = {(f.kind, f.value) for f in conv.findings}
    assert audited == reported == kept


@pytest.mark.slow
@SETTINGS
@given(exports())
def test_audit_of_the_raw_export_finds_its_home(case):
    export, home, _kept = case
    audited = {(f.kind, f.value) for f in scan(export, env=home["env"], rules=[])}
    assert ("region", home["region"]) in audited
    assert ("api-id", API_ID) in audited
    if any("arn:" in json.dumps(op) for item in export["paths"].values() for op in item.values()):
        assert ("partition", home["partition"]) in audited


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(exports())
def test_generated_export_is_a_valid_export(tmp_path, case):
    """The generator makes what load_export accepts (so the properties above test real inputs)."""
    export, _home, _kept = case
    path = tmp_path / "e.json"
    path.write_text(json.dumps(export))
    assert load_export(path).data == export
