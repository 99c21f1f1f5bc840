"""Preview renderers: text, markdown, json. Each module exposes `render(preview) -> str`."""

from __future__ import annotations

from importlib import import_module
from typing import Callable

from exporter.diff import ADDED, CHANGED, REMOVED, REWRITTEN, UNCHANGED, Preview, RouteDiff

FORMATS = ("text", "markdown", "json")
VERB = {ADDED: "added", REMOVED: "removed", CHANGED: "changed", REWRITTEN: "rewritten"}


def renderer(fmt: str) -> Callable[[Preview], str]:
    return import_module(f"exporter.render.{'markdown' if fmt == 'markdown' else fmt}").render


def summary(preview: Preview) -> str:
    """`8 routes: 4 added, 2 changed, 0 removed, 2 unchanged`."""
    c = preview.counts()
    return f"{len(preview.routes)} routes: " + ", ".join(f"{c[s]} {s}" for s in (ADDED, CHANGED, REMOVED, UNCHANGED))


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
