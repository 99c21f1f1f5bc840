"""exporter.render.rules: `rules list` rows and `rules test` results, as text and as json."""

from __future__ import annotations

import json

import pytest

from exporter.render import rules as render
from exporter.rules.book import RuleRow
from exporter.rules.examples import ExampleResult

ROWS = [
    RuleRow("allow-aws-managed", 100, "built-in", False, True, "AWS-managed policies are the same everywhere", "rules/allow.yaml"),
    RuleRow("lambda-arn", 80, "user", True, False, "Lambda ARNs of the home account", "my/lambda-arn.yaml"),
    RuleRow("mine", 65, "user", False, False, "my own", "my/mine.yaml"),
]


def test_list_text_columns_tags_and_count():
    lines = render.list_text(ROWS).split("\n")
    w = len("allow-aws-managed")
    assert lines[0] == f"{'allow-aws-managed':<{w}}  100  built-in, allow-list  rules/allow.yaml"
    assert lines[1] == " " * w + "       AWS-managed policies are the same everywhere"
    assert lines[2] == f"{'lambda-arn':<{w}}   80  user, overrides built-in  my/lambda-arn.yaml"
    assert lines[4] == f"{'mine':<{w}}   65  user  my/mine.yaml"
    assert lines[-3:] == ["", "3 active rules, in the order they run (higher priority first)", ""]


def test_list_text_no_rules():
    assert render.list_text([]) == "\n0 active rules, in the order they run (higher priority first)\n"


def test_list_json_fields():
    data = json.loads(render.list_json(ROWS))
    assert data[1] == {"id": "lambda-arn", "priority": 80, "origin": "user", "overrides_builtin": True, "allow": False,
                       "description": "Lambda ARNs of the home account", "source": "my/lambda-arn.yaml"}
    assert [r["id"] for r in data] == ["allow-aws-managed", "lambda-arn", "mine"]
    assert data[0]["allow"] is True


RESULTS = [
    ExampleResult("a", "one", True, "", "a.yaml", "/p"),
    ExampleResult("a", "two", True, "", "a.yaml", "/p"),
    ExampleResult("b", "three", False, "expected X, got Y", "b.yaml", "/paths/~1x"),
    ExampleResult("b", "four", True, "", "b.yaml", "/p"),
]


def test_tests_text_per_rule_and_failures_with_where_and_why():
    assert render.tests_text(RESULTS) == (
        "✓ a  2/2 examples  (a.yaml)\n"
        "✗ b  1/2 examples  (b.yaml)\n"
        "    ✗ three at /paths/~1x\n"
        "      expected X, got Y\n"
        "\n"
        "2 rules, 4 examples: 3 passed, 1 failed (1 rule failing)\n"
    )


def test_tests_text_plural_failing_rules():
    results = [ExampleResult("a", "x", False, "m", "a.yaml"), ExampleResult("b", "y", False, "n", "b.yaml")]
    assert render.tests_text(results).endswith("2 rules, 2 examples: 0 passed, 2 failed (2 rules failing)\n")


def test_tests_text_all_pass_says_no_failing_rules():
    out = render.tests_text(RESULTS[:2])
    assert out.endswith(" 2 examples: 2 passed, 0 failed\n")
    assert "✗" not in out and "failing" not in out


def test_tests_text_one_rule_is_singular():
    assert render.tests_text(RESULTS[:2]).endswith("\n1 rule, 2 examples: 2 passed, 0 failed\n")


def test_tests_json_counts_and_rows():
    data = json.loads(render.tests_json(RESULTS))
    assert data["passed"] == 3 and data["failed"] == 1
    assert data["results"][2] == {"rule": "b", "example": "three", "ok": False, "message": "expected X, got Y",
                                  "pointer": "/paths/~1x", "source": "b.yaml"}
    assert len(data["results"]) == 4
