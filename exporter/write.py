"""Write the new document back keeping the file's own formatting, atomically.

JSON: the original text is patched, not re-serialised. Every subtree whose value did not change
keeps its exact bytes (blank lines, odd indentation, key order, separators); a changed value is
written with the indentation, separator and line ending found around it. YAML: ruamel.yaml's
round-trip tree is patched in place, so comments, order and short-form tags (!Sub, !Ref) stay.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exporter.errors import UserError

_DECODER = json.JSONDecoder()
_WS = re.compile(r"[ \t\n\r]*")


def _same(a: Any, b: Any) -> bool:
    return a is b or (type(a) is type(b) and a == b)


@dataclass
class _Style:
    unit: str
    sep: str
    newline: str
    ensure_ascii: bool


def detect_style(text: str) -> _Style:
    newline = "\r\n" if "\r\n" in text else "\n"
    deltas: Counter = Counter()
    prev = 0
    tabs = 0
    for line in text.splitlines()[:5000]:
        stripped = line.lstrip(" \t")
        if not stripped:
            continue
        lead = line[: len(line) - len(stripped)]
        if "\t" in lead:
            tabs += 1
        width = len(lead)
        if width > prev:
            deltas[width - prev] += 1
        prev = width
    if tabs > 10:
        unit = "\t"
    else:
        unit = " " * (deltas.most_common(1)[0][0] if deltas else 2)
    m = re.search(r'"(?:[^"\\]|\\.)*"([ \t]*:[ \t]*)', text)
    sep = m.group(1) if m else ": "
    ensure_ascii = text.isascii() and "\\u" in text
    return _Style(unit, sep, newline, ensure_ascii)


def _line_indent(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    m = re.match(r"[ \t]*", text[start:pos])
    return m.group(0) if m else ""


def _dumps(value: Any, style: _Style, indent: str) -> str:
    if isinstance(value, (dict, list)) and not value:
        return "{}" if isinstance(value, dict) else "[]"
    out = json.dumps(value, indent=style.unit, ensure_ascii=style.ensure_ascii, separators=(",", style.sep))
    return out.replace("\n", style.newline + indent)


def _members(text: str, i: int) -> tuple[list[tuple], int]:
    """Members of the object at text[i] == '{': (key, prefix, keytext, sep, vstart, vend, post); and the '}' index."""
    out = []
    j = i + 1
    while True:
        ws_end = _WS.match(text, j).end()
        if text[ws_end] == "}":
            if out:
                k, prefix, keytext, sep, vs, ve, _ = out[-1]
                out[-1] = (k, prefix, keytext, sep, vs, ve, text[ve:ws_end])
            return out, ws_end
        key, kend = json.decoder.scanstring(text, ws_end + 1)
        colon = _WS.match(text, kend).end()
        vstart = _WS.match(text, colon + 1).end()
        _, vend = _DECODER.raw_decode(text, vstart)
        after = _WS.match(text, vend).end()
        out.append((key, text[j:ws_end], text[ws_end:kend], text[kend:vstart], vstart, vend, text[vend:after]))
        if text[after] == ",":
            j = after + 1
        else:
            j = after


def _elements(text: str, i: int) -> tuple[list[tuple], int]:
    out = []
    j = i + 1
    while True:
        ws_end = _WS.match(text, j).end()
        if text[ws_end] == "]":
            if out:
                prefix, vs, ve, _ = out[-1]
                out[-1] = (prefix, vs, ve, text[ve:ws_end])
            return out, ws_end
        _, vend = _DECODER.raw_decode(text, ws_end)
        after = _WS.match(text, vend).end()
        out.append((text[j:ws_end], ws_end, vend, text[vend:after]))
        j = after + 1 if text[after] == "," else after


def _patch(text: str, start: int, end: int, old: Any, new: Any, style: _Style) -> str:
    if _same(old, new):
        return text[start:end]
    if isinstance(old, dict) and isinstance(new, dict) and old and new:
        members, _close = _members(text, start)
        by_key = {m[0]: m for m in members}
        closing = members[-1][6]
        last_key = members[-1][0]
        default_prefix = members[-1][1]
        default_sep = members[-1][3]
        indent = re.sub(r"^.*[\r\n]", "", default_prefix, flags=re.S) if "\n" in default_prefix else _line_indent(text, start) + style.unit
        entries = []
        for k, v in new.items():
            m = by_key.get(k)
            if m is not None:
                key, prefix, keytext, sep, vs, ve, post = m
                value = _patch(text, vs, ve, old[k], v, style)
                entries.append(prefix + keytext + sep + value + ("" if key == last_key else post))
            else:
                entries.append(default_prefix + json.dumps(k, ensure_ascii=style.ensure_ascii) + default_sep + _dumps(v, style, indent))
        return "{" + ",".join(entries) + closing + "}"
    if isinstance(old, list) and isinstance(new, list) and old and len(old) == len(new):
        elements, _close = _elements(text, start)
        closing = elements[-1][3]
        entries = []
        for n, ((prefix, vs, ve, post), o, v) in enumerate(zip(elements, old, new)):
            entries.append(prefix + _patch(text, vs, ve, o, v, style) + ("" if n == len(elements) - 1 else post))
        return "[" + ",".join(entries) + closing + "]"
    return _dumps(new, style, _line_indent(text, start))


def patch_json_text(text: str, old: Any, new: Any) -> str:
    """`text` (which parses to `old`) changed to represent `new`, touching only what differs."""
    style = detect_style(text)
    start = _WS.match(text).end()
    _, end = _DECODER.raw_decode(text, start)
    return text[:start] + _patch(text, start, end, old, new, style) + text[end:]


def dump_json(data: Any, indent: int = 2) -> str:
    return json.dumps(data, indent=indent, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------------------------
# YAML


def _yaml_rt():
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    return yaml


SHORT_TAGS = {
    "Ref": "!Ref", "Condition": "!Condition", "Fn::GetAtt": "!GetAtt", "Fn::Sub": "!Sub",
    "Fn::Join": "!Join", "Fn::If": "!If", "Fn::Equals": "!Equals", "Fn::Not": "!Not", "Fn::And": "!And",
    "Fn::Or": "!Or", "Fn::Select": "!Select", "Fn::Split": "!Split", "Fn::FindInMap": "!FindInMap",
    "Fn::Base64": "!Base64", "Fn::ImportValue": "!ImportValue", "Fn::GetAZs": "!GetAZs", "Fn::Cidr": "!Cidr",
    "Fn::ToJsonString": "!ToJsonString", "Fn::Length": "!Length", "Fn::Transform": "!Transform",
}
LONG_OF = {v: k for k, v in SHORT_TAGS.items()}


def plain_of_rt(node: Any) -> Any:
    """A ruamel round-trip node as plain data with intrinsics in long form."""
    from ruamel.yaml.comments import TaggedScalar

    tag = getattr(getattr(node, "tag", None), "value", None)
    if isinstance(node, TaggedScalar):
        long = LONG_OF.get(node.tag.value)
        value = node.value
        if long == "Fn::GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {long: value} if long else value
    if isinstance(node, dict):
        plain = {str(k): plain_of_rt(v) for k, v in node.items()}
        if tag in LONG_OF:
            return {LONG_OF[tag]: plain}
        return plain
    if isinstance(node, list):
        plain_list = [plain_of_rt(v) for v in node]
        if tag in LONG_OF:
            return {LONG_OF[tag]: plain_list}
        return plain_list
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


def _to_rt(value: Any, short: bool) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
    from ruamel.yaml.scalarstring import LiteralScalarString

    if isinstance(value, dict):
        if short and len(value) == 1:
            ((k, v),) = value.items()
            tag = SHORT_TAGS.get(k)
            if tag and isinstance(v, str) and "\r" not in v:
                style = "|" if "\n" in v else None
                return TaggedScalar(v, style=style, tag=tag)
            if tag and isinstance(v, list) and k != "Fn::GetAtt":
                seq = CommentedSeq(_to_rt(x, short) for x in v)
                seq.yaml_set_ctag(_ctag(tag))
                return seq
        m = CommentedMap()
        for k, v in value.items():
            m[k] = _to_rt(v, short)
        return m
    if isinstance(value, list):
        return CommentedSeq(_to_rt(x, short) for x in value)
    if isinstance(value, str) and "\n" in value and "\r" not in value and not value.endswith(" "):
        return LiteralScalarString(value)
    return value


def _ctag(tag: str):
    from ruamel.yaml.tag import Tag

    return Tag(suffix=tag)


def _patch_rt(node: Any, old: Any, new: Any, short: bool) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if _same(old, new):
        return node
    tag = getattr(getattr(node, "tag", None), "value", None)
    if isinstance(node, CommentedMap) and tag is None and isinstance(old, dict) and isinstance(new, dict):
        for k in [k for k in node if k not in new]:
            del node[k]
        for k, v in new.items():
            if k in node:
                node[k] = _patch_rt(node[k], old.get(k), v, short)
            else:
                node[k] = _to_rt(v, short)
        return node
    if isinstance(node, CommentedSeq) and tag is None and isinstance(new, list) and isinstance(old, list) and len(old) == len(new):
        for i, (o, v) in enumerate(zip(old, new)):
            node[i] = _patch_rt(node[i], o, v, short)
        return node
    return _to_rt(new, short)


def load_yaml_rt(text: str) -> Any:
    return _yaml_rt().load(text)


def patch_yaml_text(text: str, new: Any) -> str:
    import io

    yaml = _yaml_rt()
    tree = yaml.load(text)
    old = plain_of_rt(tree)
    short = bool(re.search(r"(?m)(?:^|[\s:\-\[,])!(?:Ref|Sub|GetAtt|Join|If|Select|Split)\b", text))
    tree = _patch_rt(tree, old, new, short)
    buf = io.StringIO()
    yaml.dump(tree, buf)
    out = buf.getvalue()
    if "\r\n" in text:
        out = out.replace("\r\n", "\n").replace("\n", "\r\n")
    return out


def dump_yaml(data: Any) -> str:
    import io

    yaml = _yaml_rt()
    buf = io.StringIO()
    yaml.dump(_to_rt(data, short=False), buf)
    return buf.getvalue()


def render_document(new: Any, original_text: str | None, original: Any, fmt: str) -> str:
    """The new document as text in the original's format (JSON patched; YAML round-tripped)."""
    if fmt == "yaml":
        return patch_yaml_text(original_text, new) if original_text is not None else dump_yaml(new)
    if original_text is not None:
        return patch_json_text(original_text, original, new)
    return dump_json(new)


