"""Before/after -> a preview model, shaped around routes (deepdiff lives here and only here).

What `convert` would change, for a reviewer: every route of the target Body with its status
(added / changed / removed / unchanged) and the changes under it, VTL templates as line diffs, the
security findings, the literal -> intrinsic rewrites that reach the file, every other change
(Parameters, Body settings, other resources, other files such as `dependsOn` wiring) in its own
section, and a unified diff per route. Renderers (exporter/render/) turn it into text.

Cost: routes are compared with `==` first; inside a route that differs, mappings are walked with
`==` and DeepDiff only gets the lists that differ (where its pairing of items earns its cost); the
unified diff is per route (a few dozen lines each), never over the whole template. On the generated
1,500-method export (scripts/bench_diff.py) a DeepDiff of the whole Body costs about 5x convert;
this shape keeps DeepDiff near 0.05 s and the whole preview near 1x convert.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from exporter.aws import method_name, split_pointer
from exporter.io.load import Document, operations, parse_text
from exporter.io.write import pretty_json
from exporter.resolve import INTRINSICS
from exporter.rewrite import Rewrite
from exporter.model import Finding
from exporter.security import Comparer
from exporter.targets.shared import HASHED, redeploy_stem

ADDED, CHANGED, REMOVED, UNCHANGED = "added", "changed", "removed", "unchanged"
REWRITTEN = "rewritten"  # the text changes, the deployed value does not (literal -> intrinsic)
RENAMED = "renamed"  # a resource under a new logical id (a Deployment renamed after the Body's hash to redeploy)
STATUSES = (ADDED, CHANGED, REMOVED, UNCHANGED)


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


@dataclass
class Change:
    where: str  # inside the route or section: integration.requestTemplates["application/json"]
    kind: str  # added | removed | changed | rewritten
    before: Any = None
    after: Any = None
    lines: list[str] = field(default_factory=list)  # line diff of a multi-line string (VTL)


@dataclass
class RouteDiff:
    method: str
    path: str
    status: str
    changes: list[Change] = field(default_factory=list)
    diff: list[str] = field(default_factory=list)  # unified diff of this route, JSON-rendered
    note: str = ""
    integration: str = ""  # what an added or removed route calls: `aws states:action/StartExecution`

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class OtherDiff:
    """A change outside the routes: a parameter, a Body setting, another resource, another file."""

    file: str
    section: str  # Parameters | <Api> Body | Resources | Outputs | <top-level key of another file>
    name: str
    status: str
    changes: list[Change] = field(default_factory=list)
    diff: list[str] = field(default_factory=list)
    renamed_from: str = ""  # RENAMED: the logical id it had


@dataclass
class RewriteRow:
    pointer: str  # JSON pointer into the export
    rule: str
    before: str
    after: Any
    route: str | None  # "POST /orders" when inside a route
    where: str  # inside the route (or the pointer when not in one)


@dataclass
class FileChange:
    """A file convert would write: its text now (None: new file) and after."""

    path: str
    before: str | None
    after: str


@dataclass
class Preview:
    template: str
    api: str
    routes: list[RouteDiff]
    security: list[Finding]
    rewrites: list[RewriteRow]
    other: list[OtherDiff]
    files: list[str]  # every file that would change
    # False where the destination leaves the template alone (Amplify CLI >= 7: the change goes to
    # override.ts, build/ is regenerated): routes then compare the export with that template
    template_written: bool = True

    @property
    def changed(self) -> bool:
        return bool(self.files)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for r in self.routes:
            out[r.status] += 1
        return out

    def security_only(self) -> list[RouteDiff]:
        """Routes the Body leaves as they were whose security still changes: a security finding names them
        (their authorizer reads another identity source). Reports count them as changed in security."""
        flagged = {f.route for f in self.security}
        return [r for r in self.routes if r.status == UNCHANGED and r.name in flagged]


# ---------------------------------------------------------------------------------------------
# Small helpers the renderers share


def brief(value: Any, limit: int = 80) -> str:
    """A value on one line, cut to `limit` characters."""
    if value is MISSING or value is None:
        return "-" if value is MISSING else "null"
    if isinstance(value, str):
        text = value
    elif isinstance(value, dict) and list(value) == ["Ref"] and isinstance(value["Ref"], str):
        text = "!Ref " + value["Ref"]
    elif _is_intrinsic(value) and text_view(value) is not None:  # !Sub text / !Join parts as ${Ref}
        text = "!" + next(iter(value)).removeprefix("Fn::") + " " + text_view(value)
    else:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    text = text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\r")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(value: Any) -> Any:
    """JSON-ready: MISSING becomes None."""
    return None if value is MISSING else value


def _is_intrinsic(node: Any) -> bool:
    return isinstance(node, dict) and len(node) == 1 and next(iter(node)) in INTRINSICS


def text_view(value: Any) -> str | None:
    """A string-valued node as a reviewer reads it: Fn::Sub's text, Fn::Join's parts with ${Ref}."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Fn::Sub":
            text = arg[0] if isinstance(arg, list) and arg else arg
            return text if isinstance(text, str) else None
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list) and isinstance(arg[0], str):
            parts = []
            for p in arg[1]:
                if isinstance(p, str):
                    parts.append(p)
                elif isinstance(p, dict) and list(p) == ["Ref"]:
                    parts.append("${" + str(p["Ref"]) + "}")
                else:
                    parts.append("${" + json.dumps(p, separators=(",", ":")) + "}")
            return arg[0].join(parts)
    return None


