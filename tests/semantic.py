"""The semantic property, written independently of exporter.convert.prove: resolve the converted
template with concrete values and compare it with the export, method by method, key by key.
Uses the project's resolver (exporter.resolve), as the acceptance check uses its own."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from exporter.resolve import resolve

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace", "x-amazon-apigateway-any-method"}
OWNED = {"swagger", "openapi", "info", "host", "basePath", "schemes", "servers", "paths"}


def strip_cache_namespace(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: strip_cache_namespace(v) for k, v in node.items() if k != "cacheNamespace"}
    if isinstance(node, list):
        return [strip_cache_namespace(v) for v in node]
    return node


def home_of(export: dict) -> dict[str, str]:
    """Most common partition/region/account in the export's ARNs: the pseudo parameters' values."""
    text = repr(export)
    arns = re.findall(r"arn:(aws[a-z-]*):[a-z0-9.-]+:([a-z]{2}[a-z-]*-\d)?:(\d{12})?", text)
    part = Counter(a[0] for a in arns).most_common(1)
    reg = Counter(a[1] for a in arns if a[1]).most_common(1)
    acct = Counter(a[2] for a in arns if a[2]).most_common(1)
    out = {"AWS::Partition": part[0][0] if part else "aws"}
    out["AWS::URLSuffix"] = "amazonaws.com.cn" if out["AWS::Partition"] == "aws-cn" else "amazonaws.com"
    if reg:
        out["AWS::Region"] = reg[0][0]
    host = export.get("host") or ""
    m = re.match(r"[a-z0-9]{10}\.execute-api\.([a-z0-9-]+)\.", host)
    if "AWS::Region" not in out and m:
        out["AWS::Region"] = m.group(1)
    if acct:
        out["AWS::AccountId"] = acct[0][0]
    return out


def expand_policy(node: Any, values: dict, api_id: str | None) -> Any:
    if isinstance(node, dict):
        return {k: expand_policy(v, values, api_id) for k, v in node.items()}
    if isinstance(node, list):
        return [expand_policy(v, values, api_id) for v in node]
    if isinstance(node, str) and node.startswith("execute-api:/"):
        return f"arn:{values['AWS::Partition']}:execute-api:{values['AWS::Region']}:{values['AWS::AccountId']}:{api_id}{node[12:]}"
    return node


def differences(body: dict, export: dict, values: dict, template: dict, api_id: str | None = None, *, resolver=resolve) -> list[str]:  # noqa: ANN001
    """Every place where the resolved Body differs from the export ([] when the property holds).
    `resolver(node, values, template)` evaluates the intrinsics: the project's by default; a Body
    some other engine already resolved (moto) passes `already_resolved`."""
    export = strip_cache_namespace(export)
    out = []
    for path, item in export["paths"].items():
        got_item = (body.get("paths") or {}).get(path)
        if got_item is None:
            out.append(f"path {path} missing")
            continue
        for key, want in item.items():
            have = resolver(got_item.get(key), values, template)
            if have != want:
                out.append(f"/paths/{path}/{key}: want {str(want)[:300]}\n   have {str(have)[:300]}")
    for key, want in export.items():
        if key in OWNED:
            continue
        have_raw = body.get(key)
        if key in ("definitions", "securityDefinitions", "components") and isinstance(want, dict):
            for name, entry in want.items():
                got = resolver((have_raw or {}).get(name), values, template)
                if key == "components":
                    got = {k: v for k, v in (got or {}).items() if k in entry}
                if got != entry:
                    out.append(f"/{key}/{name}: want {str(entry)[:300]}\n   have {str(got)[:300]}")
            continue
        have = resolver(have_raw, values, template)
        if key == "x-amazon-apigateway-policy":
            have = expand_policy(have, values, api_id)
        if have != want:
            out.append(f"/{key}: want {str(want)[:300]}\n   have {str(have)[:300]}")
    return out


def already_resolved(node: Any, values: dict, template: dict) -> Any:
    """The resolver for a Body an independent engine resolved: nothing left to evaluate."""
    return node
