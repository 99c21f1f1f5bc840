"""Rule files in: load, validate (with file/line/field in every message), compile once.

A rule is data. `match` is a regular expression whose *named groups* say what each part of a
literal is; the group's name picks its treatment (see GROUP_KINDS). `where` is one or more JSONPath
selectors (parsed by jsonpath-ng, compiled here to a matcher over JSON pointers so a rule costs one
regex test per string, never a document scan). SCHEMA below is the one description of the format:
the validator's messages and docs/rules.md (scripts/gen_rules_doc.py) both come from it.

Patterns are written in Python `re` syntax (checked with its parser) but run on the `regex` package,
which alone can stop a match after a time limit: `re` cannot be interrupted, and no static check
catches every pattern that backtracks polynomially on a long VTL template.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import re
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from exporter import aws
from exporter.errors import UserError
from exporter.io.load import kind_of
from exporter.io.yaml_rt import RULE_MAX_BYTES, _plain, line_of, load_yaml_rt  # noqa: F401 - RULE_MAX_BYTES re-exported

with warnings.catch_warnings():  # the regex parser is the only way to inspect a pattern's structure
    warnings.simplefilter("ignore", DeprecationWarning)
    import sre_constants
    import sre_parse



def _builtin_dir() -> Path:
    # The top-level rules/ folder is installed as the data package exporter.builtin_rules (see
    # pyproject.toml), so wheels, sdists and editable installs all find it through the import system.
    spec = importlib.util.find_spec("exporter.builtin_rules")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("exporter.builtin_rules is missing: reinstall export-to-cfn")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


BUILTIN_DIR = _builtin_dir()

# Macros usable inside `match`, written {{name}}: shapes that many rules share.
MACROS = {
    "partition": aws.PARTITION,
    "region": aws.REGION,
    "account": aws.ACCOUNT,
    "urlsuffix": aws.URL_SUFFIX_PATTERN,
}

# Group name (before the first "_") -> what the matched text becomes.
GROUP_KINDS = {
    "partition": "AWS::Partition when it is the home partition",
    "region": "AWS::Region when it is the home region (other regions stay literal and are reported)",
    "account": "AWS::AccountId when it is the home account (other accounts stay literal and are reported)",
    "urlsuffix": "AWS::URLSuffix when it is the home partition's suffix",
    "env": "${env} when it equals the environment name",
    "name": "a resource name: an -<env> suffix inside it becomes ${env}",
    "param": "a new template parameter <Name> holding the value (VPC link ids, pool ids)",
}

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EXAMPLE_CONTEXT = {"account": "123456789012", "region": "us-east-1", "partition": "aws", "env": "dev", "api_id": "a1b2c3d4e5"}
DEFAULT_POINTER = "/paths/~1example/post/x-amazon-apigateway-integration/requestTemplates/application~1json"
MATCH_TIMEOUT = 1.0  # seconds per rule per string; real matches take microseconds


@dataclass(frozen=True)
class Field:
    """One key of a rule file: what the validator accepts and what docs/rules.md says about it."""

    name: str
    type: str
    required: bool
    doc: str
    default: str | None = None


SCHEMA: list[Field] = [
    Field("id", "string", True, "Kebab-case name, equal to the file name without `.yaml` (`appsync-graphql-uri` "
          "lives in `appsync-graphql-uri.yaml`). A user rule with a built-in's id replaces the built-in."),
    Field("description", "string", True, "What the rule rewrites and why, in a sentence or more; shown by "
          "`rules list`. At least 10 characters."),
    Field("match", "string", True, "A regular expression (Python `re` syntax) searched in every selected string. "
          "Named groups, `(?P<name>...)` or `(?<name>...)`, say what each part is: see *Group kinds*. "
          "`{{macro}}` inserts a shared shape: see *Macros*. Nested unbounded repeats such as `(a+)+` and "
          "overlapping alternatives under a repeat such as `(a|aa)*` are refused, and every match is stopped "
          f"after {MATCH_TIMEOUT:g} s."),
    Field("where", "JSONPath or list of JSONPaths", False, "Which strings of the export the rule looks at "
          "(a selected node selects every string beneath it). Supported: `$`, `.name`, `['name']`, `.*`, "
          "`[*]`, `[n]` and `..` (any depth).", '"$..*" (everywhere)'),
    Field("priority", "integer", False, "Order: higher runs first; at equal priority your rules run before the "
          "built-ins. Text a rule has rewritten (or allowed) is settled; later rules only see the text around it. Built-ins use 100 (allow-lists), 90-60 "
          "(specific shapes), 50-40 (hosts, any ARN), 20-10 (catch-alls).", "50"),
    Field("becomes", "string", False, "Replace the whole match with this text instead of replacing each named "
          "group in place. `${group}` inserts a group (typed groups are still converted), `${AWS::Region}` "
          "and the other pseudo parameters and `${env}` insert an intrinsic; everything else is literal."),
    Field("when", "mapping group -> context key", False, "Fire only when each named group equals the run's "
          "`account`, `region`, `partition`, `env` or `api_id`, e.g. `{x_api_id: api_id}`."),
    Field("allow", "boolean", False, "`true` makes this an allow-list rule: the matched text is left exactly "
          "as it is, no later rule touches it, and `--strict`/`audit` do not report it (a cross-account ARN, "
          "a public AWS-managed policy).", "false"),
    Field("examples", "mapping", True, "The rule's own tests, run by `rules test` and by pytest: see *Examples*. "
          "At least one `rewrites` example and one `unchanged` example."),
]
EXAMPLE_SCHEMA: list[Field] = [
    Field("rewrites", "list of mappings", True, "Inputs the rule must rewrite: `input` (the literal as the "
          "export has it), `output` (the expected value, in `--style sub` form: a string, "
          "`{Fn::Sub: ...}` or `{Ref: ...}`), optional `name`, `pointer`, `context`."),
    Field("unchanged", "list of strings or mappings", True, "Inputs this rule must leave alone (near misses: "
          "another service, a placeholder); other rules may still rewrite them. A string, or a mapping with "
          "`input` and optional `name`, `pointer`, `context`. For an `allow` rule these are what it protects: "
          "the rule must match them and they must come out exactly as they went in."),
    Field("context", "mapping", False, "The run the examples pretend to be in: keys among "
          + ", ".join(f"`{k}`" for k in EXAMPLE_CONTEXT) + "; defaults "
          + ", ".join(f"{k}={v}" for k, v in EXAMPLE_CONTEXT.items()) + ". An example's own `context` "
          "overrides it."),
    Field("pointer", "JSON pointer", False, "Where in the export the examples sit (`/paths/~1orders/post/"
          "x-amazon-apigateway-integration/uri`; `~1` stands for `/`). An example's own `pointer` overrides "
          "it.", "derived from the first `where` selector"),
]
FIELDS = {f.name for f in SCHEMA}
EXAMPLE_FIELDS = {f.name for f in EXAMPLE_SCHEMA}
REWRITE_EXAMPLE_FIELDS = {"name", "input", "output", "pointer", "context"}
UNCHANGED_EXAMPLE_FIELDS = {"name", "input", "pointer", "context"}


@dataclass
class Example:
    name: str
    input: str
    output: Any = None  # expected value (sub style) for a rewriting example
    unchanged: bool = False
    pointer: str = DEFAULT_POINTER
    context: dict = field(default_factory=dict)
    explicit_pointer: bool = False  # given by the author, rather than derived from `where`


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
        return _compile_pattern(self.match_src, env, trusted=is_builtin(self))

    def applies_at(self, pointer: str) -> bool:
        return self.pointer_re is None or self.pointer_re.match(pointer) is not None


def group_kind(name: str) -> str | None:
    kind = name.split("_", 1)[0]
    return kind if kind in GROUP_KINDS else None


# `(?<name>...)` (the spelling most regex dialects use) -> Python's `(?P<name>...)`; lookbehinds
# `(?<=` / `(?<!` do not match because a name starts with a letter or "_".
_SHORT_GROUP = re.compile(r"(?<!\\)\(\?<(?=[A-Za-z_]\w*>)")


def _expand_macros(src: str, env: str | None) -> str:
    def repl(m: re.Match) -> str:
        key = m.group(1)
        if key == "env":
            return re.escape(env or "")
        return MACROS[key]

    return re.sub(r"\{\{(\w+)\}\}", repl, _SHORT_GROUP.sub("(?P<", src))


_PATTERN_CACHE: dict[tuple[str, str | None, bool], Any] = {}


def _compile_pattern(src: str, env: str | None, *, trusted: bool = False) -> Any:
    """A user's pattern runs on `regex`, whose matches can be stopped after MATCH_TIMEOUT; the
    built-in patterns (reviewed, and tested on every run of the suite) on the faster `re`."""
    key = (src, env, trusted)
    if key not in _PATTERN_CACHE:
        if trusted:
            _PATTERN_CACHE[key] = re.compile(_expand_macros(src, env))
        else:
            import regex  # only for a user's rule: the built-ins never need it (~10 ms to import)

            _PATTERN_CACHE[key] = regex.compile(_expand_macros(src, env))
    return _PATTERN_CACHE[key]


MATCH_BUDGET = 20.0  # seconds of matching one user rule may take in a whole run, over every string
_SPENT: dict[str, float] = {}  # rule id -> seconds its pattern has run in this command


def reset_budget() -> None:
    _SPENT.clear()


def _charge(rule: Rule, seconds: float) -> None:
    spent = _SPENT[rule.id] = _SPENT.get(rule.id, 0.0) + seconds
    if spent > MATCH_BUDGET:
        raise UserError(f"rule '{rule.id}': its 'match' pattern has run {spent:.1f} s in this run, more than the "
                        f"{MATCH_BUDGET:g} s budget (each match is quick, but it is slow over this many strings); "
                        "make it more specific (anchor it, or narrow 'where')", file=rule.source)


def find_matches(rule: Rule, rx: Any, text: str) -> Iterator[Any]:
    """Every match of a rule's compiled pattern in text, stopped after MATCH_TIMEOUT seconds; a user
    rule's time over the whole run is charged against MATCH_BUDGET."""
    if isinstance(rx, re.Pattern):  # a built-in rule: no time limit needed
        yield from rx.finditer(text)
        return
    t0 = time.perf_counter()
    try:
        found = list(rx.finditer(text, timeout=MATCH_TIMEOUT))
    except TimeoutError:
        raise _too_slow(rule, text) from None
    _charge(rule, time.perf_counter() - t0)
    yield from found


