"""exporter.rules.examples: every rule's own examples, collected by glob: `pytest -k <rule-id>` runs
one rule. The built-ins and the rules the docs ship (docs/examples/*/solution/rules) are held to the
same bar."""

from __future__ import annotations

import pytest

from exporter.rules import BUILTIN_DIR, load_rule_file, load_rules
from exporter.rules.examples import run_example

DOC_RULES = sorted((BUILTIN_DIR.parent / "docs" / "examples").glob("*/solution/rules/*.yaml"))
ACTIVE = load_rules(DOC_RULES)
RULE_FILES = sorted(BUILTIN_DIR.glob("*.yaml")) + DOC_RULES


def _cases():
    for f in RULE_FILES:
        rule = load_rule_file(f)
        for ex in rule.examples:
            yield pytest.param(rule, ex, id=f"{rule.id}-{ex.name}")


@pytest.mark.parametrize("rule,example", list(_cases()))
def test_rule_example(rule, example):
    result = run_example(rule, example, ACTIVE)
    assert result.ok, f"{rule.id} / {example.name} ({rule.source}): {result.message}"


def test_docs_ship_a_rule():
    assert DOC_RULES, "docs/examples/*/solution/rules/*.yaml: the guide's rule is missing"
