"""Every rule's own examples, collected by glob: `pytest -k <rule-id>` runs one rule. The built-ins
and the rules the docs ship (docs/examples/*/solution/rules) are held to the same bar."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from exporter.errors import UserError
from exporter.io.yaml import parse_rt_text
from exporter.rules import BUILTIN_DIR, check_pattern, load_rule_file, load_rules, parse_rule
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


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_rule_without_description_or_either_kind_of_example_is_refused(path: Path):
    """The bar every shipped rule passes is enforced by the loader itself: the same file, stripped of
    its description or of either kind of example, must not load."""
    data = parse_rt_text(path.read_text(encoding="utf-8"))
    for field, strip in (("description", lambda d: d.pop("description")),
                         ("rewrites", lambda d: d["examples"].pop("rewrites")),
                         ("unchanged", lambda d: d["examples"].pop("unchanged"))):
        broken = copy.deepcopy(data)
        strip(broken)
        with pytest.raises(UserError, match=r"field '(description|examples)'"):
            parse_rule(broken, str(path))
    assert load_rule_file(path).id == path.stem  # and the file as shipped loads


def test_docs_ship_a_rule():
    assert DOC_RULES, "docs/examples/*/solution/rules/*.yaml: the guide's rule is missing"


@pytest.mark.parametrize("pattern", [r"(?<name>x)", r"(?<![a-z])(?<account>\d{12})", r"(?<=a)(?P<region>b)"])
def test_short_named_groups_are_accepted(pattern):
    assert check_pattern(pattern) is None


@pytest.mark.parametrize("pattern,problem", [
    (r"(a+)+b", "nested unbounded repeats"),
    (r"(?:[a-z]+-?)*x", "nested unbounded repeats"),
    (r"(?:a|aa)+$", "alternatives or optional parts"),
    (r"(?:aa?)*b", "alternatives or optional parts"),
    (r"(?:x?a|a)+", "alternatives or optional parts"),
    (r"(?P<bogus>x)", "group 'bogus' has no known kind"),
])
def test_patterns_that_could_hang_or_mean_nothing_are_refused(pattern, problem):
    assert problem in (check_pattern(pattern) or "")


@pytest.mark.parametrize("pattern", [r"(?:action/[A-Za-z0-9]|path/x)+", r"(?:ab?)*c", r"(?:[^/]|/a)+", r"(\w|-)+"])
def test_repeats_with_disjoint_branches_are_fine(pattern):
    assert check_pattern(pattern) is None
