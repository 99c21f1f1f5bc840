"""Rule patterns: macros filled in, compiled once, run under a time limit, and checked before they
run for shapes that could hang (nested unbounded repeats, overlapping alternatives under a repeat).

Patterns are written in Python `re` syntax (checked with its parser) but a user's pattern runs on the
`regex` package, which alone can stop a match after a time limit: `re` cannot be interrupted, and no
static check catches every pattern that backtracks polynomially on a long VTL template. The built-in
patterns (reviewed, and tested on every run of the suite) run on the faster `re`.
"""

from __future__ import annotations

import functools
import re
import time
import warnings
from typing import TYPE_CHECKING, Any, Iterator

from exporter import aws
from exporter.errors import UserError
from exporter.rules.kinds import GROUP_KINDS, HELPER_PREFIX, group_kind, param_name_problem

with warnings.catch_warnings():  # the regex parser is the only way to inspect a pattern's structure
    warnings.simplefilter("ignore", DeprecationWarning)
    import sre_constants
    import sre_parse

if TYPE_CHECKING:
    from exporter.rules.schema import Rule

# Macros usable inside `match`, written {{name}}: shapes that many rules share.
MACROS = {
    "partition": aws.PARTITION,
    "region": aws.REGION,
    "account": aws.ACCOUNT,
    "urlsuffix": aws.URL_SUFFIX_PATTERN,
}

MATCH_TIMEOUT = 1.0  # seconds per rule per string; real matches take microseconds


# `(?<name>...)` (the spelling most regex dialects use) -> Python's `(?P<name>...)`; lookbehinds
# `(?<=` / `(?<!` do not match because a name starts with a letter or "_".
_SHORT_GROUP = re.compile(r"(?<!\\)\(\?<(?=[A-Za-z_]\w*>)")


def expand_macros(src: str, env: str | None) -> str:
    def repl(m: re.Match) -> str:
        key = m.group(1)
        if key == "env":
            return re.escape(env or "")
        return MACROS[key]

    return re.sub(r"\{\{(\w+)\}\}", repl, _SHORT_GROUP.sub("(?P<", src))


_PATTERN_CACHE: dict[tuple[str, str | None, bool], Any] = {}


def compile_pattern(src: str, env: str | None, *, trusted: bool = False) -> Any:
    """A user's pattern runs on `regex`, whose matches can be stopped after MATCH_TIMEOUT; the
    built-in patterns (reviewed, and tested on every run of the suite) on the faster `re`."""
    key = (src, env, trusted)
    if key not in _PATTERN_CACHE:
        if trusted:
            _PATTERN_CACHE[key] = re.compile(expand_macros(src, env))
        else:
            _PATTERN_CACHE[key] = compile_untrusted(expand_macros(src, env))
    return _PATTERN_CACHE[key]


def compile_untrusted(src: str) -> Any:
    """A pattern a user wrote (a rule's, an --allow), on `regex`: its matches can be stopped after
    MATCH_TIMEOUT. The one module that imports it (~10 ms, only when such a pattern exists)."""
    import regex

    return regex.compile(src)


# One budget for the whole run, shared by every user pattern (rules from --rules or the config, audit's
# --allow): each match has its 1 s limit, but a pattern quick on one string can be slow over 40,000, and
# four such rules each under a budget of their own still ran 80 s. Built-in patterns (re) are not charged.
MATCH_BUDGET = 20.0  # seconds
_SPENT: dict[str, float] = {}  # who (a rule, an --allow pattern) -> seconds its pattern has run in this command
_clock = time.perf_counter  # (a test's fake clock makes the budget deterministic)


def reset_budget() -> None:
    _SPENT.clear()


def _timed(who: str, file: str | None, text: str, run: Any) -> Any:
    """run() (one match call of an untrusted pattern on `text`) under MATCH_TIMEOUT, its time charged to
    the run's budget. `who` names the pattern in messages: "rule 'x': its 'match' pattern"."""
    t0 = _clock()
    try:
        result = run()
    except TimeoutError:
        raise UserError(f"{who} ran longer than {MATCH_TIMEOUT:g} s on a {len(text):,}-character string "
                        "(it backtracks too much); make it more specific", file=file) from None
    mine = _SPENT[who] = _SPENT.get(who, 0.0) + _clock() - t0
    total = sum(_SPENT.values())
    if total > MATCH_BUDGET:
        narrow = ", or narrow 'where'" if file else ""  # (a rule has a file and a 'where'; an --allow neither)
        raise UserError(f"{who} has run {mine:.1f} s in this run and, with the other user patterns, used up the "
                        f"{MATCH_BUDGET:g} s budget all user rules and --allow patterns share ({total:.1f} s; each match "
                        f"is quick, but slow over this many strings); make it more specific (anchor it{narrow})", file=file)
    return result


def _rule(rule: Rule) -> str:
    return f"rule '{rule.id}': its 'match' pattern"


def find_all(who: str, file: str | None, rx: Any, text: str) -> list:
    """Every match of a compiled pattern in text: a built-in's (re) as it is, a user's (regex) stopped
    after MATCH_TIMEOUT and charged to the run's MATCH_BUDGET, with messages naming `who`."""
    if isinstance(rx, re.Pattern):
        return list(rx.finditer(text))
    return _timed(who, file, text, lambda: list(rx.finditer(text, timeout=MATCH_TIMEOUT)))


def find_matches(rule: Rule, rx: Any, text: str) -> Iterator[Any]:
    """Every match of a rule's compiled pattern in text (find_all, the rule named in messages)."""
    if isinstance(rx, re.Pattern):  # a built-in rule: no time limit needed
        yield from rx.finditer(text)
        return
    yield from find_all(_rule(rule), rule.source, rx, text)


def has_match(rule: Rule, rx: Any, text: str) -> bool:
    """Whether the pattern matches anywhere in text, under the same time limit and budget as find_matches."""
    if isinstance(rx, re.Pattern):
        return rx.search(text) is not None
    return _timed(_rule(rule), rule.source, text, lambda: rx.search(text, timeout=MATCH_TIMEOUT) is not None)


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


def _class_chars(items: Any) -> frozenset[int]:
    """The Latin-1 characters a [...] class accepts, by asking `re` itself (categories included)."""
    negate = any(op == sre_constants.NEGATE for op, _ in items)
    chars = _accepted(_unparse_class([(op, av) for op, av in items if op != sre_constants.NEGATE]))
    return _ALL - chars if negate else chars


@functools.lru_cache(maxsize=1024)
def _accepted(char_class: str) -> frozenset[int]:
    # rules repeat the same few classes ([A-Za-z0-9], [0-9]...): each is asked of all 256 characters once
    rx = re.compile(char_class)
    return frozenset(ord(c) for c in _ALPHABET if rx.fullmatch(c))


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
    expanded = expand_macros(src, "dev")
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
        if group_kind(name) is None and not name.startswith(HELPER_PREFIX):
            return f"group {name!r} has no known kind (use {', '.join(GROUP_KINDS)}, a <kind>_<suffix> name, or x_<name> for a helper group)"
        if group_kind(name) == "param" and param_name_problem(name):
            return param_name_problem(name)
    return None
