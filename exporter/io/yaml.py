"""ruamel.yaml, the one module that imports it: safe loading with CloudFormation's short-form tags
(no tag builds an object), round-trip loading of small files (rule files, the project config), node
positions for messages, and the round-trip writer that keeps comments, quotes and short tags.
Exporter code outside this module sees plain data, UserErrors and text."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from typing import Any

from exporter.aws import CFN_TAGS, SHORT_TAGS, renamed_keys, split_pointer
from exporter.errors import Refused, UserError

# ---------------------------------------------------------------------------------------------
# Errors


def yaml_error(e: BaseException, name: str, *, hand_written: bool = False) -> UserError:
    """One line for any failure of ruamel's loaders on `name`'s text; `hand_written` (a rule file, the
    config) adds hints for the two mistakes people make typing YAML patterns."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    if isinstance(e, UserError):  # a tag refused by our constructor: it knows no file name
        return UserError(e.message, file=name, line=e.line)
    if isinstance(e, MarkedYAMLError):
        mark = e.problem_mark or e.context_mark
        problem = (e.problem or e.context or "syntax error").strip()
        if "could not determine a constructor" in str(e) or "unacceptable" in problem:
            tag = re.search(r"tag '([^']+)'", str(e))
            problem = f"unsafe or unknown YAML tag {tag.group(1)!r} refused" if tag else "unsafe or unknown YAML tag refused"
        elif hand_written and problem.startswith("mapping values are not allowed"):
            problem += " (a value holding ': ' must be quoted, e.g. description: \"...: ...\")"
        elif hand_written and problem.startswith("found unknown escape character"):
            problem += " (inside double quotes a backslash starts a YAML escape: write patterns in 'single quotes')"
        return UserError(f"invalid YAML: {problem}", file=name, line=(mark.line + 1) if mark else None)
    if isinstance(e, YAMLError):
        return UserError(f"invalid YAML: {str(e).splitlines()[0]}", file=name)
    if isinstance(e, RecursionError):
        return UserError("invalid YAML: nested too deeply", file=name)
    return UserError(f"invalid YAML: {e}", file=name)  # ruamel's own TypeError/ValueError on malformed merge keys


_LOAD_ERRORS: tuple[type[BaseException], ...] = (UserError, RecursionError, TypeError, ValueError)


def _load_errors() -> tuple[type[BaseException], ...]:
    from ruamel.yaml.error import YAMLError

    return (YAMLError, *_LOAD_ERRORS)


# ---------------------------------------------------------------------------------------------
# Reading exports and templates (safe)


def _cfn_constructor(loader, tag_suffix, node):  # noqa: ANN001 - ruamel's callback signature
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    tag = "!" + tag_suffix
    key = CFN_TAGS.get(tag)
    if key is None:  # the line as every other message has it: yaml_error adds the file, FILE:LINE: message
        raise UserError(f"unsupported YAML tag {tag!r}", line=node.start_mark.line + 1)
    if isinstance(node, ScalarNode):
        value: Any = loader.construct_scalar(node)
        if key == "Fn::GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:  # pragma: no cover - ruamel has no other node kinds
        raise UserError(f"unsupported YAML node for tag {tag}", line=node.start_mark.line + 1)
    return {key: value}


def _number(construct):  # noqa: ANN001, ANN202 - wraps one of ruamel's scalar constructors
    """A YAML number, refused when no stage could carry it: an integer past Python's int-to-text limit,
    whatever its base (0x, 0b, 0o and 1:30 reach it without a decimal text to count; its value is
    counted), and a float that overflows to infinity or underflows to 0 (the text says what it meant)."""
    from exporter.shapes import float_problem, int_problem

    def checked(loader, node):  # noqa: ANN001, ANN202 - ruamel's callback signature
        try:
            value = construct(loader, node)
        except ValueError:  # a decimal text past the limit: int() itself refuses it
            digits = sum(c.isdigit() for c in node.value)
            raise UserError(f"invalid YAML: an integer of {digits:,} digits is out of range", line=node.start_mark.line + 1) from None
        problem = int_problem(value) if isinstance(value, int) else float_problem(node.value, value) if isinstance(value, float) else None
        if problem:
            raise UserError(f"invalid YAML: {problem}", line=node.start_mark.line + 1)
        return value

    return checked


_SAFE_CONSTRUCTOR = None


