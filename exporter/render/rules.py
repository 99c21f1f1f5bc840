"""Rules reports: `rules list` (the active rules) and `rules test` (each example's result), as text or json."""

from __future__ import annotations

import json as _json
from typing import Any

from exporter.render import text_lines


def list_text(rows: list[Any]) -> str:
    width = max((len(r.id) for r in rows), default=2)
    out = []
    for r in rows:
        tags = r.origin + (", overrides built-in" if r.overrides else "") + (", allow-list" if r.allow else "")
        out.append(f"{r.id:<{width}}  {r.priority:>3}  {tags}  {r.source}")
        out.append(f"{'':<{width}}       {r.description}")
    out += ["", f"{len(rows)} active rules, in the order they run (higher priority first)"]
    return text_lines(out)


def list_json(rows: list[Any]) -> str:
    return _json.dumps([{"id": r.id, "priority": r.priority, "origin": r.origin, "overrides_builtin": r.overrides,
                        "allow": r.allow, "description": r.description, "source": r.source} for r in rows], indent=2,
                       ensure_ascii=False) + "\n"  # as every JSON report: a non-ASCII path reads as itself


def tests_text(results: list[Any]) -> str:
    """Per rule: a ✓ line, or a ✗ line and each failing example with expected vs got."""
    lines: list[str] = []
    by_rule: dict[str, list[Any]] = {}
    for r in results:
        by_rule.setdefault(r.rule, []).append(r)
    for rid, rs in by_rule.items():
        failed = [r for r in rs if not r.ok]
        mark = "✗" if failed else "✓"
        lines.append(f"{mark} {rid}  {len(rs) - len(failed)}/{len(rs)} examples  ({rs[0].source})")
        for r in failed:
            lines.append(f"    ✗ {r.example} at {r.pointer}")
            lines.append(f"      {r.message}")
    passed = sum(r.ok for r in results)
    failed_rules = sum(1 for rs in by_rule.values() if any(not r.ok for r in rs))
    lines.append("")
    lines.append(f"{len(by_rule)} rule{'s' if len(by_rule) != 1 else ''}, {len(results)} example{'s' if len(results) != 1 else ''}: {passed} passed, {len(results) - passed} failed"
                 + (f" ({failed_rules} rule{'s' if failed_rules != 1 else ''} failing)" if failed_rules else ""))
    return text_lines(lines)


def tests_json(results: list[Any]) -> str:
    rows = [{"rule": r.rule, "example": r.example, "ok": r.ok, "message": r.message, "pointer": r.pointer, "source": r.source}
            for r in results]
    return _json.dumps({"passed": sum(r.ok for r in results), "failed": sum(not r.ok for r in results), "results": rows}, indent=2,
                       ensure_ascii=False) + "\n"
