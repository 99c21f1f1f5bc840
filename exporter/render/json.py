"""The preview for bots: stable keys, the template's own key order inside values."""

from __future__ import annotations

from exporter.diff import Change, Preview, plain
from exporter.io.write import pretty_json


def _change(c: Change) -> dict:
    return {"where": c.where, "kind": c.kind, "before": plain(c.before), "after": plain(c.after), "lines": c.lines}


def render(preview: Preview) -> str:
    data = {
        "template": preview.template,
        "api": preview.api,
        "changed": preview.changed,
        "summary": preview.counts(),
        "routes": [
            {"method": r.method, "path": r.path, "status": r.status, "changes": [_change(c) for c in r.changes],
             "note": r.note, "integration": r.integration, "diff": r.diff}
            for r in preview.routes
        ],
        "security": [{"method": f.method, "path": f.path, "severity": f.severity, "message": f.message} for f in preview.security],
        "rewrites": [{"pointer": w.pointer, "rule": w.rule, "before": w.before, "after": w.after, "route": w.route, "where": w.where}
                     for w in preview.rewrites],
        "other": [{"file": o.file, "section": o.section, "name": o.name, "status": o.status, "renamed_from": o.renamed_from,
                   "changes": [_change(c) for c in o.changes], "diff": o.diff} for o in preview.other],
        "files": [{"path": f} for f in preview.files],
    }
    return pretty_json(data, unit="  ", sep=": ", ensure_ascii=False) + "\n"  # = json.dumps(data, indent=2, ensure_ascii=False)