def _yaml_safe():
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import SafeConstructor

    global _SAFE_CONSTRUCTOR
    if _SAFE_CONSTRUCTOR is None:
        # ruamel registers constructors per class: on a subclass of our own, so no other loader in
        # the process (the rule files' round-trip loader, the writer's) sees our tags.
        class CfnConstructor(SafeConstructor):
            pass

        CfnConstructor.add_multi_constructor("!", _cfn_constructor)
        # CloudFormation and API Gateway read YAML timestamps as the strings they are written as.
        CfnConstructor.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))
        CfnConstructor.add_constructor("tag:yaml.org,2002:int", _number(SafeConstructor.construct_yaml_int))
        CfnConstructor.add_constructor("tag:yaml.org,2002:float", _number(SafeConstructor.construct_yaml_float))
        _SAFE_CONSTRUCTOR = CfnConstructor
    yaml = YAML(typ="safe", pure=True)
    yaml.Constructor = _SAFE_CONSTRUCTOR
    return yaml


def load_all_safe(text: str, name: str) -> list[Any]:
    """Every document of a YAML text, through the safe loader with CloudFormation's tags."""
    try:
        return list(_yaml_safe().load_all(text))
    except _load_errors() as e:
        raise yaml_error(e, name) from None


# ---------------------------------------------------------------------------------------------
# YAML data as JSON sees it


def json_keys(node: Any, pointer: str = "") -> Any:
    """Mapping keys as JSON has them: YAML's `200:` is the string "200" (as in OpenAPI and CloudFormation).
    Values JSON cannot hold (!!binary, !!set, .nan, a list as a key) are refused, never passed on changed."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            key = _key(k, pointer)
            if key in out:
                raise Refused(f"duplicate key {key!r} (as JSON sees keys)", pointer)
            out[key] = json_keys(v, f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}")
        return out
    if isinstance(node, list):
        return [json_keys(v, f"{pointer}/{i}") for i, v in enumerate(node)]
    if isinstance(node, float) and (node != node or node in (float("inf"), float("-inf"))):
        raise Refused(f"{node} has no JSON equivalent", pointer)
    if node is None or isinstance(node, (str, int, float, bool)):
        return node
    raise Refused(f"a YAML {type(node).__name__} value has no JSON equivalent", pointer)


def json_key(k: Any) -> str:
    """A YAML mapping key as JSON has it (`200:` -> "200")."""
    return _key(k, "")


def _key(k: Any, pointer: str) -> str:
    if isinstance(k, bool):
        return "true" if k else "false"
    if k is None:
        return "null"
    if isinstance(k, (str, int, float)):
        return k if isinstance(k, str) else str(k)
    raise Refused(f"a {type(k).__name__} used as a mapping key has no JSON equivalent", pointer)


def yaml_locator(text: str):  # noqa: ANN202
    from ruamel.yaml import YAML
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    try:
        root = YAML(typ="safe", pure=True).compose(text)
    except Exception:  # noqa: BLE001 - already loaded once; positions are a nicety
        return lambda pointer: None

    def locate(pointer: str) -> int | None:
        node = root
        for seg in split_pointer(pointer):
            if isinstance(node, MappingNode):
                nxt = next((v for k, v in node.value if getattr(k, "value", None) == seg), None)
            elif isinstance(node, SequenceNode) and seg.isdigit() and int(seg) < len(node.value):
                nxt = node.value[int(seg)]
            else:
                nxt = None
            if nxt is None:
                break  # a short-form tag (!Sub) or a string: stay on this node
            node = nxt
        return node.start_mark.line + 1 if node is not None else None

    return locate


# ---------------------------------------------------------------------------------------------
# Small round-trip files (rule files, the project config): positions kept, no tag table


def _rule_constructor() -> type:
    """ruamel's round-trip constructor with its own (empty) tag table: the safe loader registers
    CloudFormation tags on its own class, and a rule file must see every tag as the unknown it is."""
    from ruamel.yaml.constructor import RoundTripConstructor

    return type("RuleConstructor", (RoundTripConstructor,), {"yaml_multi_constructors": {}})


def load_rt(text: str, name: str) -> Any:
    """A small YAML text as round-trip data (mappings know their lines); tags are left for the caller to refuse."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.Constructor = _rule_constructor()
    try:
        return yaml.load(text)
    except _load_errors() as e:
        raise yaml_error(e, name, hand_written=True) from None


