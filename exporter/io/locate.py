"""Source positions: the line a JSON pointer's value starts on, for messages and audit findings."""

from __future__ import annotations

import bisect
import json
import re
from typing import TYPE_CHECKING, Any

from exporter.aws import split_pointer
from exporter.io.yaml import yaml_locator

if TYPE_CHECKING:
    from exporter.io.load import Document

# JSON text scanners, shared with the format-keeping writer (exporter.io.write)
_DECODER = json.JSONDecoder()
_WS = re.compile(r"[ \t\n\r]*")


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




def line_finder(doc: Document):  # noqa: ANN201 - returns (pointer) -> line | None
    """A function giving the 1-based line where a pointer's value starts, or None when it cannot tell.

    JSON: walk the text along the pointer with the same raw_decode scanners the writer uses, each
    container scanned once. YAML: compose the node tree (no object is ever constructed) and follow it."""
    newlines = [m.start() for m in re.finditer("\n", doc.text)]

    def line_at(offset: int) -> int:
        return bisect.bisect_left(newlines, offset) + 1

    if doc.fmt == "json":
        return _json_locator(doc.text, line_at)
    return yaml_locator(doc.text)


def _json_locator(text: str, line_at):  # noqa: ANN001, ANN202
    index: dict[int, Any] = {}  # container offset -> {key: value offset} or [value offsets]

    def children(pos: int) -> Any:
        if pos not in index:
            if text[pos] == "{":
                index[pos] = {m[0]: m[4] for m in _members(text, pos)[0]}
            elif text[pos] == "[":
                index[pos] = [e[1] for e in _elements(text, pos)[0]]
            else:
                index[pos] = None
        return index[pos]

    def locate(pointer: str) -> int | None:
        try:
            pos = _WS.match(text).end()
            for seg in split_pointer(pointer):
                kids = children(pos)
                if isinstance(kids, dict) and seg in kids:
                    pos = kids[seg]
                elif isinstance(kids, list) and seg.isdigit() and int(seg) < len(kids):
                    pos = kids[int(seg)]
                else:
                    break  # inside a string (Fn::Sub text): the string's own line
            return line_at(pos)
        except (ValueError, IndexError):  # positions are a nicety, never a failure
            return None

    return locate