def has_match(rule: Rule, rx: Any, text: str) -> bool:
    """Whether the pattern matches anywhere in text, under the same time limit and budget as find_matches."""
    if isinstance(rx, re.Pattern):
        return rx.search(text) is not None
    t0 = time.perf_counter()
    try:
        hit = rx.search(text, timeout=MATCH_TIMEOUT) is not None
    except TimeoutError:
        raise _too_slow(rule, text) from None
    _charge(rule, time.perf_counter() - t0)
    return hit


def _too_slow(rule: Rule, text: str) -> UserError:
    return UserError(f"rule '{rule.id}': its 'match' pattern ran longer than {MATCH_TIMEOUT:g} s on a "
                     f"{len(text):,}-character string (it backtracks too much); make it more specific",
                     file=rule.source)


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


_ALPHABET = [chr(c) for c in range(256)]  # first-character sets are compared over Latin-1; enough to see overlap
_ALL = frozenset(range(256))


def _first_chars(items: Any) -> tuple[frozenset[int], bool]:
    """(characters a sequence can start with, whether it can match the empty string)."""
    first: set[int] = set()
    for op, av in items:
        if op in (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            continue  # zero-width
        if op == sre_constants.LITERAL:
            return frozenset(first | {av}), False
        if op == sre_constants.NOT_LITERAL:
            return frozenset(first | (_ALL - {av})), False
        if op == sre_constants.ANY:
            return _ALL, False
        if op == sre_constants.IN:
            return frozenset(first | _class_chars(av)), False
        if op in (sre_constants.SUBPATTERN, sre_constants.ATOMIC_GROUP):
            chars, empty = _first_chars(av[-1] if op == sre_constants.SUBPATTERN else av)
        elif op == sre_constants.BRANCH:
            parts = [_first_chars(b) for b in av[1]]
            chars, empty = frozenset().union(*(c for c, _ in parts)), any(e for _, e in parts)
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT):
            chars, empty = _first_chars(av[2])
            empty = empty or av[0] == 0
        else:  # group references and anything unusual: assume it can start with anything
            return _ALL, False
        first |= chars
        if not empty:
            return frozenset(first), False
    return frozenset(first), True


