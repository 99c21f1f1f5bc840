"""exporter.shapes: the load-time checks accept every form CloudFormation accepts, refuse the rest
with the pointer of the first bad node, and walk_tree's depth limit holds."""

from __future__ import annotations

import pytest

from exporter.shapes import TooDeep, body_problem, float_problem, int_digits, int_problem, intrinsic_problem, template_problem, walk_tree

# Forms CloudFormation takes (its docs' own examples): none may be refused.
VALID = [
    {"Ref": "AWS::Region"},
    {"Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}"},
    {"Fn::Sub": ["${A}-${B}", {"A": "x", "B": {"Ref": "B"}}]},
    {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::b"]]},
    {"Fn::Join": [",", {"Fn::GetAZs": ""}]},
    {"Fn::GetAtt": ["Fn", "Arn"]},
    {"Fn::GetAtt": ["Fn", {"Ref": "Attr"}]},
    {"Fn::GetAtt": "Fn.Arn"},
    {"Fn::If": ["IsProd", "a", {"Ref": "AWS::NoValue"}]},
    {"Fn::Select": [0, {"Fn::GetAZs": ""}]},
    {"Fn::Select": ["1", ["a", "b"]]},
    {"Fn::Split": ["|", {"Fn::ImportValue": "Stack-Out"}]},
    {"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "Ami"]},
    {"Fn::FindInMap": ["M", "a", "b", {"DefaultValue": "x"}]},
    {"Fn::Base64": {"Fn::Sub": "echo ${AWS::StackName}"}},
    {"Fn::GetAZs": ""},
    {"Fn::ImportValue": {"Fn::Sub": "${Net}-VpcId"}},
    {"Fn::Cidr": ["10.0.0.0/16", 6, 5]},
    {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
    {"Fn::Not": [{"Condition": "IsProd"}]},
    {"Fn::And": [{"Condition": "A"}, {"Condition": "B"}]},
    {"Fn::ToJsonString": {"a": [1, 2]}},
    {"Fn::Length": [1, 2]},
    {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "s3://b/k"}}},
    {"Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}},  # a policy's Condition: data
]


@pytest.mark.parametrize("node", VALID, ids=[next(iter(v)) + str(i) for i, v in enumerate(VALID)])
def test_forms_cloudformation_takes_are_accepted(node):
    assert intrinsic_problem(node) is None
    assert walk_tree({"Resources": {"R": {"Type": "T", "Properties": {"P": [node]}}}}, 128) is None


@pytest.mark.parametrize("node,expect", [
    ({"Fn::Sub": []}, "Fn::Sub takes a string, or [string, {variables}], got an empty list"),
    ({"Fn::Sub": ["x"]}, "got a list [string]"),
    ({"Fn::Join": ["", 5]}, "Fn::Join takes [delimiter string, [values]], got a list [string, number]"),
    ({"Fn::GetAtt": "NoDot"}, "Fn::GetAtt takes"),
    ({"Fn::GetAtt": ["A"]}, "got a list [string]"),
    ({"Fn::Select": [True, ["a"]]}, "Fn::Select takes [index, [values]]"),
    ({"Fn::And": [{"Condition": "A"}]}, "Fn::And takes"),
    ({"Ref": ""}, "Ref takes"),
])
def test_malformed_intrinsics_are_named(node, expect):
    assert expect in intrinsic_problem(node)


def test_walk_tree_gives_the_pointer_of_the_first_bad_intrinsic_in_document_order():
    data = {"Resources": {"A~/B": {"Properties": {"L": [{"Ref": "ok"}, {"Fn::Sub": 5}]}}, "Z": {"Fn::GetAtt": 5}}}
    pointer, problem = walk_tree(data, 128)
    assert pointer == "/Resources/A~0~1B/Properties/L/1"
    assert problem == "Fn::Sub takes a string, or [string, {variables}], got a number"


def test_walk_tree_depth_limit():
    node: object = "v"
    for _ in range(10):
        node = {"k": node}  # 10 mappings: depths 0..9
    assert walk_tree(node, 9) is None
    with pytest.raises(TooDeep):
        walk_tree(node, 8)


def test_template_sections_and_resources():
    api = {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": {"paths": {}}}}
    ok = {"Resources": {"Api": api, "Fn::Transform": {"Name": "AWS::Include"}, "Fn::ForEach::Q": ["Q", ["a"], {}]}}
    assert template_problem(ok) is None  # a transform's own keys are not resources
    assert template_problem({"Resources": {"Api": api, "D": {"Type": "AWS::ApiGateway::Deployment", "Properties": [1]}}}) == \
        ("/Resources/D/Properties", "a list [number], expected a mapping")
    sam = {"Type": "AWS::Serverless::Api", "Properties": {"DefinitionBody": {"securityDefinitions": []}}}
    assert template_problem({"Resources": {"S": sam}}) == \
        ("/Resources/S/Properties/DefinitionBody/securityDefinitions", "an empty list, expected a mapping")


def test_body_sections_take_intrinsics_for_any_value():
    assert body_problem({"x-amazon-apigateway-binary-media-types": {"Fn::If": ["C", ["a/b"], ["c/d"]]}}) is None
    assert body_problem({"x-amazon-apigateway-binary-media-types": "a/b"}) == \
        ("/x-amazon-apigateway-binary-media-types", "a string, expected a list")
    assert body_problem({"components": {"securitySchemes": {"k": [1]}}}) == \
        ("/components/securitySchemes/k", "a list [number], expected a mapping")


def test_int_digits_counts_the_value_not_its_text():
    for n in (0, 9, 10, 99, 10**4299, 10**4300 - 1, 10**4300, int("f" * 4000, 16), -(10**50)):
        assert int_digits(n) == _digits_slow(n), n.bit_length()
    assert int_problem(10**4300 - 1) is None
    assert int_problem(int("f" * 4000, 16)) == f"an integer of {_digits_slow(int('f' * 4000, 16)):,} digits is out of range"


def _digits_slow(n: int) -> int:
    """Digits without str(): the test's own count, independent of int_digits."""
    n, d = abs(n), 1
    while n >= 10:
        n //= 10
        d += 1
    return d


@pytest.mark.parametrize("text,problem", [
    ("1e999", "the number 1e999 is out of range (it would become Infinity)"),
    ("-1e999", "the number -1e999 is out of range (it would become Infinity)"),
    ("1e-999", "the number 1e-999 is out of range (it would become 0)"),
    ("-2.5E-400", "the number -2.5E-400 is out of range (it would become 0)"),
    ("0.0e-999", None), ("0e5", None), ("5e-324", None), ("1.5", None),
])
def test_float_range(text, problem):
    assert float_problem(text, float(text)) == problem
