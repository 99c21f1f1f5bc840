"""What the tool reads from a template or an export, checked once when the file is loaded: a value of
the wrong shape is an input error naming its JSON pointer, never a crash in a later stage.

Three checks, each the one place for its class of input:
- intrinsics: every `{"Fn::Sub": ...}`, `{"Ref": ...}`... has the arity and argument types
  CloudFormation accepts (it refuses the template otherwise: "Template format error");
- template sections: Resources entries are mappings with a `Type` string and a `Properties` mapping;
  the API definition's sections (Swagger 2 / OpenAPI 3 and API Gateway's extensions) have their types;
- numbers: no value that JSON, CloudFormation or Python's own int-to-text conversion cannot carry.
Pure functions over plain data: the loaders (exporter.io.load) turn a problem into a UserError with
the file and line."""

from __future__ import annotations

import sys
from typing import Any, Callable

from exporter.aws import METHODS, escape_pointer


def kind_of(value: Any) -> str:
    """What a value is, in the words of JSON/YAML (for 'expected a mapping, got a list')."""
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "null" if value is None else type(value).__name__


def described(value: Any) -> str:
    """A value's shape for a message: `a list [string, list]`, `an empty list`, `a number`."""
    if isinstance(value, list):
        if not value:
            return "an empty list"
        if len(value) <= 4:
            return "a list [" + ", ".join(kind_of(v) for v in value) + "]"
        return f"a list of {len(value)} items"
    kind = kind_of(value)
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


# ---------------------------------------------------------------------------------------------
# Intrinsic functions


