"""Renderers, one registry per report: the preview (text, markdown, json), the audit's findings
(text, json), the active rules and the rules' example results (text, json). A new format is one
module plus its line here."""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable

from exporter.diff import ADDED, CHANGED, REMOVED, REWRITTEN, UNCHANGED, Preview, RouteDiff
from exporter.errors import printable

REPORTS: dict[str, dict[str, str]] = {  # report -> format -> "module:function"
    "preview": {"text": "exporter.render.text:render", "markdown": "exporter.render.markdown:render", "json": "exporter.render.json:render"},
    "findings": {"text": "exporter.render.findings:text", "json": "exporter.render.findings:json", "sarif": "exporter.render.sarif:render_sarif"},
    "rules": {"text": "exporter.render.rules:list_text", "json": "exporter.render.rules:list_json"},
    "rule-tests": {"text": "exporter.render.rules:tests_text", "json": "exporter.render.rules:tests_json"},
}
FORMATS = tuple(REPORTS["preview"])
VERB = {ADDED: "added", REMOVED: "removed", CHANGED: "changed", REWRITTEN: "rewritten"}


def formats(report: str) -> tuple[str, ...]:
    return tuple(REPORTS[report])


def renderer(fmt: str, report: str = "preview") -> Callable[[Any], str]:
    """The function rendering `report` in `fmt` (one of formats(report))."""
    module, _, name = REPORTS[report][fmt].partition(":")
    return getattr(import_module(module), name)


def text_lines(lines: list[str]) -> str:
    """A text report from its lines, each escaped on its own (exporter.errors.printable): a newline,
    CR or bidi override inside a route name, a file name or a description is shown as its escape,
    so no field can add a line, rewrite one or reverse it. Only the joins are real line ends."""
    return "".join(printable(line) + "\n" for line in lines)


SECURITY_ONLY = "changed in security"  # an unchanged route a security finding names (Preview.security_only)


def summary(preview: Preview) -> str:
    """`8 routes: 4 added, 2 changed, 0 removed, 2 unchanged`; `..., 1 changed in security, ...` when a route
    the Body leaves alone has a security finding (an authorizer it uses changes): never counted unchanged."""
    c = preview.counts()
    c[SECURITY_ONLY] = len(preview.security_only())
    c[UNCHANGED] -= c[SECURITY_ONLY]
    shown = (ADDED, CHANGED, SECURITY_ONLY, REMOVED, UNCHANGED) if c[SECURITY_ONLY] else (ADDED, CHANGED, REMOVED, UNCHANGED)
    n = len(preview.routes)
    return f"{n} route{'' if n == 1 else 's'}: " + ", ".join(f"{c[s]} {s}" for s in shown)


def security_summary(preview: Preview, route: RouteDiff) -> str:
    """What the security findings say of a route, for a route the Body leaves as it was."""
    return "; ".join(f.message for f in preview.security if f.route == route.name)


def change_summary(route: RouteDiff, limit: int = 6) -> str:
    """`integration.type changed, integration.uri rewritten, ...`"""
    if route.status != CHANGED:
        return "; ".join(x for x in (route.integration, route.note) if x)
    parts = [f"{short_where(c.where) or 'value'} {VERB[c.kind]}" for c in route.changes]
    more = f", +{len(parts) - limit} more" if len(parts) > limit else ""
    return ", ".join(parts[:limit]) + more + (f"; {route.note}" if route.note else "")


def short_where(where: str) -> str:
    """`integration.uri` for `x-amazon-apigateway-integration.uri`: the prefix every reader knows."""
    return where.replace("x-amazon-apigateway-", "")


def up_to_date(preview: Preview) -> str:
    """What an unchanged preview says, after "no changes: "."""
    if preview.template_written:
        return f"the template already matches the export ({summary(preview)})"
    # (Amplify CLI >= 7: build/ still holds what amplify build last made of the API; the routes compare with it)
    return f"the files convert writes already carry the export (routes compared with {preview.template}, which amplify build regenerates: {summary(preview)})"
