"""exporter.resolve: intrinsics to values, and the names a node uses."""

from __future__ import annotations

import pytest

from exporter.resolve import INTRINSICS, Unresolved, names_used, resolve

VALUES = {"AWS::Region": "eu-west-1", "AWS::AccountId": "123456789012", "env": "dev", "Fn.Arn": "arn:x"}


def test_sub_join_select_and_getatt():
    assert resolve({"Fn::Sub": "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:q-${env}"}, VALUES) == "arn:aws:sqs:eu-west-1:123456789012:q-dev"
    assert resolve({"Fn::Sub": ["${A}-${env}", {"A": {"Ref": "env"}}]}, VALUES) == "dev-dev"
    assert resolve({"Fn::Join": ["-", ["a", {"Ref": "env"}]]}, VALUES) == "a-dev"
    assert resolve({"Fn::Select": [1, ["a", "b"]]}, VALUES) == "b"
    assert resolve({"Fn::GetAtt": ["Fn", "Arn"]}, VALUES) == "arn:x"


def test_literal_dollar_brace_stays_literal():
    assert resolve({"Fn::Sub": "${!Literal}"}, VALUES) == "${Literal}"


def test_an_unknown_name_is_unresolved_not_guessed():
    with pytest.raises(Unresolved):
        resolve({"Ref": "Nope"}, VALUES)


def test_names_used_sees_refs_subs_and_getatts():
    node = {"a": {"Ref": "X"}, "b": [{"Fn::Sub": "${Y}.${AWS::Region}${!Z}"}, {"Fn::GetAtt": ["W", "Arn"]}]}
    assert {"X", "Y", "AWS::Region"} <= names_used(node)
    assert "Z" not in names_used(node)
    assert {"Ref", "Fn::Sub", "Fn::Join"} <= INTRINSICS


def test_a_condition_that_is_not_a_name_is_data():
    """{"Condition": {...}} is a policy's condition block (or a model property named Condition), not
    the Condition function: resolved as data, never looked up as a condition name (TypeError)."""
    node = {"Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}}
    assert resolve(node, {}, {"Conditions": {"IsProd": True}}) == node