def _is_fn(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in INTRINSIC_SHAPES


def _str_or_fn(value: Any) -> bool:
    return isinstance(value, str) or _is_fn(value)


def _list_or_fn(value: Any) -> bool:
    return isinstance(value, list) or _is_fn(value)


def _items(n: int | tuple[int, int], *each: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """A list of n items (or lo..hi), item i passing each[i] when given."""
    lo, hi = (n, n) if isinstance(n, int) else n

    def ok(arg: Any) -> bool:
        return (isinstance(arg, list) and lo <= len(arg) <= hi
                and all(check(item) for check, item in zip(each, arg)))

    return ok


def _anything(value: Any) -> bool:
    return True


def _getatt(arg: Any) -> bool:
    if isinstance(arg, str):  # "Resource.Attribute" (JSON's string form; YAML's !GetAtt A.B is split on load)
        return "." in arg.strip(".")
    return _items(2, lambda v: isinstance(v, str) and v != "", _str_or_fn)(arg)


# key -> (check of the argument, what CloudFormation takes, for the message)
INTRINSIC_SHAPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "Ref": (lambda a: isinstance(a, str) and a != "", "a logical id or parameter name (a string)"),
    "Fn::Sub": (lambda a: isinstance(a, str) or _items(2, lambda v: isinstance(v, str), lambda v: isinstance(v, dict))(a),
                "a string, or [string, {variables}]"),
    "Fn::Join": (_items(2, lambda v: isinstance(v, str), _list_or_fn), "[delimiter string, [values]]"),
    "Fn::GetAtt": (_getatt, "[logical id, attribute] or \"LogicalId.Attribute\""),
    "Fn::If": (_items(3, lambda v: isinstance(v, str)), "[condition name, value if true, value if false]"),
    "Fn::Select": (_items(2, lambda v: isinstance(v, (int, str)) and not isinstance(v, bool) or _is_fn(v), _list_or_fn),
                   "[index, [values]]"),
    "Fn::Split": (_items(2, lambda v: isinstance(v, str), _str_or_fn), "[delimiter string, source string]"),
    "Fn::FindInMap": (_items((3, 4), _str_or_fn, _str_or_fn, _str_or_fn, lambda v: isinstance(v, dict)),
                      "[map name, top-level key, second-level key] (and an optional {DefaultValue: ...})"),
    "Fn::Base64": (_str_or_fn, "a string"),
    "Fn::GetAZs": (_str_or_fn, "a region (a string, empty for the stack's own)"),
    "Fn::ImportValue": (_str_or_fn, "an export name (a string)"),
    "Fn::Cidr": (_items(3), "[ip block, count, cidr bits]"),
    "Fn::Equals": (_items(2), "[value, value]"),
    "Fn::Not": (_items(1), "[condition]"),
    "Fn::And": (_items((2, 10)), "[condition, condition, ...] (2 to 10)"),
    "Fn::Or": (_items((2, 10)), "[condition, condition, ...] (2 to 10)"),
    "Fn::ToJsonString": (lambda a: isinstance(a, (dict, list)), "an object or a list"),
    "Fn::Length": (_list_or_fn, "a list"),
    "Fn::Transform": (lambda a: isinstance(a, dict), "{Name: ..., Parameters: ...}"),
}
# A policy's {"Condition": {...}} is data; only {"Condition": "Name"} is the Condition function, so
# `Condition` is never a shape problem and stays out of the table.
INTRINSIC_NAMES = frozenset(INTRINSIC_SHAPES) | {"Condition"}


def intrinsic_problem(node: Any) -> str | None:
    """What is wrong with `node` as an intrinsic call, or None (also for anything that is not one)."""
    if not isinstance(node, dict) or len(node) != 1:
        return None
    ((key, arg),) = node.items()
    shape = INTRINSIC_SHAPES.get(key)
    if shape is None or shape[0](arg):
        return None
    return f"{key} takes {shape[1]}, got {described(arg)}"


class TooDeep(Exception):
    """A document nested deeper than the limit walk_tree was given."""


def walk_tree(data: Any, max_depth: int) -> tuple[str, str] | None:
    """One pass over a loaded document (plain dicts and lists: a tree): raises TooDeep past `max_depth`
    levels, and returns (pointer, problem) of the first malformed intrinsic in document order, or None.
    The loader's depth check and the intrinsic check share the walk: it is the cost of reading a big
    template, so it is paid once. Recursive (at most max_depth frames); the pointer is built only for
    the node found."""
    shapes = INTRINSIC_SHAPES

    def walk(node: Any, depth: int) -> list | None:
        if depth > max_depth:
            raise TooDeep
        if type(node) is dict:
            if len(node) == 1:
                for k, v in node.items():
                    shape = shapes.get(k)
                    if shape is not None and not shape[0](v):
                        return []
            children: Any = node.items()
        else:
            children = enumerate(node)
        found = None
        for k, v in children:
            if type(v) is dict or type(v) is list:
                found = walk(v, depth + 1)
                if found is not None:
                    found.append(k)
                    return found
        return None

    if type(data) is not dict and type(data) is not list:
        return None
    path = walk(data, 0)
    if path is None:
        return None
    node = data
    for k in reversed(path):
        node = node[k]
    return "".join(f"/{escape_pointer(str(k))}" for k in reversed(path)) or "/", intrinsic_problem(node) or ""


# ---------------------------------------------------------------------------------------------
# Sections: what the tool reads, with the types Swagger 2, OpenAPI 3 and API Gateway give them

MAPPING, LIST = dict, list
# An API definition's top-level sections (a Body, a DefinitionBody, or a console export).
BODY_SECTIONS: dict[str, type] = {
    "info": MAPPING, "paths": MAPPING, "definitions": MAPPING, "parameters": MAPPING, "responses": MAPPING,
    "securityDefinitions": MAPPING, "components": MAPPING, "externalDocs": MAPPING,
    "security": LIST, "tags": LIST, "schemes": LIST, "consumes": LIST, "produces": LIST, "servers": LIST,
    "x-amazon-apigateway-policy": MAPPING, "x-amazon-apigateway-gateway-responses": MAPPING,
    "x-amazon-apigateway-request-validators": MAPPING, "x-amazon-apigateway-endpoint-configuration": MAPPING,
    "x-amazon-apigateway-documentation": MAPPING, "x-amazon-apigateway-binary-media-types": LIST,
}
# Inside each operation (paths/<route>/<method>) and its integration: what the security review, the
# CORS check, the merge and the Lambda wiring read.
OPERATION_SECTIONS: dict[str, type] = {
    "parameters": LIST, "responses": MAPPING, "security": LIST, "tags": LIST, "consumes": LIST, "produces": LIST,
    "requestBody": MAPPING, "x-amazon-apigateway-integration": MAPPING,
}
INTEGRATION_SECTIONS: dict[str, type] = {
    "requestParameters": MAPPING, "requestTemplates": MAPPING, "responses": MAPPING, "cacheKeyParameters": LIST,
}
INTEGRATION_RESPONSE_SECTIONS: dict[str, type] = {"responseParameters": MAPPING, "responseTemplates": MAPPING}
# Sections whose every entry is a mapping (a security scheme, a gateway response, a validator).
MAPPING_ENTRIES = ("securityDefinitions", "x-amazon-apigateway-gateway-responses", "x-amazon-apigateway-request-validators")
# A template's sections (Resources is required: checked with the kind of document).
TEMPLATE_SECTIONS = ("Parameters", "Conditions", "Mappings", "Outputs", "Metadata")
API_TYPES = {"AWS::ApiGateway::RestApi": "Body", "AWS::Serverless::Api": "DefinitionBody"}


def _wrong(value: Any, want: type) -> str | None:
    """What is wrong with a value that should be a mapping (or a list); an intrinsic stands for any
    value (CloudFormation resolves it before API Gateway reads the definition)."""
    if isinstance(value, want) or _is_fn(value):
        return None
    return f"{described(value)}, expected {'a mapping' if want is dict else 'a list'}"


def body_problem(body: dict, base: str = "") -> tuple[str, str] | None:
    """(pointer, problem) of the first section of an API definition that has the wrong type, or of
    the first entry of a section of mappings (a security scheme, a gateway response) that is not one."""
    for key, want in BODY_SECTIONS.items():
        if key in body and (bad := _wrong(body[key], want)):
            return f"{base}/{escape_pointer(key)}", bad
    components = body.get("components")
    if isinstance(components, dict) and not _is_fn(components):
        for name, section in components.items():
            if bad := _wrong(section, MAPPING):
                return f"{base}/components/{escape_pointer(name)}", bad
    sections = [(f"{base}/{escape_pointer(key)}", body.get(key)) for key in MAPPING_ENTRIES]
    if isinstance(components, dict):
        sections.append((f"{base}/components/securitySchemes", components.get("securitySchemes")))
    for at, section in sections:
        if isinstance(section, dict) and not _is_fn(section):
            for name, entry in section.items():
                if bad := _wrong(entry, MAPPING):
                    return f"{at}/{escape_pointer(name)}", bad
    paths = body.get("paths")
    for route, item in (paths.items() if isinstance(paths, dict) and not _is_fn(paths) else ()):
        for method, op in (item.items() if isinstance(item, dict) and not _is_fn(item) else ()):
            if method in METHODS and isinstance(op, dict) and not _is_fn(op):
                found = _operation_problem(op, f"{base}/paths/{escape_pointer(route)}/{method}")
                if found:
                    return found
    return None


def _sections_problem(node: dict, sections: dict[str, type], at: str) -> tuple[str, str] | None:
    for key, want in sections.items():
        if key in node and (bad := _wrong(node[key], want)):
            return f"{at}/{escape_pointer(key)}", bad
    return None


def _operation_problem(op: dict, at: str) -> tuple[str, str] | None:
    found = _sections_problem(op, OPERATION_SECTIONS, at)
    integ = op.get("x-amazon-apigateway-integration")
    if found or not isinstance(integ, dict) or _is_fn(integ):
        return found
    at = f"{at}/x-amazon-apigateway-integration"
    found = _sections_problem(integ, INTEGRATION_SECTIONS, at)
    responses = integ.get("responses")
    for status, resp in (responses.items() if not found and isinstance(responses, dict) and not _is_fn(responses) else ()):
        where = f"{at}/responses/{escape_pointer(status)}"
        found = _wrong(resp, MAPPING) and (where, _wrong(resp, MAPPING))
        if not found and isinstance(resp, dict) and not _is_fn(resp):
            found = _sections_problem(resp, INTEGRATION_RESPONSE_SECTIONS, where)
        if found:
            return found
    return found or None


def template_problem(data: dict) -> tuple[str, str] | None:
    """(pointer, problem) of the first thing in a template the tool would misread, or None: its
    sections, each resource, each API definition's sections (intrinsics: walk_tree, on load)."""
    for key in TEMPLATE_SECTIONS:
        if data.get(key) is not None and not isinstance(data[key], dict):
            return f"/{key}", f"{described(data[key])}, expected a mapping"
    for section in ("Parameters", "Outputs"):
        for name, entry in (data.get(section) or {}).items():
            if not _own_key(name) and not isinstance(entry, dict):
                return f"/{section}/{escape_pointer(name)}", f"{described(entry)}, expected a mapping"
    for lid, res in data["Resources"].items():
        if _own_key(lid):
            continue
        at = f"/Resources/{escape_pointer(lid)}"
        if not isinstance(res, dict):
            return at, f"{described(res)}, expected a resource (a mapping with Type and Properties)"
        if not isinstance(res.get("Type"), str):
            return f"{at}/Type", "missing" if "Type" not in res else f"{described(res['Type'])}, expected a resource type (a string)"
        props = res.get("Properties")
        if props is not None and not isinstance(props, dict):
            return f"{at}/Properties", f"{described(props)}, expected a mapping"
        body = (props or {}).get(API_TYPES.get(res["Type"], ""))
        if isinstance(body, dict) and not _is_fn(body):
            found = body_problem(body, f"{at}/Properties/{API_TYPES[res['Type']]}")
            if found:
                return found
    return None


def _own_key(name: Any) -> bool:
    """`Fn::Transform` (AWS::Include) and `Fn::ForEach::Name` (AWS::LanguageExtensions) stand among a
    section's entries; the transform expands them before CloudFormation reads the section."""
    return isinstance(name, str) and name.startswith("Fn::")


# ---------------------------------------------------------------------------------------------
# Numbers


def int_digits(value: int) -> int:
    """The number of decimal digits of |value|, without converting it to text (which Python refuses
    past sys.get_int_max_str_digits(): the very case this is for)."""
    n = abs(value)
    digits = max(1, int(n.bit_length() * 0.30102999566398120))  # log10(2): at most one too few
    while n >= 10 ** digits:
        digits += 1
    return digits


def int_problem(value: int) -> str | None:
    """An integer no stage can write as text (hex or binary YAML reach it without a decimal text)."""
    limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 0
    if not limit or value.bit_length() < limit * 3:  # fewer than `limit` digits for sure: no count needed
        return None
    digits = int_digits(value)
    return f"an integer of {digits:,} digits is out of range" if digits > limit else None


def float_problem(text: str, value: float) -> str | None:
    """A number text whose value a double cannot hold: it overflows to infinity (1e999) or underflows
    to zero (1e-999); either way the file would be written with another value."""
    if value in (float("inf"), float("-inf")):
        return f"the number {text[:40]} is out of range (it would become Infinity)"
    if value == 0.0 and any(c in "123456789" for c in text.lower().split("e")[0]):
        return f"the number {text[:40]} is out of range (it would become 0)"
    return None
