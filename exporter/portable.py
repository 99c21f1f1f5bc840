"""The template's own `arn:aws:` made portable: what a merge leaves of the template (routes the export
does not have, Amplify's Lambda permissions and role policies) writes the home partition literally,
and `audit` rightly reports it. Each such ARN prefix becomes `arn:${AWS::Partition}:` (in Fn::Sub
text and plain strings) or `arn:`, {"Ref": "AWS::Partition"}, `:` (in an Fn::Join with no separator):
the same value wherever the stack deploys in the home partition, and the right one in the others.

Plain data in, plain data out; every change is proven on the spot (the new node, with the partition
put back, equals the old one) and recorded with its JSON pointer. `convert --keep-template-literals`
leaves the template's own lines alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

from exporter.aws import escape_pointer, map_children
from exporter.errors import InternalError

PSEUDO = "AWS::Partition"
# What may stay literal: AWS-managed policy ARNs and the caller-credentials wildcard are written
# with "aws" whatever the partition they are used in (the built-in allow rules say the same).
ALLOWED = re.compile(r"arn:aws:iam::aws:policy/|arn:aws:iam::\*:user/\*")


@dataclass(frozen=True)
class Portable:
    pointer: str
    before: Any
    after: Any


def _prefix(partition: str) -> re.Pattern:
    return re.compile(r"(?<![A-Za-z0-9])arn:" + re.escape(partition) + r":")


def _spans(text: str, rx: re.Pattern) -> list[tuple[int, int]]:
    allowed = [(m.start(), m.end()) for m in ALLOWED.finditer(text)]
    return [(m.start(), m.end()) for m in rx.finditer(text) if not any(a <= m.start() < b for a, b in allowed)]


def _in_sub(text: str, rx: re.Pattern) -> str:
    spans = _spans(text, rx)
    for start, end in reversed(spans):
        text = text[:start] + "arn:${" + PSEUDO + "}:" + text[end:]
    return text


def _in_join(pieces: list, rx: re.Pattern) -> list:
    out: list = []
    for piece in pieces:
        if not isinstance(piece, str) or not _spans(piece, rx):
            out.append(piece)
            continue
        pos = 0
        for start, end in _spans(piece, rx):
            out.append(piece[pos:start] + "arn:")
            out.append({"Ref": PSEUDO})
            pos = end - 1  # the ":" after the partition opens the next piece
        out.append(piece[pos:])
    return [p for p in out if p != ""]


def _portable(node: Any, rx: re.Pattern) -> Any:
    if isinstance(node, str):
        if "${" in node or not _spans(node, rx):  # a "${" would need Sub escaping: such a string stays
            return node
        return {"Fn::Sub": _in_sub(node, rx)}
    if isinstance(node, list):
        new = [_portable(v, rx) for v in node]
        return node if all(a is b for a, b in zip(new, node)) else new
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        ((key, arg),) = node.items()
        if key in ("Ref", "Fn::GetAtt", "Fn::ImportValue", "Condition"):
            return node
        if key == "Fn::Sub":
            text = arg[0] if isinstance(arg, list) else arg
            if isinstance(text, str) and _spans(text, rx):
                new_text = _in_sub(text, rx)
                return {"Fn::Sub": [new_text, *arg[1:]] if isinstance(arg, list) else new_text}
            return node
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and arg[0] == "" and isinstance(arg[1], list):
            pieces = [_portable(p, rx) if not isinstance(p, str) else p for p in arg[1]]
            joined = _in_join(pieces, rx)
            return node if joined == arg[1] else {"Fn::Join": ["", joined]}
    new = {k: _portable(v, rx) for k, v in node.items()}
    return node if all(new[k] is node[k] for k in node) else new


def with_partition(node: Any, partition: str) -> Any:
    """`node` with AWS::Partition put back (and the Join pieces that makes adjacent run together),
    for the proof; whatever else it names stays as it is."""
    if isinstance(node, list):
        return [with_partition(v, partition) for v in node]
    if not isinstance(node, dict):
        return node
    if node == {"Ref": PSEUDO}:
        return partition
    if len(node) == 1 and "Fn::Sub" in node:
        arg = node["Fn::Sub"]
        text = (arg[0] if isinstance(arg, list) else arg).replace("${" + PSEUDO + "}", partition)
        if not isinstance(arg, list) and "${" not in text:
            return text
        return {"Fn::Sub": [text, *arg[1:]] if isinstance(arg, list) else text}
    if len(node) == 1 and "Fn::Join" in node and isinstance(node["Fn::Join"], list) and len(node["Fn::Join"]) == 2:
        sep, pieces = node["Fn::Join"]
        merged: list = []
        for p in with_partition(pieces, partition) if isinstance(pieces, list) else pieces:
            if sep == "" and isinstance(p, str) and merged and isinstance(merged[-1], str):
                merged[-1] += p
            else:
                merged.append(p)
        return {"Fn::Join": [sep, merged]}
    return {k: with_partition(v, partition) for k, v in node.items()}


def make_portable(template: dict, partition: str, *, skip: tuple[str, ...] = ("Parameters",),
                  done: Iterable[Any] = ()) -> tuple[dict, list[Portable]]:
    """The template with every literal `arn:<partition>:` outside `skip` made portable, and the changes.
    `done`: subtrees already portable (the rules rewrote them), skipped by identity."""
    rx = _prefix(partition)
    needle = "arn:" + partition + ":"  # what rx needs: a string without it has nothing to change
    changes: list[Portable] = []
    skipped = {id(n) for n in done}

    def walk(node: Any, pointer: str) -> Any:
        # One pass: containers are walked here, each leaf (a string, an Fn::Sub, an Fn::Join) is made
        # portable by _portable once. (Calling _portable on every level walked each subtree once per
        # level above it.) Same result: a container changes exactly when one of its leaves does.
        if isinstance(node, str):
            if needle not in node:
                return node
        elif not isinstance(node, (dict, list)) or id(node) in skipped:
            return node
        elif isinstance(node, list):
            return map_children(node, walk, pointer)
        elif isinstance(node, dict):
            if len(node) == 1:
                key = next(iter(node))
                if key in ("Ref", "Fn::GetAtt", "Fn::ImportValue", "Condition"):
                    return node
            if not (len(node) == 1 and key in ("Fn::Sub", "Fn::Join")):
                return map_children(node, walk, pointer)
        new = _portable(node, rx)
        if new is node:
            return node
        if with_partition(new, partition) != with_partition(node, partition):
            raise InternalError(f"making {pointer} portable changed its value; nothing was written (a bug, please report it)")
        changes.append(Portable(pointer, node, new))
        return new

    out = {k: (v if k in skip else walk(v, f"/{escape_pointer(str(k))}")) for k, v in template.items()}
    return out, changes


def portable_merge(conv: Any, template: dict) -> dict:
    """The merged `template` with the template's own ARNs made portable; the changes go to conv.portable.
    The export's routes and their methods (the objects the merge put in the Body) were rewritten by the
    rules already, so they are skipped."""
    items = conv.rewritten["paths"].values() if conv.rewritten is not None else ()
    done = [v for item in items if isinstance(item, dict) for v in (item, *item.values()) if isinstance(v, (dict, list))]
    out, conv.portable = make_portable(template, conv.ctx.partition, done=done)
    return out