def parse_rt_text(text: str) -> Any:
    """Text known to be valid (e.g. a scaffold) as round-trip data."""
    from ruamel.yaml import YAML

    return YAML(typ="rt").load(text)


# ---------------------------------------------------------------------------------------------
# Writing: the round-trip tree, patched


def _yaml_rt(text: str = ""):
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.Constructor, yaml.Representer = _float_keeping()
    yaml.preserve_quotes = True
    yaml.width = 4096
    mapping, offset = detect_yaml_indent(text)
    yaml.indent(mapping=mapping, sequence=offset + 2, offset=offset)  # an item's text starts after "- "
    if len(re.findall(r'(?m)(?:: |^\s*- )"', text)) > len(re.findall(r"(?m)(?:: |^\s*- )'", text)):
        yaml.Emitter = _double_quoting_emitter()
    return yaml


_FLOAT_KEEPING = None


def _float_keeping() -> tuple[type, type]:
    """ruamel's round-trip constructor and representer, except that a float read from the file is
    written back as the text it was read from. ruamel rebuilds a float's text from its width and
    precision, which changes some values (6.994738098826268e-23 is written 6.994738098826267e-23)
    and the text of others (1_000.5 as 01000.5); the value read is the one the text gives, so the
    text is right. A float the tree gets from new data is a plain float, written as repr() writes it."""
    global _FLOAT_KEEPING
    if _FLOAT_KEEPING is None:
        from ruamel.yaml.constructor import RoundTripConstructor
        from ruamel.yaml.representer import RoundTripRepresenter
        from ruamel.yaml.scalarfloat import ScalarFloat

        class FloatKeepingConstructor(RoundTripConstructor):
            def construct_yaml_float(self, node):  # noqa: ANN001, ANN202 - ruamel's hook
                value = super().construct_yaml_float(node)
                if isinstance(value, ScalarFloat):
                    value._source = node.value
                return value

        class FloatKeepingRepresenter(RoundTripRepresenter):
            def represent_scalar_float(self, data):  # noqa: ANN001, ANN202 - ruamel's hook
                source = getattr(data, "_source", None)
                if source is None:
                    return super().represent_scalar_float(data)
                return self.represent_scalar("tag:yaml.org,2002:float", source, anchor=data.yaml_anchor(any=True))

        FloatKeepingConstructor.add_constructor("tag:yaml.org,2002:float", FloatKeepingConstructor.construct_yaml_float)
        FloatKeepingRepresenter.add_representer(ScalarFloat, FloatKeepingRepresenter.represent_scalar_float)
        _FLOAT_KEEPING = (FloatKeepingConstructor, FloatKeepingRepresenter)
    return _FLOAT_KEEPING


def _double_quoting_emitter():
    """An emitter that quotes a new string that cannot be plain with "...", as the file itself does
    (ruamel picks '...'); strings read from the file keep the quotes they had."""
    from ruamel.yaml.emitter import Emitter

    class DoubleQuoting(Emitter):
        def choose_scalar_style(self):  # noqa: ANN202 - ruamel's hook
            style = super().choose_scalar_style()
            if style == "'" and not self.event.style and '"' not in self.event.value and "\\" not in self.event.value:
                return '"'
            return style

    return DoubleQuoting


_KEY_LINE = re.compile(r"^( *)(?![-#])[^\s][^#]*:[ \t]*(?:#.*)?$")
_ITEM_LINE = re.compile(r"^( *)- ")


def detect_yaml_indent(text: str) -> tuple[int, int]:
    """(mapping indent, dash offset) the file uses, so re-dumped and new blocks look like their neighbours.

    A block sequence under `key:` is written either with the dash under the key (offset 0) or indented
    (`  - item`, offset 2); ruamel's dumper uses one style for the whole file, so take the common one.
    """
    mappings: Counter = Counter()
    offsets: Counter = Counter()
    prev: re.Match | None = None
    for line in text.splitlines()[:5000]:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if prev is not None:
            item = _ITEM_LINE.match(line)
            indent = len(line) - len(line.lstrip(" "))
            if item:
                offsets[len(item.group(1)) - len(prev.group(1))] += 1
            elif indent > len(prev.group(1)):
                mappings[indent - len(prev.group(1))] += 1
        prev = _KEY_LINE.match(line)
    mapping = mappings.most_common(1)[0][0] if mappings else 2
    offset = offsets.most_common(1)[0][0] if offsets else 0
    return mapping, max(0, min(offset, mapping))


