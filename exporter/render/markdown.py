"""The preview as one GitHub pull-request comment (at most 65,536 characters), in the habits of
cdk-notifier and tfcmt: an invisible marker a sticky-comment action finds, a first line with the
counts and the risk, a table of routes with their risk, and each route's diff in a <details> of its own.

Everything that comes from the export or the template (path names, descriptions, VTL, ARNs, file
names) goes through `text()`/`code()`: HTML-escaped, with every character Markdown would act on
written as an entity, newlines and control characters made visible, and `@` kept from mentioning
anyone. Diffs sit in fences longer than any backtick run they hold. So a path like
``/a|b`<script>`@team`` cannot break a table, open an element or ping a team.

Sections are built whole, then fitted: when everything does not fit, each section gets a share
of the room (small sections keep all of theirs, the rest is split among the large ones) and is
cut between rows, never inside a table row or a code block, with a note saying how much was left
out and how to see all of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from exporter.errors import printable
from exporter.diff import ADDED, CHANGED, REMOVED, RENAMED, REWRITTEN, UNCHANGED, Preview, brief
from exporter.render import SECURITY_ONLY, change_summary, security_summary, short_where, summary, up_to_date

LIMIT = 65_536  # GitHub's comment limit, in characters
ICON = {ADDED: "🟢 added", CHANGED: "🟡 changed", REMOVED: "🔴 removed", UNCHANGED: "unchanged", REWRITTEN: "rewritten",
        RENAMED: "🔵 renamed"}
SEVERITY = {"high": "🔴 **high**", "medium": "🟠 **medium**"}
RISK = {"high": "🔴 high", "medium": "🟠 medium"}
RANK = {"high": 2, "medium": 1}
# What Markdown (GitHub's, with its extensions) would act on inside a line, and the entity it becomes:
# CommonMark reads an entity as its character, never as syntax. Emphasis, code spans, links, tables,
# strikethrough, math ($), HTML, autolinks (://, www.) and mentions (@, made inert by a zero-width
# space, as Renovate does). Line-start syntax (#, -, 1.) cannot occur: nothing untrusted starts a line.
_INERT = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "@": "@&#8203;",
          "://": "&#58;//", "www.": "www&#46;", **{c: f"&#{ord(c)};" for c in "\\`*_[]|~$"}}
_INERT_RX = re.compile("|".join(re.escape(k) for k in sorted(_INERT, key=len, reverse=True)), re.IGNORECASE)


# GitHub also links, after rendering, what reads as a reference in text: an issue (#1, org/repo#1, GH-1),
# which notifies it, and a commit id (7 to 40 hex digits). A zero-width space, as for @, breaks each one
# (a hex run every 6 digits: no piece is long enough to name a commit). Entities (&#39;) are left alone.
# A run of digits alone (an account id, a port) is left whole: readers copy those, and a commit whose id
# starts with such a run is as unlikely as a clash of random ids.
_REFERENCE_RX = re.compile(r"(?<!&)#(?=[0-9])|\bGH-(?=[0-9])|(?<![0-9A-Za-z])(?=[0-9]*[a-f])[0-9a-f]{7,40}(?![0-9A-Za-z])", re.IGNORECASE)


def _unlinked(m: re.Match) -> str:
    ref = m.group()
    if ref.endswith(("#", "-")):
        return ref + "&#8203;"
    return "&#8203;".join(ref[i:i + 6] for i in range(0, len(ref), 6))


def _inert(value: object) -> str:
    out = printable(str(value))
    return _INERT_RX.sub(lambda m: _INERT.get(m.group(), m.group()[:3] + "&#46;"), out)


def text(value: object) -> str:
    """Untrusted text as inert Markdown: it reads as written and can do nothing else."""
    return _REFERENCE_RX.sub(_unlinked, _inert(value))


def code(value: object, limit: int = 0) -> str:
    """Untrusted text in <code> (GitHub neither mentions nor links inside code)."""
    return "<code>" + _inert(brief(value, limit) if limit else value) + "</code>"


def cell(value: object, limit: int = 80) -> str:
    """A table cell holding a value: code, cut to `limit` characters, unable to break the row."""
    return code(value if isinstance(value, str) and limit == 0 else brief(value, limit))


def _marker(preview: Preview) -> str:
    # An HTML comment cannot hold "--"; a sticky-comment action finds the comment by this line.
    name = re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9._/-]+", "_", f"{preview.template.rsplit('/', 1)[-1]} {preview.api}"))
    return f"<!-- export-to-cfn preview: {name} -->\n"


def _route_risk(p: Preview) -> dict[str, str]:
    out: dict[str, str] = {}
    for f in p.security:
        if RANK.get(f.severity, 0) > RANK.get(out.get(f.route, ""), 0):
            out[f.route] = f.severity
    return out


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
    risk = _route_risk(p)
    security_only = [r.name for r in p.security_only()]
    rows = []
    for r in p.routes:
        if r.name in security_only:  # the Body leaves it alone, an authorizer it uses changes: a reviewer must see it
            rows.append(f"| {code(r.name)} | 🔐 {SECURITY_ONLY} | {RISK.get(risk.get(r.name, ''), '—')} | {text(security_summary(p, r))} |\n")
        elif r.status != UNCHANGED or r.note:
            rows.append(f"| {code(r.name)} | {ICON[r.status]} | {RISK.get(risk.get(r.name, ''), '—')} | {text(change_summary(r))} |\n")
    unchanged = sum(1 for r in p.routes if r.status == UNCHANGED and not r.note and r.name not in security_only)
    if not rows:
        return Section(f"All {unchanged} routes unchanged.\n\n", [])
    tail = f"\n{unchanged} route(s) unchanged.\n\n" if unchanged else "\n"
    return Section("| Route | Status | Risk | Changes |\n|---|---|---|---|\n", rows, tail, "routes")


def _security(p: Preview) -> Section:
    head = f"### Security ({len(p.security)})\n\n"
    if not p.security:
        return Section(head + "No security-relevant changes.\n\n", [])
    ordered = sorted(p.security, key=lambda f: -RANK.get(f.severity, 0))  # high first; stable within a severity
    rows = [f"- {SEVERITY.get(f.severity, text(f.severity))} {code(f.route)}: {text(f.message)}\n" for f in ordered]
    return Section(head, rows, "\n", "security findings")


def _rewrites(p: Preview) -> Section:
    if not p.rewrites:
        return Section("", [])
    head = (f"### Rewrites: literal → intrinsic ({len(p.rewrites)})\n\n"
            "| Rule | Where | Before | After |\n|---|---|---|---|\n")
    rows = [f"| {code(w.rule)} | {(code(w.route) + ' ') if w.route else ''}{cell(short_where(w.where), 60)} | {cell(w.before, 70)} | {cell(w.after, 90)} |\n"
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
        if o.renamed_from:
            what = f"from {o.renamed_from}" + (f"; {what}" if what else "")
        rows.append(f"| {code(o.file.rsplit('/', 1)[-1])} | {cell(label, 60)} | {ICON[o.status]} | {text(what)} |\n")
    return Section(head, rows, "\n", "changes")


def _fence(lines: list[str]) -> str:
    body = "\n".join(printable(line) for line in lines)
    ticks = "```"
    while ticks in body:
        ticks += "`"
    return f"{ticks}diff\n{body}\n{ticks}\n"


def _details(summary_html: str, body: str) -> str:
    # blank lines around the body: GitHub renders Markdown inside <details> only then
    return f"<details>\n<summary>{summary_html}</summary>\n\n{body}\n</details>\n\n"


def _diffs(p: Preview) -> Section:
    risk = _route_risk(p)
    blocks = []
    for r in p.routes:
        if not r.diff:
            continue
        body = _fence(r.diff)
        for c in r.changes:
            if c.lines:
                body += f"\nTemplate {code(c.where)}, line by line:\n\n" + _fence(c.lines)
        label = ICON[r.status] + (f" · {RISK[risk[r.name]]} risk" if r.name in risk else "")
        blocks.append(_details(f"{code(r.name)} {label}", body))
    for o in p.other:
        if o.diff:
            name = f"{o.section + '.' if o.section else ''}{o.name}"
            blocks.append(_details(f"{code(name)} ({text(o.file)}) {ICON[o.status]}", _fence(o.diff)))
    if not blocks:
        return Section("", [])
    return Section(f"### Diff ({len(blocks)} routes and sections)\n\n", blocks, "", "diff blocks")


def _share(sizes: list[int], room: int) -> list[int]:
    """Split `room` among sections: each gets its size or an equal share of what is left."""
    out = [0] * len(sizes)
    left = room
    order = sorted(range(len(sizes)), key=lambda i: sizes[i])
    for n, i in enumerate(order):
        out[i] = min(sizes[i], left // (len(order) - n))
        left -= out[i]
    return out


def headline(preview: Preview) -> str:
    """The first line: the overall risk, the route counts and the security findings by severity."""
    by = {sev: sum(1 for f in preview.security if f.severity == sev) for sev in RANK}
    top = max((f.severity for f in preview.security), key=lambda s: RANK.get(s, 0), default=None)
    risk = f"{RISK[top]} risk" if top in RISK else "🟢 no security findings"
    security = ", ".join(f"{n} {sev}" for sev, n in by.items())
    return f"**{risk}** · {summary(preview)} · security: {security}"


def render(preview: Preview, limit: int = LIMIT) -> str:
    title = _marker(preview) + f"### export-to-cfn: {code(preview.template.rsplit('/', 1)[-1])} ({text(preview.api)})\n\n"
    if not preview.changed:
        said = up_to_date(preview)
        return title + f"No changes: {said if preview.template_written else text(said)}.\n"
    head = title + headline(preview) + "\n\n"
    files = "Files that would change: " + ", ".join(code(f) for f in preview.files) + "\n"
    if len(files) > 2000:
        files = f"{len(preview.files)} files would change.\n"
    sections = [_routes(preview), _security(preview), _other(preview), _rewrites(preview), _diffs(preview)]
    room = limit - len(head) - len(files) - 1024  # room for cut notes and GitHub's own counting
    shares = _share([len(s.text()) for s in sections], room)
    return head + "".join(s.fit(r) for s, r in zip(sections, shares)) + files
