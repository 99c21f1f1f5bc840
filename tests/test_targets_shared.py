"""exporter.targets.shared: the Lambda permission API Gateway needs, its source ARN, logical ids and
the Deployment's content hash. Expected values come from the AWS docs (AWS::Lambda::Permission for API
Gateway: Action lambda:InvokeFunction, Principal apigateway.amazonaws.com, SourceArn
arn:PARTITION:execute-api:REGION:ACCOUNT:API_ID/STAGE/METHOD/PATH) and from SHA-256 over JSON text
written out by hand. (Key orders and the two historic digests: tests/test_targets.py.)"""

from __future__ import annotations

import hashlib
import re

import pytest

from exporter.resolve import resolve
from exporter.targets.shared import DEPLOYMENT, PERMISSION, content_hash, lambda_permission, source_arn, unique_id

VALUES = {"AWS::Partition": "aws-cn", "AWS::Region": "cn-north-1", "AWS::AccountId": "111122223333", "Api": "a1b2c3d4e5"}


def test_resource_types():
    assert (PERMISSION, DEPLOYMENT) == ("AWS::Lambda::Permission", "AWS::ApiGateway::Deployment")


@pytest.mark.parametrize("function_first", [False, True])
def test_a_permission_lets_api_gateway_invoke_the_function(function_first):
    fn = {"Fn::GetAtt": ["Fn", "Arn"]}
    src = source_arn("Api", scope="/*/*/*")
    perm = lambda_permission(fn, src, function_first=function_first)
    assert perm == {"Type": "AWS::Lambda::Permission", "Properties": {
        "Action": "lambda:InvokeFunction", "FunctionName": fn, "Principal": "apigateway.amazonaws.com", "SourceArn": src}}


@pytest.mark.parametrize("style", ["sub", "join"])
@pytest.mark.parametrize("scope,arn", [
    ("/*", "arn:aws-cn:execute-api:cn-north-1:111122223333:a1b2c3d4e5/*"),
    ("/*/*/*", "arn:aws-cn:execute-api:cn-north-1:111122223333:a1b2c3d4e5/*/*/*"),
    ("/*/GET/orders", "arn:aws-cn:execute-api:cn-north-1:111122223333:a1b2c3d4e5/*/GET/orders"),
])
def test_the_source_arn_is_the_apis_execute_api_arn_in_both_styles(style, scope, arn):
    node = source_arn("Api", scope=scope, style=style)
    assert next(iter(node)) == ("Fn::Sub" if style == "sub" else "Fn::Join")
    assert resolve(node, VALUES) == arn


def test_the_source_arn_uses_pseudo_parameters_not_literals():
    text = source_arn("Api", scope="/*")["Fn::Sub"]
    assert "arn:aws:" not in text and re.search(r"\d{12}", text) is None
    assert {"${AWS::Partition}", "${AWS::Region}", "${AWS::AccountId}", "${Api}"} <= set(re.findall(r"\$\{[^}]+\}", text))


@pytest.mark.parametrize("taken,want", [
    (set(), "Perm"), ({"Perm"}, "Perm2"), ({"Perm", "Perm2", "Perm3"}, "Perm4"),
    ({"Perm2"}, "Perm"),  # a gap is not filled from the stem's number
    ({"Perm", "Perm3"}, "Perm2"),
])
def test_unique_id(taken, want):
    assert unique_id("Perm", taken) == want


def test_unique_id_takes_any_container():
    assert unique_id("A", {"A": 1}) == "A2"
    assert unique_id("A", ["A", "A2"]) == "A3"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_content_hash_is_sha256_of_sorted_json():
    body = {"swagger": "2.0", "paths": {"/b": {}, "/a": {"get": {"x": [1, "\u00e9"]}}}}
    compact = '{"paths":{"/a":{"get":{"x":[1,"\\u00e9"]}},"/b":{}},"swagger":"2.0"}'
    default = '{"paths": {"/a": {"get": {"x": [1, "\\u00e9"]}}, "/b": {}}, "swagger": "2.0"}'
    assert content_hash(body, length=64, compact=True) == sha(compact)
    assert content_hash(body, length=64, compact=False) == sha(default)
    assert content_hash(body, length=8, compact=True) == sha(compact)[:8]
    assert content_hash(body, length=10, compact=False) == sha(default)[:10]


def test_content_hash_of_an_empty_body():
    # SHA-256 of the two bytes "{}"
    assert content_hash({}, length=64, compact=True) == "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"


def test_content_hash_ignores_key_order_and_sees_every_value():
    a = {"x": 1, "y": {"p": [1, 2]}}
    b = {"y": {"p": [1, 2]}, "x": 1}
    assert content_hash(a, length=10, compact=False) == content_hash(b, length=10, compact=False)
    for changed in ({"x": 2, "y": {"p": [1, 2]}}, {"x": 1, "y": {"p": [2, 1]}}, {"x": "1", "y": {"p": [1, 2]}}):
        assert content_hash(changed, length=10, compact=False) != content_hash(a, length=10, compact=False)


def test_content_hash_is_lowercase_hex_of_the_length_asked():
    h = content_hash({"a": 1}, length=10, compact=False)
    assert re.fullmatch(r"[0-9a-f]{10}", h)
