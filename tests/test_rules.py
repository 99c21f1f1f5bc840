"""Every rule's own examples, collected by glob: `pytest -k <rule-id>` runs one rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from exporter.rules import BUILTIN_DIR, load_rule_file, load_rules
from exporter.ruletest import run_example

ACTIVE = load_rules()
RULE_FILES = sorted(BUILTIN_DIR.glob("*.yaml"))


def _cases():
    for f in RULE_FILES:
        rule = load_rule_file(f)
        for ex in rule.examples:
            yield pytest.param(rule, ex, id=f"{rule.id}-{ex.name}")


@pytest.mark.parametrize("rule,example", list(_cases()))
def test_rule_example(rule, example):
    result = run_example(rule, example, ACTIVE)
    assert result.ok, f"{rule.id} / {example.name} ({rule.source}): {result.message}"


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_rule_has_description_and_both_kinds_of_example(path: Path):
    rule = load_rule_file(path)
    assert len(rule.description) >= 10
    assert any(not e.unchanged for e in rule.examples), "needs a rewriting example"
    assert any(e.unchanged for e in rule.examples), "needs an unchanged example"