def _class_chars(items: Any) -> set[int]:
    """The Latin-1 characters a [...] class accepts, by asking `re` itself (categories included)."""
    negate = any(op == sre_constants.NEGATE for op, _ in items)
    body = [(op, av) for op, av in items if op != sre_constants.NEGATE]
    rx = re.compile(_unparse_class(body))
    chars = {ord(c) for c in _ALPHABET if rx.fullmatch(c)}
    return set(_ALL - chars) if negate else chars


def _unparse_class(body: Any) -> str:
    out = []
    for op, av in body:
        if op == sre_constants.LITERAL:
            out.append(re.escape(chr(av)))
        elif op == sre_constants.RANGE:
            out.append(f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}")
        elif op == sre_constants.CATEGORY:
            out.append({sre_constants.CATEGORY_DIGIT: r"\d", sre_constants.CATEGORY_NOT_DIGIT: r"\D",
                        sre_constants.CATEGORY_SPACE: r"\s", sre_constants.CATEGORY_NOT_SPACE: r"\S",
                        sre_constants.CATEGORY_WORD: r"\w", sre_constants.CATEGORY_NOT_WORD: r"\W"}.get(av, r"\s\S"))
        else:
            out.append(r"\s\S")
    return "[" + "".join(out) + "]"


def _overlapping_alternation(items: Any, repeated: bool = False) -> bool:
    """An alternation inside an unbounded repeat whose branches can start with the same character,
    like (a|aa)*: the engine may try every way of splitting the input between them."""
    for op, av in items:
        if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT):
            if _unbounded(op, av) and _ambiguous_tail(list(av[2])):
                return True
            if _overlapping_alternation(av[2], repeated or _unbounded(op, av)):
                return True
        elif op == sre_constants.SUBPATTERN:
            if _overlapping_alternation(av[-1], repeated):
                return True
        elif op == sre_constants.ATOMIC_GROUP:
            if _overlapping_alternation(av, repeated):
                return True
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            if _overlapping_alternation(av[1], repeated):
                return True
        elif op == sre_constants.BRANCH:
            firsts = [_first_chars(b)[0] for b in av[1]]
            if repeated and any(firsts[i] & firsts[j] for i in range(len(firsts)) for j in range(i + 1, len(firsts))):
                return True
            if any(_overlapping_alternation(b, repeated) for b in av[1]):
                return True
    return False