LONG_OF = {v: k for k, v in SHORT_TAGS.items()}


def plain_of_rt(node: Any, lines: list[str] | None = None) -> Any:
    """A ruamel round-trip node as plain data the way load.py reads the same file: intrinsics in
    long form, mapping keys as JSON strings (`200:` is "200"), timestamps as the text written."""
    from ruamel.yaml.comments import TaggedScalar

    tag = getattr(getattr(node, "tag", None), "value", None)
    if isinstance(node, TaggedScalar):
        long = LONG_OF.get(node.tag.value)
        value = node.value
        if long == "Fn::GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {long: value} if long else value
    if isinstance(node, dict):
        plain = {json_key(k): _scalar_text(node, k, lines) or plain_of_rt(v, lines) for k, v in node.items()}
        if tag in LONG_OF:
            return {LONG_OF[tag]: plain}
        return plain
    if isinstance(node, list):
        plain_list = [_scalar_text(node, i, lines) or plain_of_rt(v, lines) for i, v in enumerate(node)]
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


def _scalar_text(parent: Any, key: Any, lines: list[str] | None) -> str | None:
    """A timestamp's source text (load.py keeps timestamps as the strings CloudFormation sees)."""
    value = parent[key]
    if lines is None or not isinstance(value, (datetime.date, datetime.datetime)):
        return None
    try:
        line, col = parent.lc.value(key) if isinstance(parent, dict) else parent.lc.item(key)
    except (AttributeError, KeyError, TypeError):
        return None
    m = re.match(r"[^\s#,\]}]+(?:[ Tt][^\s#,\]}]+)*", lines[line][col:])
    return m.group(0) if m else None


def _to_rt(value: Any, short: bool) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

    if isinstance(value, dict):
        if short and len(value) == 1:
            ((k, v),) = value.items()
            tag = SHORT_TAGS.get(k)
            if tag and isinstance(v, str) and "\r" not in v:
                style = '"' if _needs_escapes(v) else "|" if "\n" in v else None
                return TaggedScalar(v, style=style, tag=tag)
            if k == "Fn::GetAtt" and isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v) and "." not in v[0]:
                return TaggedScalar(f"{v[0]}.{v[1]}", style=None, tag=tag)  # !GetAtt A.B, as templates write it
            if tag and isinstance(v, list) and k != "Fn::GetAtt":
                seq = CommentedSeq(_to_rt(x, short) for x in v)
                seq.yaml_set_ctag(_ctag(tag))
                return seq
        m = CommentedMap()
        for k, v in value.items():
            m[_rt_key(k)] = _to_rt(v, short)
        return m
    if isinstance(value, list):
        return CommentedSeq(_to_rt(x, short) for x in value)
    if isinstance(value, str) and _needs_escapes(value):
        return DoubleQuotedScalarString(value)
    if isinstance(value, str) and "\n" in value and "\r" not in value and not value.endswith(" "):
        return LiteralScalarString(value)
    return value


def _rt_key(key: Any) -> Any:
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    return DoubleQuotedScalarString(key) if isinstance(key, str) and _needs_escapes(key) else key


def _needs_escapes(text: str) -> bool:
    # YAML reads NEL and the Unicode line/paragraph separators as line breaks outside double
    # quotes, where they can be escaped (\N, \L, \P); ruamel would otherwise write them raw.
    return any(c in text for c in "\x85\u2028\u2029")


def _ctag(tag: str):
    from ruamel.yaml.tag import Tag

    return Tag(suffix=tag)


def _shared_nodes(tree: Any) -> frozenset[int]:
    """ids of the mappings and sequences the tree holds more than once (a YAML anchor and its aliases)."""
    seen: set[int] = set()
    shared: set[int] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if not isinstance(node, (dict, list)):
            continue
        if id(node) in seen:
            shared.add(id(node))
            continue  # (its children were counted the first time)
        seen.add(id(node))
        stack.extend(node.values() if isinstance(node, dict) else node)
    return frozenset(shared)


