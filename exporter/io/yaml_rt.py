"""Small YAML files read round-trip (rule files, the project config): positions kept for messages,
every explicit tag refused, never built."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from exporter.errors import UserError
from exporter.aws import CFN_TAGS
from exporter.io.load import check_expanded_size, read_text
from exporter.io.yaml import load_rt

RULE_MAX_BYTES = 1024 * 1024  # a rule file (or a project config) is a page of YAML; ruamel takes ~1 s per MB


def line_of(node: Any, key: str | None = None) -> int | None:
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        if key is not None and key in node:
            return lc.key(key)[0] + 1
        return lc.line + 1
    except Exception:  # noqa: BLE001 - positions are a nicety, never a failure
        return None


def load_yaml_rt(path: Path, what: str = "a rule file") -> Any:
    """A small YAML file as ruamel round-trip data (positions kept for messages); tags refused.
    `what`: the kind of file, for the messages ("a rule file", "the project config")."""
    data = load_rt(read_text(path, RULE_MAX_BYTES), str(path))
    check_expanded_size(data, str(path))
    _refuse_tags(data, str(path), what=what)
    return data


_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq")}


def _refuse_tags(node: Any, path: str, line: int | None = None, what: str = "a rule file") -> None:
    """Rule files are plain data: any explicit tag (e.g. !!python/object) is refused, never built."""
    tag = getattr(node, "tag", None)
    value = getattr(tag, "value", tag)
    if isinstance(value, str) and (value.startswith("!") or (value.startswith("tag:") and value not in _PLAIN_TAGS)):
        hint = f"; write the long form, {{\"{CFN_TAGS[value]}\": ...}}" if value in CFN_TAGS else ""
        raise UserError(f"YAML tag {value!r} is not allowed in {what}{hint}", file=path, line=line_of(node) or line)
    if not isinstance(node, (dict, list, str, int, float, bool, type(None))):
        # what a tag or an implicit type built: !!binary -> bytes, !!set -> a set, 2020-01-01 -> a date
        kind = {"bytes": "binary", "CommentedSet": "set", "date": "timestamp", "datetime": "timestamp",
                "TimeStamp": "timestamp"}.get(type(node).__name__, type(node).__name__)
        raise UserError(f"a YAML {kind} value is not allowed in {what} (it holds strings, numbers, lists and "
                        "mappings; quote it to mean the text)", file=path, line=line)
    if isinstance(node, dict):
        for k, v in list(node.items()):
            line = line_of(node, k)
            _refuse_key(k, path, line, what)
            if _is_str_tagged(v):
                node[k] = v = str(v.value)  # `!!str 5` is the text "5"
            _refuse_tags(v, path, line, what)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if _is_str_tagged(v):
                node[i] = v = str(v.value)
            _refuse_tags(v, path, _item_line(node, i), what)


def _is_str_tagged(node: Any) -> bool:
    # ruamel keeps an explicit `!!str` as a tagged scalar (to write it back); its value is the text
    return type(node).__name__ == "TaggedScalar" and getattr(node.tag, "value", None) == "tag:yaml.org,2002:str"


def _refuse_key(key: Any, path: str, line: int | None, what: str) -> None:
    """A key is a name: a tag on it (`!Foo priority: 65`, which would silently be no `priority`), or
    what a tag or an implicit type built (bytes, a date), is refused like on a value."""
    tag = getattr(getattr(key, "tag", None), "value", None)
    if isinstance(tag, str) and tag != "tag:yaml.org,2002:str":
        raise UserError(f"YAML tag {tag!r} on a key is not allowed in {what} (keys are plain names)", file=path, line=line)
    if not isinstance(key, (str, int, float, bool, type(None))) and not _is_str_tagged(key):
        kind = {"bytes": "binary", "date": "timestamp", "datetime": "timestamp", "TimeStamp": "timestamp"}.get(
            type(key).__name__, type(key).__name__)
        raise UserError(f"a YAML {kind} key is not allowed in {what} (keys are plain names; quote it to mean the text)",
                        file=path, line=line)


def _item_line(node: Any, index: int) -> int | None:
    try:
        return node.lc.item(index)[0] + 1
    except Exception:  # noqa: BLE001 - positions are a nicety, never a failure
        return None


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if hasattr(node, "value") and type(node).__name__ == "TaggedScalar":
        return node.value
    if isinstance(node, str):
        return str(node)
    return node
