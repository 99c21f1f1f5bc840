"""The preview for a terminal: routes, the changes under each, security, rewrites, other
changes, then a unified diff per route. Plain text: the CLI colours it on a terminal
(exporter.cli.output.colorize)."""

from __future__ import annotations

from exporter.diff import ADDED, CHANGED, REMOVED, RENAMED, REWRITTEN, Change, Preview, brief
from exporter.render import SECURITY_ONLY, change_summary, security_summary, summary, text_lines, up_to_date

MARK = {ADDED: "+", REMOVED: "-", CHANGED: "~", REWRITTEN: "≈", RENAMED: ">", "unchanged": "="}


def _change_lines(c: Change, indent: str) -> list[str]:
    label = c.where or "(value)"
    if c.kind == ADDED:
        head = f"{indent}+ {label}: {brief(c.after, 100)}"
    elif c.kind == REMOVED:
        head = f"{indent}- {label}: {brief(c.before, 100)}"
    elif c.kind == REWRITTEN:
        head = f"{indent}≈ {label}: {brief(c.before, 60)} -> {brief(c.after, 100)} (same deployed value)"
    else:
        head = f"{indent}~ {label}: {brief(c.before, 60)} -> {brief(c.after, 100)}"
    return [head] + [f"{indent}    {line}" for line in c.lines]


def render(preview: Preview) -> str:
    out = [f"export-to-cfn diff: {preview.template} ({preview.api})"]
    if not preview.changed:
        out.append(f"no changes: {up_to_date(preview)}")
        return text_lines(out)
    out.append(summary(preview))
    out += ["", "Routes"]
    width = max((len(r.name) for r in preview.routes), default=0)
    security_only = [r.name for r in preview.security_only()]
    for r in preview.routes:
        if r.name in security_only:
            out.append(f"  ! {r.name.ljust(width)}  {SECURITY_ONLY}: {security_summary(preview, r)}")
            continue
        detail = change_summary(r)
        out.append(f"  {MARK[r.status]} {r.name.ljust(width)}  {r.status}" + (f": {detail}" if detail else ""))
    touched = [r for r in preview.routes if r.changes]
    if touched:
        out += ["", "Changes"]
        for r in touched:
            out.append(f"{MARK[r.status]} {r.name}")
            for c in r.changes:
                out += _change_lines(c, "    ")
    out += ["", f"Security ({len(preview.security)})"]
    out += [f"  ! {f.severity:<6} {f}" for f in preview.security] or ["  no security-relevant changes"]
    if preview.rewrites:
        out += ["", f"Rewrites: literal -> intrinsic ({len(preview.rewrites)})"]
        for w in preview.rewrites:
            out.append(f"  [{w.rule}] {w.route + ' ' if w.route else ''}{w.where}: {brief(w.before, 60)} -> {brief(w.after, 100)}")
    if preview.other:
        out += ["", "Other changes (parameters, settings, other resources and files)"]
        for o in preview.other:
            label = f"{o.section}.{o.name}" if o.section else o.name
            status = f"{o.status} from {o.renamed_from}" if o.renamed_from else o.status
            out.append(f"{MARK[o.status]} {label} ({status}{', ' + o.file if o.file != preview.template else ''})")
            for c in o.changes:
                out += _change_lines(c, "    ")
    out += ["", "Files that would change"] + [f"  {f}" for f in preview.files]
    diffs = [r.diff for r in preview.routes if r.diff] + [o.diff for o in preview.other if o.diff]
    if diffs:
        out += ["", "Unified diff"]
        for d in diffs:
            out += d
    return text_lines(out)

