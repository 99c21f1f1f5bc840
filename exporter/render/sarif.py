"""The audit report as SARIF 2.1.0, the format GitHub code scanning (and most editors) read.

One rule per finding kind (exporter.audit.KINDS: title and help text), one result per literal with
its file and line (physical location) and its JSON pointer (logical location), and a file that could
not be read as a tool execution notification, so a partial run is never mistaken for a clean one.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import PurePath
from urllib.parse import quote

from exporter import __version__
from exporter.audit import KINDS, AuditReport

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def _uri(path: str | None) -> str:
    """A path as a URI reference (RFC 3986): relative paths stay relative (code scanning resolves them
    against the checkout), absolute ones are file: URIs. Every byte outside the unreserved set and `/` is
    percent-encoded (`my export#1.json` -> `my%20export%231.json`; a `:` would read as a scheme), from the
    path's bytes: UTF-8, and a name the locale could not decode (PEP 383 surrogates) as the bytes it has."""
    if not path:
        return "."
    p = PurePath(path)
    if p.is_absolute():
        posix = PurePath(os.path.normpath(path)).as_posix()  # no disk: exporter.io owns it
        return "file://" + quote(_bytes("/" + posix.lstrip("/")), safe="/")
    return quote(_bytes(p.as_posix()), safe="/")


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _location(file: str | None, line: int | None, pointer: str | None = None) -> dict:
    physical: dict = {"artifactLocation": {"uri": _uri(file)}}
    if line:
        physical["region"] = {"startLine": line}
    location: dict = {"physicalLocation": physical}
    if pointer is not None:
        location["logicalLocations"] = [{"fullyQualifiedName": pointer or "/", "kind": "member"}]
    return location


def render_sarif(report: AuditReport) -> str:
    kinds = list(KINDS)
    rules = [{
        "id": kind,
        "name": "".join(w.capitalize() for w in KINDS[kind].title.split()),
        "shortDescription": {"text": KINDS[kind].title},
        "fullDescription": {"text": KINDS[kind].help},
        "help": {"text": KINDS[kind].help, "markdown": KINDS[kind].help},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["cloudformation", "api-gateway", "portability"], "cfn-lint": KINDS[kind].cfn_lint_id},
    } for kind in kinds]
    results = []
    for f in report.findings:
        # stable across runs and line moves: code scanning matches a result to the one it saw before
        print_ = hashlib.sha256(_bytes("\0".join((_uri(f.file), f.pointer, f.kind, f.value)))).hexdigest()[:32]
        results.append({
            "ruleId": f.kind,
            "ruleIndex": kinds.index(f.kind),
            "level": "warning",
            "message": {"text": f"{KINDS[f.kind].title}: {f.value} (at {f.pointer or '/'})"},
            "locations": [_location(f.file, f.line, f.pointer)],
            "partialFingerprints": {"exportToCfn/v1": print_},
        })
    notifications = [{"level": "error", "message": {"text": e.message}, "locations": [_location(e.file, e.line)]}
                     for e in report.errors]
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "export-to-cfn", "version": __version__, "semanticVersion": __version__,
                                "rules": rules}},
            "invocations": [{"executionSuccessful": not report.errors, "toolExecutionNotifications": notifications}],
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
