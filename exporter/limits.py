"""CloudFormation's size limit on templates, and what to tell the user when the output nears it."""

from __future__ import annotations

import json
from typing import Any

TEMPLATE_LIMIT = 1_000_000  # bytes: the largest template body CloudFormation takes (from S3), as cfn-lint E1002
NEAR = 0.9  # warn from 90 % of the limit: the next few routes would push it over


def compact_json(template: Any) -> str:
    """The template as the smallest JSON: no indentation, no spaces (key order kept)."""
    return json.dumps(template, ensure_ascii=False, separators=(",", ":")) + "\n"


def size_warning(text: str, template: Any, *, fmt: str, compact: bool) -> str | None:
    """One line for stderr when the output is near or over the limit, with the way out; else None."""
    size = len(text.encode("utf-8"))
    if size < NEAR * TEMPLATE_LIMIT:
        return None
    where = "over" if size > TEMPLATE_LIMIT else "near"
    head = f"output is {size:,} bytes, {where} CloudFormation's {TEMPLATE_LIMIT:,}-byte template limit"
    if compact:
        tail = "even compact: split the API, e.g. one nested stack per group of paths" if size > TEMPLATE_LIMIT else "already compact"
        return f"{head}, {tail}"
    small = len(compact_json(template).encode("utf-8"))
    flag = "--compact" if fmt == "json" else "--format json --compact"
    fits = "fits" if small <= TEMPLATE_LIMIT else "is still too big: split the API, e.g. one nested stack per group of paths"
    return f"{head}; {flag} writes it as {small:,} bytes, which {fits}"
