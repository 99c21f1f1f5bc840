"""Write docs/rules.md from the rule schema in exporter/rules/ (schema, kinds, patterns). Run after
changing the schema; tests/test_rules_doc.py fails while the file and the code disagree."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from exporter.rules.doc import render_rules_reference  # noqa: E402

if __name__ == "__main__":
    target = ROOT / "docs" / "rules.md"
    target.write_text(render_rules_reference(), encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}")
