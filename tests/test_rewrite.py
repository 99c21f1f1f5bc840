"""exporter.rewrite: one string in, a plain string / Ref / Fn::Sub / Fn::Join out, which must
resolve back to the input. Expected values are written by hand from the CloudFormation rules
(a literal `${` in Fn::Sub is `${!`), never produced by the code under test."""

from __future__ import annotations

import pytest

from exporter.resolve import resolve
from exporter.rewrite import Context, Rewriter
from exporter.rules import load_rules

RULES = load_rules()
VTL = "/paths/~1vtl/post/x-amazon-apigateway-integration/requestTemplates/application~1json"
URI = "/paths/~1fn/get/x-amazon-apigateway-integration/uri"
CREDS = "/paths/~1fn/get/x-amazon-apigateway-integration/credentials"


def rewriter(**kw) -> Rewriter:
    ctx = Context(**{"account": "111122223333", "region": "us-east-1", "partition": "aws", "env": "dev", **kw})
    return Rewriter(RULES, ctx)


def check(got, want, original: str, rw: Rewriter) -> None:
    assert got == want, f"expected {want!r}\n     got {got!r}"
    back = resolve(got, rw.ctx.values())
    assert back == original, f"does not resolve back:\nexpected {original!r}\n     got {back!r}"


# Each trap next to a literal that must become an intrinsic, so the string is really emitted as Sub.
SUB_TRAPS = [
    pytest.param('{"id": "${context.requestId}", "acct": "111122223333"}',
                 '{"id": "${!context.requestId}", "acct": "${AWS::AccountId}"}', id="vtl-context-variable"),
    pytest.param('{"alias": "${stageVariables.alias}", "acct": "111122223333"}',
                 '{"alias": "${!stageVariables.alias}", "acct": "${AWS::AccountId}"}', id="stage-variable"),
    pytest.param('{"empty": "${}", "acct": "111122223333"}',
                 '{"empty": "${!}", "acct": "${AWS::AccountId}"}', id="empty-braces"),
    pytest.param('$${context.requestId} 111122223333',
                 '$${!context.requestId} ${AWS::AccountId}', id="dollar-before-reference"),
]


@pytest.mark.parametrize("text,want_sub", SUB_TRAPS)
def test_sub_escapes_every_literal_dollar_brace(text, want_sub):
    rw = rewriter()
    check(rw.rewrite_string(text, VTL), {"Fn::Sub": want_sub}, text, rw)


JOIN_TRAPS = [
    pytest.param('{"price": "${", "acct": "111122223333"}', id="unbalanced-never-closed"),
    pytest.param('{"a": "${unclosed\n}", "acct": "111122223333"}', id="braces-span-lines"),
    pytest.param('{"a": "${x y}", "acct": "111122223333"}', id="space-inside-braces"),
    pytest.param('{"a": "${${x}}", "acct": "111122223333"}', id="nested-dollar-brace"),
    # `${!!x}` would be CloudFormation's spelling, but moto drops every `!`: Join is unambiguous
    pytest.param('{"bang": "${!x}", "acct": "111122223333"}', id="literal-bang-reference"),
]


@pytest.mark.parametrize("text", JOIN_TRAPS)
def test_dollar_brace_sub_cannot_escape_falls_back_to_join(text):
    rw = rewriter()
    got = rw.rewrite_string(text, VTL)
    head, _, tail = text.partition("111122223333")
    check(got, {"Fn::Join": ["", [head, {"Ref": "AWS::AccountId"}, tail]]}, text, rw)


def test_dollar_brace_without_anything_to_rewrite_stays_a_plain_string():
    # A plain string is never Sub-processed, so ${context.requestId} needs no escape at all.
    text = '{"id": "${context.requestId}"}'
    rw = rewriter()
    assert rw.rewrite_string(text, VTL) == text
    assert rw.rewrites == []