def _ambiguous_tail(body: list) -> bool:
    """A repeated body whose optional ending can also start the next round, like (aa?)* or (a(|a))*:
    "aaaa" then splits into rounds in exponentially many ways."""
    if len(body) == 1 and body[0][0] == sre_constants.SUBPATTERN:
        body = list(body[0][1][-1])
    start, _ = _first_chars(body)
    for i in range(len(body) - 1, 0, -1):
        chars, empty = _first_chars(body[i:i + 1])
        if not empty:
            return False
        if chars & start:
            return True
    return False


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
    if _overlapping_alternation(list(parsed)):
        return ("alternatives or optional parts that can start with the same character inside a repeat "
                "(like (a|aa)* or (aa?)+) can make matching hang; make them disjoint or use one character class")
    for name in compiled.groupindex:
        if group_kind(name) is None and not name.startswith("x_"):
            return f"group {name!r} has no known kind (use {', '.join(GROUP_KINDS)}, a <kind>_<suffix> name, or x_<name> for a helper group)"
    return None


# ---------------------------------------------------------------------------------------------
# `where`: JSONPath (parsed by jsonpath-ng) -> a regex over JSON pointers.


def _pointer_segment(text: str) -> str:
    return re.escape(text.replace("~", "~0").replace("/", "~1"))


