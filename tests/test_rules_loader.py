"""exporter.rules.loader: the bar every shipped rule passes (the built-ins and the rules the docs ship,
docs/examples/*/solution/rules) is enforced by the loader itself."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from exporter.errors import UserError
from exporter.io.yaml import parse_rt_text
from exporter.rules import BUILTIN_DIR, load_rule_file, parse_rule

DOC_RULES = sorted((BUILTIN_DIR.parent / "docs" / "examples").glob("*/solution/rules/*.yaml"))
RULE_FILES = sorted(BUILTIN_DIR.glob("*.yaml")) + DOC_RULES


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
