"""exporter.rules.schema: the rule file format (SCHEMA, EXAMPLE_SCHEMA) agrees with what the loader
accepts, the id shape, the examples' default context and pointer, and a loaded Rule's behaviour."""

from __future__ import annotations

import re

import pytest

from exporter import aws
from exporter.errors import UserError
from exporter.io.rulefiles import BUILTIN_DIR
from exporter.rules.loader import load_rule_file, parse_rule
from exporter.rules.schema import (DEFAULT_POINTER, EXAMPLE_CONTEXT, EXAMPLE_FIELDS, EXAMPLE_SCHEMA, FIELDS, ID_RE,
                                   SCHEMA, Rule, is_builtin)

RULE = {
    "id": "my-queue",
    "description": "The home account's SQS queue URLs in integrations.",
    "where": ["$..x-amazon-apigateway-integration.uri"],
    "priority": 70,
    "match": r"https://sqs\.(?P<region>{{region}})\.amazonaws\.com/(?P<account>{{account}})/",
    "examples": {
        "rewrites": [{"input": "https://sqs.us-east-1.amazonaws.com/123456789012/q",
                      "output": {"Fn::Sub": "https://sqs.${AWS::Region}.amazonaws.com/${AWS::AccountId}/q"}}],
        "unchanged": ["https://example.com/q"],
    },
}


@pytest.mark.parametrize("rid", ["a", "sqs-queue-url", "a1-b2-c3", "9lives"])
def test_id_re_accepts_kebab_case(rid):
    assert ID_RE.match(rid)


@pytest.mark.parametrize("rid", ["", "A", "SqsQueue", "a_b", "-a", "a-", "a--b", "a b", "a.b"])
def test_id_re_refuses_anything_else(rid):
    assert not ID_RE.match(rid)


def test_field_names_are_unique_and_the_sets_match():
    assert len(FIELDS) == len(SCHEMA) and FIELDS == {f.name for f in SCHEMA}
    assert EXAMPLE_FIELDS == {f.name for f in EXAMPLE_SCHEMA}


def test_the_hand_written_rule_loads():
    rule = parse_rule(dict(RULE), "my-queue.yaml")
    assert (rule.id, rule.priority, rule.allow, rule.becomes) == ("my-queue", 70, False, None)
    assert len(rule.examples) == 2


@pytest.mark.parametrize("name", [f.name for f in SCHEMA if f.required])
def test_every_required_field_is_required_by_the_loader(name):
    data = {k: v for k, v in RULE.items() if k != name}
    with pytest.raises(UserError, match=f"field '{name}'"):
        parse_rule(data, "my-queue.yaml")


@pytest.mark.parametrize("name", [f.name for f in SCHEMA if not f.required and f.name in RULE])
def test_every_optional_field_may_be_left_out(name):
    data = {k: v for k, v in RULE.items() if k != name}
    parse_rule(data, "my-queue.yaml")


def test_the_documented_default_priority_is_the_loaded_one():
    documented = next(f.default for f in SCHEMA if f.name == "priority")
    rule = parse_rule({k: v for k, v in RULE.items() if k != "priority"}, "my-queue.yaml")
    assert str(rule.priority) == documented == "50"


def test_a_field_outside_the_schema_is_refused():
    with pytest.raises(UserError, match="field 'prority': unknown"):
        parse_rule({**RULE, "prority": 3}, "my-queue.yaml")


@pytest.mark.parametrize("section", [f.name for f in EXAMPLE_SCHEMA if f.required])
def test_every_required_example_section_is_required(section):
    data = {**RULE, "examples": {k: v for k, v in RULE["examples"].items() if k != section}}
    with pytest.raises(UserError):
        parse_rule(data, "my-queue.yaml")


def test_example_context_is_a_valid_home():
    assert re.fullmatch(aws.ACCOUNT, EXAMPLE_CONTEXT["account"])
    assert re.fullmatch(aws.REGION, EXAMPLE_CONTEXT["region"])
    assert re.fullmatch(aws.PARTITION, EXAMPLE_CONTEXT["partition"])
    assert set(EXAMPLE_CONTEXT) == {"account", "region", "partition", "env", "api_id"}
    # an API id is 10 lowercase letters and digits
    assert re.fullmatch(r"[a-z0-9]{10}", EXAMPLE_CONTEXT["api_id"])


def test_default_pointer_is_a_json_pointer_to_a_request_template():
    parts = [p.replace("~1", "/").replace("~0", "~") for p in DEFAULT_POINTER.split("/")[1:]]
    assert parts == ["paths", "/example", "post", "x-amazon-apigateway-integration", "requestTemplates", "application/json"]


def test_compile_match_fills_macros_and_needs_env_when_used():
    rule = Rule("r", "d", "/user/r.yaml", "orders-(?P<env>{{env}})", [], uses_env=True)
    assert rule.compile_match(None) is None
    rx = rule.compile_match("dev")
    assert rx.search("table orders-dev").group("env") == "dev"
    assert rx.search("orders-prod") is None


def test_compile_match_region_macro():
    rule = Rule("r", "d", "/user/r.yaml", "(?P<region>{{region}})", [])
    rx = rule.compile_match(None)
    assert rx.search("in eu-west-2 now").group("region") == "eu-west-2"


def test_compile_match_user_rules_run_on_regex_builtins_on_re():
    user = Rule("r", "d", "/user/r.yaml", "abc", []).compile_match(None)
    builtin = Rule("r", "d", str(BUILTIN_DIR / "r.yaml"), "abc", []).compile_match(None)
    assert isinstance(builtin, re.Pattern)
    assert not isinstance(user, re.Pattern)  # `regex`, whose matches can be stopped
    assert user.search("xabcx") and builtin.search("xabcx")


def test_applies_at():
    everywhere = Rule("r", "d", "s", "x", [])
    assert everywhere.applies_at("/anything")
    only = Rule("r", "d", "s", "x", [], pointer_re=re.compile(r"^/paths/[^/]+/get"))
    assert only.applies_at("/paths/~1a/get/uri")
    assert not only.applies_at("/paths/~1a/post/uri")


def test_applies_at_from_where():
    rule = parse_rule(dict(RULE), "my-queue.yaml")
    assert rule.applies_at("/paths/~1o/get/x-amazon-apigateway-integration/uri")
    assert not rule.applies_at("/paths/~1o/get/x-amazon-apigateway-integration/credentials")


def test_is_builtin():
    assert is_builtin(load_rule_file(BUILTIN_DIR / "home-region.yaml"))
    assert not is_builtin(parse_rule(dict(RULE), "/tmp/my-queue.yaml"))
