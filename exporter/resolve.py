"""Intrinsics -> values: the round-trip proof.

`resolve(node, values, template)` evaluates Ref, Fn::Sub, Fn::Join, Fn::If and friends the way
CloudFormation does, with `values` mapping parameter names, pseudo parameters ("AWS::Region") and
"Logical.Attr" names to concrete values. Anything it cannot evaluate raises `Unresolved`: the proof
must never pass by guessing.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any, Mapping

SUB_VAR = re.compile(r"\$\{([^}]*)\}")


class Unresolved(Exception):
    """A name or construct the resolver has no value for."""


def _lookup(name: str, values: Mapping[str, Any], local: Mapping[str, Any] | None = None) -> Any:
    if local and name in local:
        return local[name]
    if name in values:
        return values[name]
    raise Unresolved(name)


def sub_text(text: str, lookup) -> str:  # noqa: ANN001 - lookup: str -> Any
    """Expand one Fn::Sub string: ${Name} via lookup, ${!Literal} to ${Literal}."""

    def repl(m: re.Match) -> str:
        inner = m.group(1)
        if inner.startswith("!"):
            return "${" + inner[1:] + "}"
        return str(lookup(inner))

    return SUB_VAR.sub(repl, text)


def _condition(name: str, values: Mapping[str, Any], template: Mapping | None) -> bool:
    if f"Condition:{name}" in values:
        return bool(values[f"Condition:{name}"])
    conds = (template or {}).get("Conditions") or {}
    if name not in conds:
        raise Unresolved(f"Condition {name}")
    return bool(resolve(conds[name], values, template))


def resolve(node: Any, values: Mapping[str, Any], template: Mapping | None = None) -> Any:
    if isinstance(node, list):
        return [resolve(x, values, template) for x in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        ((key, arg),) = node.items()
        fn = _FUNCTIONS.get(key)
        if fn is not None and (key != "Condition" or isinstance(arg, str)):  # a policy's {"Condition": {...}} is data
            return fn(arg, values, template)
    return {k: resolve(v, values, template) for k, v in node.items()}


def _ref(arg, values, template):
    return _lookup(arg, values)


def _sub(arg, values, template):
    if isinstance(arg, list):
        text, local_raw = arg
        local = {k: resolve(v, values, template) for k, v in local_raw.items()}
    else:
        text, local = arg, None
    if not isinstance(text, str):
        raise Unresolved(f"Fn::Sub of a {type(text).__name__}")

    def lookup(name: str) -> Any:
        if local and name in local:
            return local[name]
        if name in values:
            return values[name]
        if "." in name:  # ${Res.Attr} is GetAtt
            return _lookup(name, values)
        raise Unresolved(name)

    return sub_text(text, lookup)


def _join(arg, values, template):
    sep, items = arg
    items = resolve(items, values, template)
    if not isinstance(items, list):
        raise Unresolved("Fn::Join of a non-list")
    return resolve(sep, values, template).join(str(x) for x in items)


def _if(arg, values, template):
    name, a, b = arg
    return resolve(a if _condition(name, values, template) else b, values, template)


def _getatt(arg, values, template):
    name = arg if isinstance(arg, str) else ".".join(str(resolve(x, values, template)) for x in arg)
    return _lookup(name, values)


def _select(arg, values, template):
    index, items = resolve(arg, values, template)
    return items[int(index)]


def _split(arg, values, template):
    sep, text = resolve(arg, values, template)
    return text.split(sep)


def _find_in_map(arg, values, template):
    m, a, b = resolve(arg, values, template)
    try:
        return (template or {})["Mappings"][m][a][b]
    except (KeyError, TypeError):
        raise Unresolved(f"Fn::FindInMap {m}.{a}.{b}") from None


def _to_json_string(arg, values, template):
    return json.dumps(resolve(arg, values, template), separators=(",", ":"))


_FUNCTIONS = {
    "Ref": _ref,
    "Fn::Sub": _sub,
    "Fn::Join": _join,
    "Fn::If": _if,
    "Fn::Equals": lambda a, v, t: resolve(a[0], v, t) == resolve(a[1], v, t),
    "Fn::Not": lambda a, v, t: not resolve(a[0], v, t),
    "Fn::And": lambda a, v, t: all(resolve(x, v, t) for x in a),
    "Fn::Or": lambda a, v, t: any(resolve(x, v, t) for x in a),
    "Condition": lambda a, v, t: _condition(a, v, t),
    "Fn::GetAtt": _getatt,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::FindInMap": _find_in_map,
    "Fn::Base64": lambda a, v, t: base64.b64encode(str(resolve(a, v, t)).encode()).decode(),
    "Fn::ImportValue": lambda a, v, t: _lookup("Import:" + str(resolve(a, v, t)), v),
    "Fn::ToJsonString": _to_json_string,
}

INTRINSICS = frozenset(_FUNCTIONS)


def names_used(node: Any, found: set[str] | None = None) -> set[str]:
    """Every name a node refers to: Ref targets, GetAtt logical ids, ${Name} in Fn::Sub (not locals)."""
    found = set() if found is None else found
    if isinstance(node, list):
        for x in node:
            if isinstance(x, (list, dict)):  # (a scalar names nothing: no call for it)
                names_used(x, found)
    elif isinstance(node, dict):
        if len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
                return found
            if key == "Fn::GetAtt":
                first = arg.split(".")[0] if isinstance(arg, str) else arg[0]
                if isinstance(first, str):
                    found.add(first)
                return found
            if key == "Fn::Sub":
                text, local = (arg[0], arg[1]) if isinstance(arg, list) else (arg, {})
                if isinstance(text, str):
                    for m in SUB_VAR.finditer(text):
                        inner = m.group(1)
                        if not inner.startswith("!") and inner not in local:
                            found.add(inner.split(".")[0])
                names_used(list(local.values()) if isinstance(local, dict) else local, found)
                return found
        for v in node.values():
            if isinstance(v, (list, dict)):
                names_used(v, found)
    return found
