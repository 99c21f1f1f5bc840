"""The preview as one GitHub pull-request comment (at most 65,536 characters).

Sections are built whole, then fitted: when everything does not fit, each section gets a share
of the room (small sections keep all of theirs, the rest is split among the large ones) and is
cut between rows, never inside a table row or a code block, with a note saying how much was left
out and how to see all of it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from exporter.diff import ADDED, CHANGED, REMOVED, REWRITTEN, UNCHANGED, Preview, brief
from exporter.render import change_summary, short_where, summary

LIMIT = 65_536  # GitHub's comment limit, in characters
ICON = {ADDED: "🟢 added", CHANGED: "🟡 changed", REMOVED: "🔴 removed", UNCHANGED: "unchanged", REWRITTEN: "rewritten"}
SEVERITY = {"high": "🔴 **high**", "medium": "🟠 **medium**"}


def cell(value: object, limit: int = 80) -> str:
    """A table cell holding a value: code, HTML-escaped, no pipe or newline to break the row."""
    text = value if isinstance(value, str) and limit == 0 else brief(value, limit)
    return "<code>" + html.escape(str(text), quote=False).replace("|", "&#124;") + "</code>"


@dataclass
class Section:
    head: str  # heading, intro, table header: kept whole
    rows: list[str]  # atomic blocks: a table row, a list item, one route's diff
    tail: str = ""  # closes what head opened (a table's blank line, </details>)
    what: str = "rows"

    def text(self, keep: int | None = None) -> str:
        rows = self.rows if keep is None else self.rows[:keep]
        out = self.head + "".join(rows) + self.tail
        if keep is not None and keep < len(self.rows):
            out += self.note(len(self.rows) - keep)
        return out

    def note(self, left: int) -> str:
        return (f"\n> ✂️ **{left:,} more {self.what} not shown** to fit one comment; run "
                f"`export-to-cfn diff … --format text` (or `--format json`) for the full preview.\n\n")

    def fit(self, room: int) -> str:
        """As many rows as fit in `room` characters (with the note), else just a note."""
        full = self.text()
        if len(full) <= room:
            return full
        used = len(self.head) + len(self.tail) + len(self.note(len(self.rows)))
        keep = 0
        for row in self.rows:
            if used + len(row) > room:
                break
            used += len(row)
            keep += 1
        if used > room:  # not even the heading fits
            return self.note(len(self.rows))
        return self.text(keep)


def _routes(p: Preview) -> Section:
    rows = [f"| `{r.name}` | {ICON[r.status]} | {html.escape(change_summary(r), quote=False).replace('|', '&#124;')} |\n"
            for r in p.routes if r.status != UNCHANGED or r.note]
    unchanged = sum(1 for r in p.routes if r.status == UNCHANGED and not r.note)
    if not rows:
        return Section(f"All {unchanged} routes unchanged.\n\n", [])
    tail = f"\n{unchanged} route(s) unchanged.\n\n" if unchanged else "\n"
    return Section("| Route | Status | Changes |\n|---|---|---|\n", rows, tail, "routes")


def _security(p: Preview) -> Section:
    head = f"### Security ({len(p.security)})\n\n"
    if not p.security:
        return Section(head + "No security-relevant changes.\n\n", [])
    rows = [f"- {SEVERITY.get(f.severity, f.severity)} `{f.route}`: {html.escape(f.message, quote=False)}\n" for f in p.security]
    return Section(head, rows, "\n", "security findings")


def _rewrites(p: Preview) -> Section:
    if not p.rewrites:
        return Section("", [])
    head = (f"### Rewrites: literal → intrinsic ({len(p.rewrites)})\n\n"
            "| Rule | Where | Before | After |\n|---|---|---|---|\n")
    rows = [f"| `{w.rule}` | {('`' + w.route + '` ') if w.route else ''}{cell(short_where(w.where), 60)} | {cell(w.before, 70)} | {cell(w.after, 90)} |\n"
            for w in p.rewrites]
    return Section(head, rows, "\n", "rewrites")


def _other(p: Preview) -> Section:
    if not p.other:
        return Section("", [])
    head = ("### Parameters, settings and other files\n\n"
            "| File | What | Status | Changes |\n|---|---|---|---|\n")
    rows = []
    for o in p.other:
        label = f"{o.section}.{o.name}" if o.section else o.name
        what = ", ".join(f"{c.where or 'value'} {c.kind}" for c in o.changes[:6]) + (" …" if len(o.changes) > 6 else "")
        rows.append(f"| `{o.file.rsplit('/', 1)[-1]}` | {cell(label, 60)} | {ICON[o.status]} | {html.escape(what, quote=False).replace('|', '&#124;')} |\n")
    return Section(head, rows, "\n", "changes")


def _fence(lines: list[str]) -> str:
    body = "\n".join(lines)
    ticks = "```"
    while ticks in body:
        ticks += "`"
    return f"{ticks}diff\n{body}\n{ticks}\n"


def _diffs(p: Preview) -> Section:
    blocks = []
    for r in p.routes:
        if not r.diff:
            continue
        block = f"**`{r.name}`**\n\n" + _fence(r.diff)
        for c in r.changes:
            if c.lines:
                block += f"\nTemplate `{c.where}`, line by line:\n\n" + _fence(c.lines)
        blocks.append(block + "\n")
    for o in p.other:
        if o.diff:
            blocks.append(f"**`{o.section + '.' if o.section else ''}{o.name}`** ({html.escape(o.file, quote=False)})\n\n" + _fence(o.diff) + "\n")
    if not blocks:
        return Section("", [])
    head = f"<details>\n<summary>Unified diff ({len(blocks)} routes and sections)</summary>\n\n"
    return Section(head, blocks, "</details>\n\n", "diff blocks")


def _share(sizes: list[int], room: int) -> list[int]:
    """Split `room` among sections: each gets its size or an equal share of what is left."""
    out = [0] * len(sizes)
    left = room
    order = sorted(range(len(sizes)), key=lambda i: sizes[i])
    for n, i in enumerate(order):
        out[i] = min(sizes[i], left // (len(order) - n))
        left -= out[i]
    return out


def render(preview: Preview, limit: int = LIMIT) -> str:
    title = f"### export-to-cfn: `{preview.template.rsplit('/', 1)[-1]}` ({preview.api})\n\n"
    if not preview.changed:
        return title + f"No changes: the template already matches the export ({summary(preview)}).\n"
    high = sum(1 for f in preview.security if f.severity == "high")
    head = title + f"**{summary(preview)}**" + (f" · ⚠️ {high} high-severity security finding(s)" if high else "") + "\n\n"
    files = "Files that would change: " + ", ".join(f"`{f}`" for f in preview.files) + "\n"
    if len(files) > 2000:
        files = f"{len(preview.files)} files would change.\n"
    sections = [_routes(preview), _security(preview), _other(preview), _rewrites(preview), _diffs(preview)]
    room = limit - len(head) - len(files) - 1024  # room for cut notes and GitHub's own counting
    shares = _share([len(s.text()) for s in sections], room)
    return head + "".join(s.fit(r) for s, r in zip(sections, shares)) + files
