"""The audit's findings: text (one per line, file:line: pointer: kind value) and json (a report object)."""

from __future__ import annotations

import json as _json
from typing import Any


def text(report: Any) -> str:
    from exporter.render import text_lines

    lines = []
    for f in report.findings:
        where = f"{f.file}:{f.line}" if f.line else f"{f.file}"
        lines.append(f"{where}: {f.pointer or '/'}: {f.kind} {f.value}")
    return text_lines(lines)


def json(report: Any) -> str:
    out = {
        "findings": [{"file": f.file, "line": f.line, "pointer": f.pointer, "kind": f.kind, "value": f.value} for f in report.findings],
        "errors": [{"file": e.file, "line": e.line, "message": e.message} for e in report.errors],
    }
    return _json.dumps(out, indent=2, ensure_ascii=False) + "\n"