# ---------------------------------------------------------------------------------------------
# Atomic writes


BOM = "\ufeff"


def write_atomic(files: dict[Path, str], *, backup: bool = False) -> None:
    """Write every file or none.

    Each file is staged as a temp file in its own folder (same mode, fsynced), then all are renamed
    into place. If anything fails, the files already replaced get their previous bytes back and the
    ones created are removed, so a failed run leaves every file as it was. A symlink is written
    through (the link stays a link). A file that began with a UTF-8 BOM keeps it. `backup` keeps the
    previous file as <name>.bak (written in the same all-or-nothing step)."""
    targets: list[tuple[Path, bytes, int | None]] = []  # (real path, new bytes, mode)
    temps: list[str] = []
    staged: list[tuple[Path, str, str | None]] = []  # (path, temp with new bytes, temp with previous bytes)
    done: list[tuple[Path, str | None]] = []
    current: Path | None = None
    try:
        for name, content in files.items():
            current = path = Path(os.path.realpath(name))
            old = path.read_bytes() if path.is_file() else None
            mode = stat.S_IMODE(path.stat().st_mode) if old is not None else None
            if old is not None and old.startswith(BOM.encode()) and not content.startswith(BOM):
                content = BOM + content
            if backup and old is not None:
                targets.append((path.with_name(path.name + ".bak"), old, mode))
            targets.append((path, content.encode("utf-8"), mode))
        try:
            for current, data, mode in targets:
                tmp = _stage(current, data, mode)
                temps.append(tmp)
                keep = None
                if current.is_file():
                    keep = _stage(current, current.read_bytes(), stat.S_IMODE(current.stat().st_mode))
                    temps.append(keep)
                staged.append((current, tmp, keep))
            for current, tmp, keep in staged:
                os.replace(tmp, current)
                done.append((current, keep))
        except BaseException:
            for path, keep in reversed(done):  # put back what was already replaced
                if keep is not None:
                    os.replace(keep, path)
                else:
                    os.unlink(path)
            raise
    except OSError as e:
        raise UserError(f"cannot write: {e.strerror or e}; nothing was changed", file=str(current or next(iter(files), ""))) from None
    finally:
        for leftover in temps:
            try:
                os.unlink(leftover)
            except OSError:
                pass


def _stage(path: Path, data: bytes, mode: int | None) -> str:
    """`data` in a new temp file beside `path`, flushed to disk, with `mode` (default: the umask's)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent))
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode if mode is not None else 0o666 & ~_umask())
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
