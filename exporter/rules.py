"""Rule files in: load, validate (with file/line/field in every message), compile once.

A rule is data. `match` is a regular expression whose *named groups* say what each part of a
literal is; the group's name picks its treatment (see GROUP_KINDS). `where` is one or more JSONPath
selectors (parsed by jsonpath-ng, compiled here to a matcher over JSON pointers so a rule costs one
regex test per string, never a document scan). See docs/rules.md for the schema.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exporter.errors import UserError
from exporter.load import kind_of

with warnings.catch_warnings():  # the regex parser is the only way to inspect a pattern's structure
    warnings.simplefilter("ignore", DeprecationWarning)
    import sre_constants
    import sre_parse

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "rules"

# Macros usable inside `match`, written {{name}}: shapes that many rules share.
MACROS = {
    "partition": r"aws(?:-cn|-us-gov|-iso(?:-[a-z])?)?",
    "region": r"(?:[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1,2})",
    "account": r"\d{12}",
    "urlsuffix": r"amazonaws\.com(?:\.cn)?",
}

# Group name (before the first "_") -> what the matched text becomes.
GROUP_KINDS = {
    "partition": "AWS::Partition when it is the home partition",
    "region": "AWS::Region when it is the home region (other regions stay literal and are reported)",
    "account": "AWS::AccountId when it is the home account (other accounts stay literal and are reported)",
    "urlsuffix": "AWS::URLSuffix when it is the home partition's suffix",
    "env": "${env} when it equals the environment name",
    "name": "a resource name: an -<env> suffix inside it becomes ${env}",
    "param": "param_<Name>: a new template parameter <Name> holding the value (VPC link ids, pool ids)",
}
KIND_OF = {k: k for k in GROUP_KINDS}

FIELDS = {"id", "description", "priority", "where", "match", "becomes", "when", "allow", "examples"}
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EXAMPLE_CONTEXT = {"account": "123456789012", "region": "us-east-1", "partition": "aws", "env": "dev", "api_id": "a1b2c3d4e5"}


@dataclass
class Example:
    name: str
    input: str
    output: Any = None  # expected value (sub style) for a rewriting example
    unchanged: bool = False
    pointer: str | None = None
    context: dict = field(default_factory=dict)


@dataclass
class Rule:
    id: str
    description: str
    source: str
    match_src: str
    where: list[str]
    priority: int = 50
    becomes: str | None = None
    when: dict = field(default_factory=dict)
    allow: bool = False
    examples: list[Example] = field(default_factory=list)
    pointer_re: re.Pattern | None = None  # compiled `where`; None = everywhere
    uses_env: bool = False

    def compile_match(self, env: str | None) -> re.Pattern | None:
        """The `match` regex with macros filled in; None when it needs an env and there is none."""
        if self.uses_env and not env:
            return None
        return _compile_pattern(self.match_src, env)

    def applies_at(self, pointer: str) -> bool:
        return self.pointer_re is None or self.pointer_re.match(pointer) is not None


def group_kind(name: str) -> str | None:
    return KIND_OF.get(name.split("_", 1)[0])


def _expand_macros(src: str, env: str | None) -> str:
    def repl(m: re.Match) -> str:
        key = m.group(1)
        if key == "env":
            return re.escape(env or "")
        return MACROS[key]

    return re.sub(r"\{\{(\w+)\}\}", repl, src)


_PATTERN_CACHE: dict[tuple[str, str | None], re.Pattern] = {}


def _compile_pattern(src: str, env: str | None) -> re.Pattern:
    key = (src, env)
    if key not in _PATTERN_CACHE:
        _PATTERN_CACHE[key] = re.compile(_expand_macros(src, env))
    return _PATTERN_CACHE[key]


# ---------------------------------------------------------------------------------------------
# Safety: a rule is data; its regex must not be able to hang the tool.


def _unbounded(op: Any, av: Any) -> bool:
    return op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT) and av[1] == sre_constants.MAXREPEAT


def _star_height(items: Any) -> int:
    """Nesting depth of unbounded repeats. Height >= 2, e.g. (a+)+, can backtrack exponentially."""
    best = 0
    for op, av in items:
        if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT):
            inner = _star_height(av[2])
            best = max(best, inner + (1 if _unbounded(op, av) else 0))
        elif op == sre_constants.SUBPATTERN:
            best = max(best, _star_height(av[-1]))
        elif op == sre_constants.BRANCH:
            best = max(best, *(_star_height(b) for b in av[1]))
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            best = max(best, _star_height(av[1]))
        elif op == sre_constants.ATOMIC_GROUP:
            best = max(best, _star_height(av))
    return best


def check_pattern(src: str) -> str | None:
    """An error message for a pattern that is invalid or could backtrack catastrophically, else None."""
    unknown = [m for m in re.findall(r"\{\{(\w+)\}\}", src) if m not in MACROS and m != "env"]
    if unknown:
        return f"unknown macro {{{{{unknown[0]}}}}} (known: {', '.join(sorted([*MACROS, 'env']))})"
    expanded = _expand_macros(src, "dev")
    try:
        compiled = re.compile(expanded)
        parsed = sre_parse.parse(expanded)
    except re.error as e:
        return f"invalid regular expression: {e}"
    if _star_height(list(parsed)) >= 2:
        return "nested unbounded repeats (like (a+)+) can make matching hang; rewrite the pattern without them"
    for name in compiled.groupindex:
        if group_kind(name) is None and not name.startswith("x_"):
            return f"group {name!r} has no known kind (use {', '.join(GROUP_KINDS)}, a <kind>_<suffix> name, or x_<name> for a helper group)"
    return None


# ---------------------------------------------------------------------------------------------
# `where`: JSONPath (parsed by jsonpath-ng) -> a regex over JSON pointers.


def _pointer_segment(text: str) -> str:
    return re.escape(text.replace("~", "~0").replace("/", "~1"))


def selector_to_regex(selector: str) -> str:
    """Compile the subset of JSONPath that selects by name: $, .name, ['name'], .*, [*], [n], ..name."""
    from jsonpath_ng import Child, Descendants, Fields, Index, Root, Slice
    from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
    from jsonpath_ng.jsonpath import This
    from jsonpath_ng.parser import parse

    try:
        tree = parse(selector)
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
        if isinstance(node, Index):
            return f"/{node.index}"
        if isinstance(node, Slice) and node.start is None and node.end is None and node.step is None:
            return r"/\d+"
        raise ValueError(f"JSONPath {selector!r}: '{node}' is not supported in 'where' (use names, *, [*], [n] and ..)")

    return walk(tree)


def compile_where(selectors: list[str]) -> re.Pattern | None:
    if any(s.strip() in ("$..*", "$..") for s in selectors):
        return None
    body = "|".join(f"(?:{selector_to_regex(s)})" for s in selectors)
    return re.compile(f"^(?:{body})(?:/.*)?$")  # a selected node selects every string beneath it


# ---------------------------------------------------------------------------------------------
# Loading


def _line_of(node: Any, key: str | None = None) -> int | None:
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        if key is not None and key in node:
            return lc.key(key)[0] + 1
        return lc.line + 1
    except Exception:  # noqa: BLE001 - positions are a nicety, never a failure
        return None


def _err(msg: str, path: str, node: Any = None, key: str | None = None) -> UserError:
    return UserError(msg, file=path, line=_line_of(node, key))


def _load_yaml_rt(path: Path) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    from exporter.load import check_expanded_size, read_text

    text = read_text(path)
    yaml = YAML(typ="rt")
    try:
        data = yaml.load(text)
    except UserError as e:  # a tag refused by load.py's constructor (ruamel registers it class-wide)
        raise UserError(e.message, file=str(path)) from None
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise UserError(f"invalid YAML: {(e.problem or e.context or 'syntax error').strip()}", file=str(path), line=(mark.line + 1) if mark else None) from None
    except YAMLError as e:
        raise UserError(f"invalid YAML: {str(e).splitlines()[0]}", file=str(path)) from None
    except RecursionError:
        raise UserError("invalid YAML: nested too deeply", file=str(path)) from None
    except (TypeError, ValueError) as e:  # ruamel's own failures on malformed merge keys and the like
        raise UserError(f"invalid YAML: {e}", file=str(path)) from None
    check_expanded_size(data, str(path))
    _refuse_tags(data, str(path))
    return data


CORE_TAG = re.compile(r"^tag:yaml\.org,2002:(?:str|int|float|bool|null|map|seq)$")


def _refuse_tags(node: Any, path: str) -> None:
    """Rule files are plain data: any explicit tag (e.g. !!python/object) is refused, never built."""
    tag = getattr(node, "tag", None)
    value = getattr(tag, "value", tag)
    if isinstance(value, str) and not CORE_TAG.match(value):
        raise UserError(f"YAML tag {value!r} is not allowed in a rule file", file=path, line=_line_of(node))
    if isinstance(node, dict):
        for k, v in node.items():
            _refuse_tags(v, path)
    elif isinstance(node, list):
        for v in node:
            _refuse_tags(v, path)


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


def parse_rule(data: Any, path: str) -> Rule:
    if not isinstance(data, dict):
        raise UserError(f"a rule file holds one mapping, got a {kind_of(data)}", file=path)
    unknown = sorted(set(map(str, data)) - FIELDS)
    if unknown:
        raise _err(f"field '{unknown[0]}': unknown (allowed: {', '.join(sorted(FIELDS))})", path, data, unknown[0])
    for req in ("id", "description", "match", "examples"):
        if req not in data or data[req] in (None, ""):
            raise _err(f"field '{req}': required", path, data)
    rid = data["id"]
    if not isinstance(rid, str) or not ID_RE.match(rid):
        raise _err("field 'id': must be kebab-case, like 'sqs-queue-url'", path, data, "id")
    stem = Path(path).stem
    if stem != rid:
        raise _err(f"field 'id': '{rid}' must equal the file name ('{stem}')", path, data, "id")
    if not isinstance(data["description"], str) or len(data["description"].strip()) < 10:
        raise _err("field 'description': say what the rule rewrites and why (a sentence)", path, data, "description")
    match = data["match"]
    if not isinstance(match, str):
        raise _err("field 'match': must be a string (a regular expression)", path, data, "match")
    problem = check_pattern(match)
    if problem:
        raise _err(f"field 'match': {problem}", path, data, "match")
    where = data.get("where", ["$..*"])
    if isinstance(where, str):
        where = [where]
    if not isinstance(where, list) or not where or not all(isinstance(w, str) for w in where):
        raise _err("field 'where': a JSONPath string or a list of them", path, data, "where")
    try:
        pointer_re = compile_where([str(w) for w in where])
    except ValueError as e:
        raise _err(f"field 'where': {e}", path, data, "where") from None
    priority = data.get("priority", 50)
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise _err("field 'priority': an integer (higher runs first)", path, data, "priority")
    allow = data.get("allow", False)
    if not isinstance(allow, bool):
        raise _err("field 'allow': true or false", path, data, "allow")
    becomes = data.get("becomes")
    groups = set(re.compile(_expand_macros(match, "dev")).groupindex)
    if becomes is not None:
        if not isinstance(becomes, str):
            raise _err("field 'becomes': a string template with ${group} and ${AWS::...} names", path, data, "becomes")
        for name in re.findall(r"\$\{([^}!]*)\}", becomes):
            if name not in groups and not name.startswith("AWS::") and name != "env":
                raise _err(f"field 'becomes': ${{{name}}} is neither a group of 'match' nor AWS::*/env", path, data, "becomes")
    when = data.get("when") or {}
    if not isinstance(when, dict):
        raise _err("field 'when': a mapping of group -> account|region|partition|env|api_id", path, data, "when")
    for g, v in when.items():
        if g not in groups:
            raise _err(f"field 'when': '{g}' is not a group of 'match'", path, data, "when")
        if v not in EXAMPLE_CONTEXT:
            raise _err(f"field 'when': '{v}' must be one of {', '.join(EXAMPLE_CONTEXT)}", path, data, "when")
    examples = _parse_examples(data["examples"], path, data)
    return Rule(
        id=rid,
        description=" ".join(data["description"].split()),
        source=path,
        match_src=match,
        where=[str(w) for w in where],
        priority=priority,
        becomes=becomes,
        when={str(k): str(v) for k, v in when.items()},
        allow=allow,
        examples=examples,
        pointer_re=pointer_re,
        uses_env="{{env}}" in match,
    )


def _parse_examples(raw: Any, path: str, parent: Any) -> list[Example]:
    if not isinstance(raw, dict) or not set(raw) <= {"rewrites", "unchanged", "context"}:
        raise _err("field 'examples': a mapping with 'rewrites' (input/output pairs) and 'unchanged' (inputs)", path, parent, "examples")
    ctx = raw.get("context") or {}
    if not isinstance(ctx, dict) or not set(ctx) <= set(EXAMPLE_CONTEXT):
        raise _err(f"field 'examples.context': keys among {', '.join(EXAMPLE_CONTEXT)}", path, raw, "context")
    out: list[Example] = []
    rewrites, unchanged = raw.get("rewrites") or [], raw.get("unchanged") or []
    if not isinstance(rewrites, list) or not isinstance(unchanged, list):
        raise _err("field 'examples': 'rewrites' and 'unchanged' are lists", path, raw)
    for i, ex in enumerate(rewrites, 1):
        if not isinstance(ex, dict) or "input" not in ex or "output" not in ex or not isinstance(ex["input"], str):
            raise _err(f"field 'examples.rewrites[{i}]': needs 'input' (a string) and 'output'", path, rewrites if not isinstance(ex, dict) else ex)
        out.append(Example(str(ex.get("name") or f"rewrites-{i}"), ex["input"], _plain(ex["output"]), False, ex.get("pointer"), {**ctx, **(ex.get("context") or {})}))
    for i, ex in enumerate(unchanged, 1):
        if isinstance(ex, str):
            ex = {"input": ex}
        if not isinstance(ex, dict) or not isinstance(ex.get("input"), str):
            raise _err(f"field 'examples.unchanged[{i}]': a string, or a mapping with 'input'", path, unchanged)
        out.append(Example(str(ex.get("name") or f"unchanged-{i}"), ex["input"], None, True, ex.get("pointer"), {**ctx, **(ex.get("context") or {})}))
    if not any(not e.unchanged for e in out) or not any(e.unchanged for e in out):
        raise _err("field 'examples': needs at least one 'rewrites' example and one 'unchanged' example", path, parent, "examples")
    return out


_RULE_CACHE: dict[tuple[str, bytes], Rule] = {}


def load_rule_file(path: Path) -> Rule:
    """One rule file, parsed once per process for the same bytes (the YAML parse is most of a small run)."""
    import hashlib

    try:
        key: tuple[str, bytes] | None = (str(path), hashlib.sha256(Path(path).read_bytes()).digest())
    except OSError:
        key = None  # let the loader say what is wrong with it
    if key in _RULE_CACHE:
        return _RULE_CACHE[key]
    rule = parse_rule(_load_yaml_rt(path), str(path))
    if key is not None:
        _RULE_CACHE[key] = rule
    return rule


def rule_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(q for q in p.iterdir() if q.suffix in (".yaml", ".yml") and q.is_file())
        elif p.exists():
            files.append(p)
        else:
            raise UserError("no such rule file or folder", file=str(p))
    return files


def load_rules(extra: list[Path] | None = None, *, builtin: bool = True) -> list[Rule]:
    """Built-in rules, then user rules; a user rule with a built-in's id replaces it."""
    by_id: dict[str, Rule] = {}
    sources = ([BUILTIN_DIR] if builtin else []) + list(extra or [])
    for f in rule_files(sources):
        rule = load_rule_file(f)
        by_id[rule.id] = rule
    return sorted(by_id.values(), key=lambda r: (-r.priority, r.id))