@functools.lru_cache(maxsize=1)
def _jsonpath_parser() -> Any:
    # jsonpath_ng.parse() builds a new yacc parser per call (~12 ms each); one instance serves all.
    from jsonpath_ng.parser import JsonPathParser

    return JsonPathParser()


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
        if isinstance(node, Index):
            return f"/{node.index}"
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
        if isinstance(node, Index):
            return f"/{node.index}"
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


# ---------------------------------------------------------------------------------------------
# Loading


def _err(msg: str, path: str, node: Any = None, key: str | None = None) -> UserError:
    return UserError(msg, file=path, line=line_of(node, key))


def _did_you_mean(name: str, known: set[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"{hint} (allowed: {', '.join(sorted(known))})"


def parse_rule(data: Any, path: str) -> Rule:
    if not isinstance(data, dict):
        raise UserError(f"a rule file holds one mapping, got a {kind_of(data)}", file=path)
    unknown = sorted(set(map(str, data)) - FIELDS)
    if unknown:
        raise _err(f"field '{unknown[0]}': unknown{_did_you_mean(unknown[0], FIELDS)}", path, data, unknown[0])
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
    if allow and becomes is not None:
        raise _err("field 'becomes': an allow rule keeps its match as it is; drop 'becomes' or 'allow'", path, data, "becomes")
    examples = _parse_examples(data["examples"], path, data, example_pointer(str(where[0])))
    for ex in examples:
        if not ex.unchanged and ex.explicit_pointer and pointer_re is not None and not pointer_re.match(ex.pointer):
            raise _err(f"field 'examples': example '{ex.name}': pointer {ex.pointer} is not selected by 'where' "
                       f"({', '.join(map(str, where))}), so the rule could never rewrite it there", path, data, "examples")
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


def _parse_examples(raw: Any, path: str, parent: Any, derived_pointer: str) -> list[Example]:
    if not isinstance(raw, dict):
        raise _err("field 'examples': a mapping with 'rewrites' (input/output pairs) and 'unchanged' (inputs)", path, parent, "examples")
    unknown = sorted(set(map(str, raw)) - EXAMPLE_FIELDS)
    if unknown:
        raise _err(f"field 'examples.{unknown[0]}': unknown{_did_you_mean(unknown[0], EXAMPLE_FIELDS)}", path, raw, unknown[0])
    ctx = raw.get("context") or {}
    if not isinstance(ctx, dict) or not set(ctx) <= set(EXAMPLE_CONTEXT):
        raise _err(f"field 'examples.context': keys among {', '.join(EXAMPLE_CONTEXT)}", path, raw, "context")
    base_pointer = raw.get("pointer")
    if base_pointer is not None and (not isinstance(base_pointer, str) or not base_pointer.startswith("/")):
        raise _err("field 'examples.pointer': a JSON pointer starting with '/', like /paths/~1orders/post/x-amazon-apigateway-integration/uri", path, raw, "pointer")
    out: list[Example] = []
    rewrites, unchanged = raw.get("rewrites") or [], raw.get("unchanged") or []
    if not isinstance(rewrites, list) or not isinstance(unchanged, list):
        raise _err("field 'examples': 'rewrites' and 'unchanged' are lists", path, raw)
    for kind, items, allowed in (("rewrites", rewrites, REWRITE_EXAMPLE_FIELDS), ("unchanged", unchanged, UNCHANGED_EXAMPLE_FIELDS)):
        for i, ex in enumerate(items, 1):
            where = f"field 'examples.{kind}[{i}]'"
            if kind == "unchanged" and isinstance(ex, str):
                ex = {"input": ex}
            if not isinstance(ex, dict):
                raise _err(f"{where}: a mapping with 'input'" + (" and 'output'" if kind == "rewrites" else " (or a plain string)"), path, items)
            bad = sorted(set(map(str, ex)) - allowed)
            if bad:
                raise _err(f"{where}: '{bad[0]}' is unknown{_did_you_mean(bad[0], allowed)}", path, ex, bad[0])
            if not isinstance(ex.get("input"), str):
                raise _err(f"{where}: needs 'input', a string (quote it in YAML)", path, ex)
            if kind == "rewrites" and "output" not in ex:
                raise _err(f"{where}: needs 'output', the expected value (a string, {{Fn::Sub: ...}} or {{Ref: ...}})", path, ex)
            pointer = ex.get("pointer")
            if pointer is not None and (not isinstance(pointer, str) or not pointer.startswith("/")):
                raise _err(f"{where}: 'pointer' is a JSON pointer starting with '/'", path, ex, "pointer")
            ex_ctx = ex.get("context") or {}
            if not isinstance(ex_ctx, dict) or not set(ex_ctx) <= set(EXAMPLE_CONTEXT):
                raise _err(f"{where}: 'context' keys among {', '.join(EXAMPLE_CONTEXT)}", path, ex, "context")
            output = _plain(ex["output"]) if kind == "rewrites" else None
            if kind == "rewrites" and output == ex["input"]:
                raise _err(f"{where}: 'output' equals 'input'; an input that must not change belongs in 'unchanged'", path, ex, "output")
            out.append(Example(
                name=str(ex.get("name") or f"{kind}-{i}"), input=ex["input"], output=output, unchanged=kind == "unchanged",
                pointer=pointer or base_pointer or derived_pointer, context={**ctx, **ex_ctx},
                explicit_pointer=bool(pointer or base_pointer),
            ))
    if not any(not e.unchanged for e in out) or not any(e.unchanged for e in out):
        raise _err("field 'examples': needs at least one 'rewrites' example and one 'unchanged' example", path, parent, "examples")
    names = [e.name for e in out]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup:
        raise _err(f"field 'examples': two examples are named '{dup}'; names become test ids and must differ", path, parent, "examples")
    return out




def load_rule_file(path: Path) -> Rule:
    data = load_yaml_rt(path)
    return parse_rule(data, str(path))


def rule_files(paths: list[Path]) -> list[Path]:
    import os
    import stat

    files: list[Path] = []
    for p in paths:
        try:
            mode = os.stat(p).st_mode
        except FileNotFoundError:
            raise UserError("no such rule file or folder", file=str(p)) from None
        except OSError as e:  # name too long, a path through a file, a symlink loop, permission denied
            raise UserError(f"cannot read: {e.strerror or e}", file=str(p)) from None
        if stat.S_ISDIR(mode):
            try:
                files += sorted(q for q in p.iterdir() if q.suffix in (".yaml", ".yml") and q.is_file())
            except OSError as e:
                raise UserError(f"cannot list the folder: {e.strerror or e}", file=str(p)) from None
        else:
            files.append(p)  # read_bytes refuses what is not a regular file (a FIFO, a device)
    return files


def load_rules(extra: list[Path] | None = None, *, builtin: bool = True) -> list[Rule]:
    """Built-in rules, then user rules; a user rule with a built-in's id replaces it."""
    from exporter.rulecache import cached_rules

    by_id: dict[str, Rule] = {}
    sources = ([BUILTIN_DIR] if builtin else []) + list(extra or [])
    for rule in cached_rules(rule_files(sources), load_rule_file):
        by_id[rule.id] = rule
    return sorted(by_id.values(), key=run_order)


def run_order(rule: Rule) -> tuple[int, bool, str]:
    """Higher priority first; at equal priority a user rule runs before the built-ins, since the
    user wrote it for a case they know better; then by id, so the order never depends on disk."""
    return (-rule.priority, is_builtin(rule), rule.id)


def is_builtin(rule: Rule) -> bool:
    return Path(rule.source).resolve().parent == BUILTIN_DIR
