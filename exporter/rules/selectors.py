"""`where`: JSONPath selectors (parsed by jsonpath-ng, the one module that imports it) compiled to a
regex over JSON pointers, so a rule costs one regex test per string, never a document scan; and the
plausible pointer an example sits at when it does not give one."""

from __future__ import annotations

import functools
import re
from typing import Any

from exporter.rules.schema import DEFAULT_POINTER


def _pointer_segment(text: str) -> str:
    return re.escape(text.replace("~", "~0").replace("/", "~1"))


@functools.lru_cache(maxsize=1)
def _jsonpath_parser() -> Any:
    # jsonpath_ng.parse() builds a new yacc parser per call (~12 ms each); one instance serves all.
    from jsonpath_ng.parser import JsonPathParser

    return JsonPathParser()


# jsonpath-ng >= 1.16 (pyproject): `.*` and `[*]` are one Wildcard node (any child, as RFC 9535 reads
# them; before, `[*]` was an array-only Slice), `[n]` and `[n,m]` an Index with `indices`.
def _indices(node: Any) -> tuple[int, ...]:
    return tuple(node.indices)


def _is_wildcard(node: Any) -> bool:
    from jsonpath_ng.jsonpath import Wildcard

    return isinstance(node, Wildcard)


@functools.lru_cache(maxsize=None)
def selector_to_regex(selector: str) -> str:
    """Compile the subset of JSONPath that selects by name: $, .name, ['name'], .*, [*], [n], ..name."""
    from jsonpath_ng import Child, Descendants, Fields, Index, Root, Slice
    from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
    from jsonpath_ng.jsonpath import This

    if selector.strip().startswith("/"):
        raise ValueError(f"{selector!r} is a JSON pointer; 'where' takes JSONPath, e.g. $..x-amazon-apigateway-integration.uri "
                         "for every integration's uri (.. = at any depth)")
    if not selector.strip().startswith("$"):
        # jsonpath-ng would read it relative to the root, and the rule would never fire on a real export
        raise ValueError(f"{selector!r} must start at the root: $.{selector.strip()} (top level) or $..{selector.strip()} (at any depth)")
    try:
        tree = _jsonpath_parser().parse(selector)
    except (JsonPathLexerError, JsonPathParserError, Exception) as e:  # jsonpath-ng raises bare Exception too
        raise ValueError(f"invalid JSONPath {selector!r}: {e}") from None

    def walk(node: Any) -> str:
        if isinstance(node, Root):
            return ""
        if isinstance(node, This):
            return ""
        if isinstance(node, Child):
            return walk(node.left) + walk(node.right)
        if isinstance(node, Descendants):
            return walk(node.left) + "(?:/[^/]*)*" + walk(node.right)
        if isinstance(node, Fields):
            if "*" in node.fields:
                return "/[^/]*"
            return "/(?:" + "|".join(_pointer_segment(f) for f in node.fields) + ")"
        if _is_wildcard(node):
            return "/[^/]*"
        if isinstance(node, Index):
            if any(i < 0 for i in _indices(node)):  # `[-1]` is "the last": a pointer test cannot know a list's length
                raise ValueError(f"JSONPath {selector!r}: a negative index ('{node}') is not supported in 'where'; "
                                 "name the item from the start ([0], [1], ...) or take every item ([*])")
            return "/(?:" + "|".join(str(i) for i in _indices(node)) + ")"
        if isinstance(node, Slice) and node.start is None and node.end is None and node.step is None:
            return r"/\d+"
        raise ValueError(f"JSONPath {selector!r}: '{node}' is not supported in 'where' (use names, *, [*], [n] and ..)")

    return walk(tree)


# Where `..` lands in a made-up example pointer, by the name that follows it: examples then sit
# where a real export has that key, so the other rules meet them as they would in a conversion.
_DESCENDANT_HOME = {
    "x-amazon-apigateway-integration": "/paths/~1example/post",
    "x-amazon-apigateway-authorizer": "/securityDefinitions/example",
    "x-amazon-apigateway-integrations": "/components",
    "providerARNs": "/securityDefinitions/example/x-amazon-apigateway-authorizer",
    "authorizerUri": "/securityDefinitions/example/x-amazon-apigateway-authorizer",
    "authorizerCredentials": "/securityDefinitions/example/x-amazon-apigateway-authorizer",
    "identitySource": "/securityDefinitions/example/x-amazon-apigateway-authorizer",
}


def example_pointer(selector: str) -> str:
    """A plausible JSON pointer that `selector` selects, for examples that do not give one."""
    from jsonpath_ng import Child, Descendants, Fields, Index, Root, Slice
    from jsonpath_ng.jsonpath import This
    from jsonpath_ng.parser import parse

    def first_name(node: Any) -> str | None:
        while isinstance(node, Child):
            node = node.left
        return node.fields[0] if isinstance(node, Fields) and node.fields[0] != "*" else None

    def walk(node: Any) -> str:
        if isinstance(node, (Root, This)):
            return ""
        if isinstance(node, Child):
            return walk(node.left) + walk(node.right)
        if isinstance(node, Descendants):
            name = first_name(node.right)
            home = _DESCENDANT_HOME.get(name or "", "/paths/~1example/post/x-amazon-apigateway-integration" if name else "")
            return walk(node.left) + home + walk(node.right)
        if isinstance(node, Fields):
            return "/" + ("example" if node.fields[0] == "*" else node.fields[0].replace("~", "~0").replace("/", "~1"))
        if _is_wildcard(node):
            return "/example"
        if isinstance(node, Index):
            return f"/{_indices(node)[0]}"
        if isinstance(node, Slice):
            return "/0"
        return ""

    if selector.strip() in ("$..*", "$.."):
        return DEFAULT_POINTER
    pointer = walk(parse(selector))
    if pointer.endswith("/x-amazon-apigateway-integration"):  # the whole integration: sit in its VTL
        pointer += "/requestTemplates/application~1json"
    return pointer


def compile_where(selectors: list[str]) -> re.Pattern | None:
    if any(s.strip() in ("$..*", "$..") for s in selectors):
        return None
    body = "|".join(f"(?:{selector_to_regex(s)})" for s in selectors)
    return re.compile(f"^(?:{body})(?:/.*)?$")  # a selected node selects every string beneath it
