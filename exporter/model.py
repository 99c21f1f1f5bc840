"""The records every stage shares. One Finding type for everything a run reports about a place in a
file: literals left (rewrite), literals found (audit), security-relevant changes (security), merge
decisions (merge) and notes/warnings of the destinations (targets)."""

from __future__ import annotations

from dataclasses import dataclass

API_WIDE = "*"  # the method and path of a security finding about the whole API

# severities, lowest first
INFO, WARNING, MEDIUM, HIGH = "info", "warning", "medium", "high"


@dataclass
class Finding:
    kind: str  # what was found: account-id, region, ... (literals); security; note; warning; dropped
    message: str  # one line for a person
    pointer: str = ""  # JSON pointer into the file ("" for the whole file or API)
    value: str | None = None  # the literal concerned, if any
    rule: str | None = None  # the rule or check that reports it (kebab-case)
    severity: str = INFO
    file: str | None = None
    line: int | None = None
    text: str | None = None  # audit: the whole string the value sits in
    method: str | None = None  # security: the route's method (API_WIDE for the whole API)
    path: str | None = None  # security: the route's path (API_WIDE for the whole API)
    lines: tuple[str, ...] = ()  # text to show under the message, a line each (code the user must add by hand)

    @property
    def route(self) -> str:
        return "API" if self.method == API_WIDE else f"{self.method} {self.path}"

    def __str__(self) -> str:
        return f"{self.route}: {self.message}" if self.method is not None else self.message


def literal(pointer: str, value: str, kind: str, text: str) -> Finding:
    """An environment-specific literal the audit found."""
    return Finding(kind, f"{kind} {value} is hardcoded", pointer, value, rule=kind, severity=WARNING, text=text)


def security(method: str, path: str, severity: str, message: str) -> Finding:
    """A change that decides who gets in (exporter.security)."""
    return Finding("security", message, rule="security", severity=severity, method=method, path=path)


def note(check: str, message: str) -> Finding:
    return Finding("note", message, rule=check)


def warning(check: str, message: str) -> Finding:
    return Finding("warning", message, rule=check, severity=WARNING)