def _line_diff(before: Any, after: Any) -> list[str]:
    """A line diff when either side is multi-line text (a VTL mapping template), else []."""
    b, a = text_view(before) if before is not MISSING else "", text_view(after) if after is not MISSING else ""
    if b is None or a is None or ("\n" not in b and "\n" not in a):
        return []
    b_lines = b.replace("\r\n", "\n").split("\n") if before is not MISSING else []
    a_lines = a.replace("\r\n", "\n").split("\n") if after is not MISSING else []
    return [line for line in difflib.unified_diff(b_lines, a_lines, n=2, lineterm="")][2:]


def where(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.replace("-", "_").replace("$", "_").isidentifier() and "." not in part:
            out += ("." if out else "") + part
        else:
            out += f"[{json.dumps(part)}]"
    return out


def _dump(value: Any) -> list[str]:
    if value is MISSING:
        return []
    # exactly json.dumps(value, indent=2, ensure_ascii=False), without the stdlib's generator-based indenting encoder
    return pretty_json(value, unit="  ", sep=": ", ensure_ascii=False).split("\n")


def unified(label: str, before: Any, after: Any) -> list[str]:
    """Unified diff of one route or section, rendered as JSON (the template's own key order)."""
    a, b = _dump(before), _dump(after)
    if bool(a) != bool(b):  # a route added or removed: one hunk, as difflib writes it, without its matcher
        return [f"--- a/{label}", f"+++ b/{label}",
                f"@@ -{_hunk_range(len(a))} +{_hunk_range(len(b))} @@", *(("+" if b else "-") + line for line in (b or a))]
    return list(difflib.unified_diff(a, b, f"a/{label}", f"b/{label}", n=3, lineterm=""))


def _hunk_range(length: int) -> str:
    """difflib's range of a whole side in a unified hunk header: 0,0 for none, 1 for one line, else 1,N."""
    return "0,0" if not length else "1" if length == 1 else f"1,{length}"


# ---------------------------------------------------------------------------------------------
# Changes inside one node: `==` down the mappings, DeepDiff for the lists that differ


def _get(node: Any, path: list) -> Any:
    for part in path:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return MISSING
    return node


def _cut_at_intrinsic(before: Any, after: Any, path: list) -> list:
    """The path up to the first intrinsic on either side: Fn::Sub vs a string is one change."""
    b, a = before, after
    for i, part in enumerate(path):
        if _is_intrinsic(b) or _is_intrinsic(a):
            return path[:i]
        b, a = _get(b, [part]), _get(a, [part])
    return path


def _order(before: Any, after: Any, path: list) -> tuple:
    """Document order: each key's position in its mapping (after's, else before's)."""
    key = []
    b, a = before, after
    for part in path:
        host = a if isinstance(a, (dict, list)) and _get(a, [part]) is not MISSING else b
        if isinstance(host, dict):
            key.append(list(host).index(part) if part in host else 10**9)
        else:
            key.append(part if isinstance(part, int) else 10**9)
        b, a = _get(b, [part]), _get(a, [part])
    return tuple(key)


def changes(before: Any, after: Any, cmp: Comparer) -> list[Change]:
    """Each change between two (different) nodes, at the shallowest path that says it all.

    Mappings are walked with `==` (cheap, and most of an operation is equal); DeepDiff gets only
    the lists that differ (parameters, security requirements), where it pairs items up."""
    paths: list[list] = []
    _differing(before, after, [], paths)
    return [_change(p, _get(before, p), _get(after, p), cmp) for p in _split_templates(before, after, paths)]


def _differing(before: Any, after: Any, prefix: list, out: list[list]) -> None:
    if isinstance(before, dict) and isinstance(after, dict) and not _is_intrinsic(before) and not _is_intrinsic(after):
        for key in list(after) + [k for k in before if k not in after]:
            b, a = before.get(key, MISSING), after.get(key, MISSING)
            if b is MISSING or a is MISSING:
                out.append(prefix + [key])
            elif b != a:
                _differing(b, a, prefix + [key], out)
        return
    if isinstance(before, list) and isinstance(after, list):
        if not before or not after:  # every item added (or removed), at its index: what DeepDiff reports, without importing it
            out.extend(prefix + [i] for i in range(len(before or after)))
            return
        from deepdiff import DeepDiff

        found: dict[tuple, list] = {}
        for items in DeepDiff(before, after, view="tree", cache_size=0).tree.values():
            for item in items:
                cut = _cut_at_intrinsic(before, after, list(item.path(output_format="list")))
                found.setdefault(tuple(cut), cut)
        # document order; ties (a key removed where another was added) by name, as DeepDiff's own
        # order varies with the hash seed
        for cut in sorted(found.values(), key=lambda p: (_order(before, after, p), [str(x) for x in p])):
            out.append(prefix + cut)
        return
    out.append(prefix)


def _split_templates(before: Any, after: Any, paths: list[list]) -> list[list]:
    """A whole mapping of VTL templates added or removed: one change per content type, so each
    template shows as lines."""
    out = []
    for p in paths:
        node = _get(after, p)
        node = _get(before, p) if node is MISSING else node
        if (_get(before, p) is MISSING or _get(after, p) is MISSING) and isinstance(node, dict) and not _is_intrinsic(node) \
                and any("\n" in (text_view(v) or "") for v in node.values()):
            out += [p + [k] for k in node]
        else:
            out.append(p)
    return out


def _change(path: list, b: Any, a: Any, cmp: Comparer) -> Change:
    if b is MISSING:
        kind = ADDED
    elif a is MISSING:
        kind = REMOVED
    elif cmp.same(b, a):
        kind = REWRITTEN
    else:
        kind = CHANGED
    return Change(where(path), kind, b, a, _line_diff(b, a))


# ---------------------------------------------------------------------------------------------
# The preview


def _routes(before: Mapping | None, after: Mapping, kept: set[str], cmp: Comparer) -> list[RouteDiff]:
    old = {(p, k): op for p, k, op in operations(before)}
    out = []
    seen = set()
    for path, key, op in operations(after):
        seen.add((path, key))
        method = method_name(key)
        prev = old.get((path, key))
        note = "not in the export (kept; --prune removes it)" if f"{method} {path}" in kept else ""
        if prev is None:
            out.append(RouteDiff(method, path, ADDED, [], unified(f"{method} {path}", MISSING, op), note, _calls(op)))
        elif prev == op:
            out.append(RouteDiff(method, path, UNCHANGED, note=note))
        else:
            out.append(RouteDiff(method, path, CHANGED, changes(prev, op, cmp), unified(f"{method} {path}", prev, op), note))
    for (path, key), op in old.items():
        if (path, key) not in seen:
            method = method_name(key)
            out.append(RouteDiff(method, path, REMOVED, [], unified(f"{method} {path}", op, MISSING), integration=_calls(op)))
    return out


def _calls(op: Mapping) -> str:
    """`aws states:action/StartExecution`: the integration type and its URI, less the ARN prefix."""
    integ = op.get("x-amazon-apigateway-integration")
    if not isinstance(integ, dict):
        return ""
    uri = integ.get("uri")
    text = (text_view(uri) or brief(uri)) if uri is not None else ""
    text = re.sub(r"^arn:(?:\$\{[^}]*\}|[^:$])*:apigateway:(?:\$\{[^}]*\}|[^:$])*:", "", text)  # the service action or path says it
    fn = re.fullmatch(r"lambda:path/[^/]*/functions/(.*)/invocations", text)
    if fn:  # a Lambda function: its name (or the parameter that holds its ARN)
        text = "lambda " + fn.group(1).rsplit(":function:", 1)[-1]
    tail = text if len(text) <= 60 else "…" + text[-59:]
    return f"{integ.get('type', '?')} {tail}".strip()


def _mapping_diffs(file: str, section: str, before: Any, after: Any, cmp: Comparer, *, skip: Iterable[str] = ()) -> list[OtherDiff]:
    """One OtherDiff per entry of a mapping that differs (== first; DeepDiff only on those)."""
    before = before if isinstance(before, dict) else ({} if before is MISSING or before is None else {"": before})
    after = after if isinstance(after, dict) else ({} if after is MISSING or after is None else {"": after})
    out = []
    renamed = _renames(before, after) if section == "Resources" else {}
    for name in list(after) + [k for k in before if k not in after and k not in renamed.values()]:
        if name in skip:
            continue
        old = renamed.get(name, name)
        b, a = before.get(old, MISSING), after.get(name, MISSING)
        if b == a and old == name:
            continue
        status = RENAMED if old != name else ADDED if b is MISSING else REMOVED if a is MISSING else CHANGED
        found = changes(b, a, cmp) if status in (CHANGED, RENAMED) else []
        label = f"{section}.{name}" if section else name
        out.append(OtherDiff(file, section, name, status, found, unified(label, b, a) if b != a else [], old if old != name else ""))
    return out


def _renames(before: dict, after: dict) -> dict[str, str]:
    """New logical id -> old one, for a resource the redeploy renamed: the old id's stem (less the
    hash an earlier redeploy gave it) plus a content hash, of the same Type."""
    gone = [k for k in before if k not in after]
    out: dict[str, str] = {}
    for name in after:
        if name in before or not HASHED.match(name):
            continue
        stem = redeploy_stem(name)
        for old in gone:
            if redeploy_stem(old) == stem and old not in out.values() and isinstance(before[old], dict) \
                    and isinstance(after[name], dict) and before[old].get("Type") == after[name].get("Type"):
                out[name] = old
                break
    return out


def _template_other(file: str, before: dict, after: dict, api: str, body_key: str, cmp: Comparer) -> list[OtherDiff]:
    out: list[OtherDiff] = []
    for key in list(after) + [k for k in before if k not in after]:
        b, a = before.get(key, MISSING), after.get(key, MISSING)
        if b == a:
            continue
        if key == "Resources" and isinstance(b, dict) and isinstance(a, dict):
            out += _mapping_diffs(file, "Resources", b, a, cmp, skip=[api])
            rb, ra = b.get(api) or {}, a.get(api) or {}
            out += _mapping_diffs(file, f"{api}", {k: v for k, v in rb.items() if k != "Properties"},
                                  {k: v for k, v in ra.items() if k != "Properties"}, cmp)
            pb, pa = rb.get("Properties") or {}, ra.get("Properties") or {}
            out += _mapping_diffs(file, f"{api}.Properties", pb, pa, cmp, skip=[body_key])
            out += _mapping_diffs(file, f"{api} {body_key}", pb.get(body_key) or {}, pa.get(body_key) or {}, cmp, skip=["paths"])
        elif isinstance(b, dict) or isinstance(a, dict):
            out += _mapping_diffs(file, key, b, a, cmp)
        else:
            out += _mapping_diffs(file, "", {key: b} if b is not MISSING else {}, {key: a} if a is not MISSING else {}, cmp)
    return out


def _at_pointer(node: Any, parts: list[str]) -> Any:
    for part in parts:
        node = _get(node, [int(part) if isinstance(node, list) and part.isdigit() else part])
        if node is MISSING:
            break
    return node


def _rewrites(rewrites: list[Rewrite], before_body: Mapping | None) -> list[RewriteRow]:
    """The rewrites that reach the file: not those the template already holds as they are."""
    out = []
    for rw in rewrites:
        parts = split_pointer(rw.pointer)
        if before_body is not None and _at_pointer(before_body, parts) == rw.after:
            continue
        route, inside = None, parts
        if len(parts) >= 3 and parts[0] == "paths":
            route, inside = f"{method_name(parts[2])} {parts[1]}", parts[3:]
        out.append(RewriteRow(rw.pointer, ",".join(rw.rules), rw.before, rw.after, route,
                              where([int(p) if p.isdigit() else p for p in inside]) or rw.pointer))
    return out


def build_preview(conv: Any, template_doc: Document, files: list[FileChange], template_written: bool = True) -> Preview:
    """The preview of a Conversion merged into `template_doc`; `files` are the texts convert would write."""
    target = conv.target
    cmp = Comparer(conv.values, template_doc.data, conv.template)
    before_body = conv.before_body or {}
    after_body = conv.template["Resources"][target.logical_id]["Properties"][target.body_key]
    routes = _routes(before_body, after_body, set(conv.report.kept_routes), cmp)
    other = _template_other(template_doc.path, template_doc.data, conv.template, target.logical_id, target.body_key, cmp)
    for f in files:
        if f.path == template_doc.path or f.before == f.after:
            continue
        other += _file_other(f, cmp)
    changed_files = [f.path for f in files if f.before != f.after]
    return Preview(template_doc.path, target.logical_id, routes, list(conv.security), _rewrites(conv.rewrites, before_body),
                   other, changed_files, template_written)


def _file_other(f: FileChange, cmp: Comparer) -> list[OtherDiff]:
    """Another file convert writes (e.g. Amplify's backend-config.json `dependsOn`)."""
    try:
        before = parse_text(f.before, f.path)[0] if f.before is not None else {}
        after = parse_text(f.after, f.path)[0]
    except Exception:  # noqa: BLE001 - not structured: show it as lines
        before, after = None, None
    if isinstance(before, dict) and isinstance(after, dict):
        return _mapping_diffs(f.path, "", before, after, cmp)
    lines = list(difflib.unified_diff((f.before or "").splitlines(), f.after.splitlines(), f"a/{f.path}", f"b/{f.path}", lineterm=""))
    return [OtherDiff(f.path, "", f.path, ADDED if f.before is None else CHANGED, [], lines)]