def _patch_rt(node: Any, old: Any, new: Any, short: bool, shared: frozenset[int] = frozenset()) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if old is new or (type(old) is type(new) and old == new):
        return node
    if id(node) in shared:
        # an anchored node its aliases also show: a change here must not change them, so this place gets
        # a new node and the aliases keep the old one (written out where the first of them stands)
        return _to_rt(new, short)
    tag = getattr(getattr(node, "tag", None), "value", None)
    if isinstance(node, CommentedMap) and tag is None and isinstance(old, dict) and isinstance(new, dict):
        original = {json_key(k): k for k in node}  # `200:` is the int 200 in the tree, "200" in the data
        for nk, ok in renamed_keys(old, new).items():  # renamed in place: the member stays where it was
            if ok in original:
                pos = list(node).index(original[ok])
                comments = node.ca.items.pop(original[ok], None)  # a comment above the key, or after its value
                node.insert(pos, _rt_key(nk), node.pop(original[ok]))
                if comments is not None:
                    node.ca.items[_rt_key(nk)] = comments
                old = {(nk if k == ok else k): v for k, v in old.items()}
                original = {json_key(k): k for k in node}
        for k in [k for k in original if k not in new]:
            del node[original[k]]
        for k, v in new.items():
            if k in original:
                patched = _patch_rt(node[original[k]], old.get(k), v, short, shared)
                if patched is not node[original[k]]:  # (setting a key a `<<:` merge supplies would write it out)
                    node[original[k]] = patched
            else:
                node[_rt_key(k)] = _to_rt(v, short)
        return node
    if isinstance(node, CommentedSeq) and tag is not None and isinstance(new, dict) and isinstance(old, dict) and len(new) == len(old) == 1:
        ((k, v),) = new.items()
        was = old.get(k)
        if SHORT_TAGS.get(k) == tag and isinstance(v, list) and isinstance(was, list) and len(was) == len(v) == len(node):
            for i, (o, x) in enumerate(zip(was, v)):  # `!Join [...]` item by item: its quotes and flow style stay
                node[i] = _patch_rt(node[i], o, x, short, shared)
            return node
    if isinstance(node, CommentedSeq) and tag is None and isinstance(new, list) and isinstance(old, list) and len(old) == len(new):
        for i, (o, v) in enumerate(zip(old, new)):
            node[i] = _patch_rt(node[i], o, v, short, shared)
        return node
    return _same_style(node, _to_rt(new, short))


def _same_style(node: Any, new: Any) -> Any:
    """A replaced scalar keeps the original's quoting (`!Sub "after ${X}"`, 'quoted'), where the new text allows it."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

    tag = getattr(getattr(node, "tag", None), "value", None)
    if isinstance(node, CommentedSeq) and tag == "!GetAtt" and isinstance(new, TaggedScalar) and new.tag.value == "!GetAtt":
        new = CommentedSeq(str(new.value).split(".", 1))  # `!GetAtt [A, B]` stays a sequence
        new.yaml_set_ctag(node.tag)
    if isinstance(node, (CommentedSeq, CommentedMap)) and type(new) is type(node) and node.fa.flow_style():
        new.fa.set_flow_style()  # `!Join [...]`, `{a: 1}` stay on one line
        return new
    if isinstance(node, TaggedScalar) and isinstance(new, TaggedScalar) and node.tag.value == new.tag.value and new.style is None \
            and node.style in ('"', "'") and "\n" not in str(new.value) and (node.style == '"' or "'" not in str(new.value)):
        new.style = node.style
    elif type(node) in (DoubleQuotedScalarString, SingleQuotedScalarString) and type(new) is str and "\n" not in new:
        return type(node)(new)
    return new


def load_rt_tree(text: str) -> Any:
    """The writer's round-trip tree of a YAML text (comments, quotes and tags kept)."""
    return _yaml_rt().load(text)


def redump(text: str, new: Any) -> tuple[str, str]:
    """(ruamel's dump of `text` as read, its dump after patching the tree to `new`): the writer splices
    the change between the two into the original text. `text` uses LF line ends."""
    import io

    yaml = _yaml_rt(text)
    tree = yaml.load(text)
    old = plain_of_rt(tree, text.splitlines())
    short = bool(re.search(r"(?m)(?:^|[\s:\-\[,])!(?:Ref|Sub|GetAtt|Join|If|Select|Split)\b", text))
    buf = io.StringIO()
    yaml.dump(tree, buf)
    base = buf.getvalue()
    tree = _patch_rt(tree, old, new, short, _shared_nodes(tree))
    buf = io.StringIO()
    yaml.dump(tree, buf)
    return base, buf.getvalue()


def dump_yaml(data: Any) -> str:
    import io

    yaml = _yaml_rt()
    buf = io.StringIO()
    yaml.dump(_to_rt(data, short=False), buf)
    return buf.getvalue()
