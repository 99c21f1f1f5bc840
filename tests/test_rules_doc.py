"""exporter.rules.doc: docs/rules.md is generated from the schema the validator enforces; this fails when they drift."""

from __future__ import annotations

from conftest import ROOT
from exporter.rules.doc import render_rules_reference
from exporter.rules import EXAMPLE_FIELDS, FIELDS, GROUP_KINDS, MACROS


def test_rules_reference_matches_the_code():
    doc = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert doc == render_rules_reference(), "docs/rules.md is stale: run python scripts/gen_rules_doc.py and review the diff"


def test_rules_reference_names_every_field_kind_and_macro():
    doc = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    for name in sorted(FIELDS | EXAMPLE_FIELDS):
        assert f"| `{name}` |" in doc, name
    for kind in GROUP_KINDS:
        assert f"`{kind}" in doc or f"`param_<Name>`" in doc, kind
    for macro in MACROS:
        assert f"`{{{{{macro}}}}}`" in doc, macro