def test_join_style_needs_no_escape():
    text = '{"id": "${context.requestId}", "queue": "jobs-dev.fifo"}'
    rw = rewriter(style="join")
    check(rw.rewrite_string(text, VTL),
          {"Fn::Join": ["", ['{"id": "${context.requestId}", "queue": "jobs-', {"Ref": "env"}, '.fifo"}']]}, text, rw)


def test_one_name_becomes_ref():
    rw = rewriter()
    check(rw.rewrite_string("vpce-0a1b2c3d4e5f67890", "/x-amazon-apigateway-policy/Statement/0/Condition/StringEquals/aws:SourceVpce"),
          {"Ref": "VpcEndpointId"}, "vpce-0a1b2c3d4e5f67890", rw)


@pytest.mark.parametrize("partition,region,suffix", [
    ("aws-cn", "cn-north-1", "amazonaws.com.cn"), ("aws-us-gov", "us-gov-west-1", "amazonaws.com"),
    ("aws-eusc", "eusc-de-east-1", "amazonaws.eu"), ("aws-iso", "us-iso-east-1", "c2s.ic.gov"),
    ("aws-iso-b", "us-isob-east-1", "sc2s.sgov.gov"), ("aws-iso-e", "eu-isoe-west-1", "cloud.adc-e.uk"),
    ("aws-iso-f", "us-isof-east-1", "csp.hci.ic.gov"),
])  # partitions.json: each partition's dnsSuffix
def test_partition_other_than_aws(partition, region, suffix):
    rw = rewriter(partition=partition, region=region)
    uri = (f"arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/"
           f"arn:{partition}:lambda:{region}:111122223333:function:orders-dev:live/invocations")
    check(rw.rewrite_string(uri, URI), {"Fn::Sub": (
        "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
        "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:orders-${env}:live/invocations")}, uri, rw)
    queue = f"'https://sqs.{region}.{suffix}/111122223333/jobs-dev.fifo'"
    check(rw.rewrite_string(queue, "/paths/~1q/post/x-amazon-apigateway-integration/requestParameters/integration.request.querystring.QueueUrl"),
          {"Fn::Sub": "'https://sqs.${AWS::Region}.${AWS::URLSuffix}/${AWS::AccountId}/jobs-${env}.fifo'"}, queue, rw)


def test_china_url_suffix_is_not_mistaken_for_the_global_one():
    rw = rewriter(partition="aws", region="us-east-1")
    # A .com.cn host seen from an `aws` home: the suffix is not the home suffix, it stays literal.
    host = "https://photos.s3.cn-north-1.amazonaws.com.cn/x"
    got = rw.rewrite_string(host, VTL)
    assert resolve(got, rw.ctx.values()) == host
    assert "amazonaws.com.cn" in str(got)


def test_other_account_stays_literal_and_is_reported():
    rw = rewriter()
    uri = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
           "arn:aws:lambda:us-east-1:999988887777:function:shared-rates/invocations")
    check(rw.rewrite_string(uri, URI), {"Fn::Sub": (
        "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
        "arn:${AWS::Partition}:lambda:${AWS::Region}:999988887777:function:shared-rates/invocations")}, uri, rw)
    assert [(f.kind, f.value) for f in rw.findings] == [("account", "999988887777")]


def test_other_region_stays_literal_and_is_reported():
    rw = rewriter()
    arn = "arn:aws:sns:eu-west-1:111122223333:alerts"
    check(rw.rewrite_string(arn, VTL), {"Fn::Sub": "arn:${AWS::Partition}:sns:eu-west-1:${AWS::AccountId}:alerts"}, arn, rw)
    assert ("region", "eu-west-1") in [(f.kind, f.value) for f in rw.findings]


def test_caller_credentials_stay_as_they_are():
    rw = rewriter()
    assert rw.rewrite_string("arn:aws:iam::*:user/*", CREDS) == "arn:aws:iam::*:user/*"
    assert rw.rewrites == []


def test_rewrite_value_does_not_record():
    rw = rewriter()
    got = rw.rewrite_value("arn:aws:lambda:us-east-1:111122223333:function:fn-dev", URI)
    assert got == {"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:fn-${env}"}
    assert rw.rewrites == []
