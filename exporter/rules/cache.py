"""Compiled rules, cached on disk: parsing rule files costs ruamel.yaml, jsonpath-ng and regex
checks (~100 ms per run, a third of a big conversion); reading a small JSON file costs well under 1 ms.

One entry per rule file, keyed by the file's content (and its path, which messages name) plus this
code's own version, so an edited rule or a new release never meets a stale entry, and a user's
`--rules` file leaves the built-ins' entries in use. Entries are plain JSON (never pickle: a cache
file must not be able to run code). Any problem reading or writing the cache falls back to parsing;
EXPORT_TO_CFN_NO_CACHE=1 turns it off.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import fields
from pathlib import Path
from typing import Callable

from exporter import __version__
from exporter.errors import UserError
from exporter.io import rulefiles
from exporter.io.load import read_bytes
from exporter.rules.check import rule_problem
from exporter.rules.schema import Example, Rule

FORMAT = 3  # 3: one entry per rule file (rule-<key>.json); 2 held a whole set (rules-<key>.json)
_MEMO: dict[str, Rule] = {}  # in-process, per file key: tests and long runs load the same files many times


def _code_stamp() -> str:
    # An unreleased edit of the rule parser (any module of this package) must not meet entries
    # written by the previous code.
    code = rulefiles.package_files(Path(__file__).parent)
    return "|".join([__version__, str(FORMAT), *rulefiles.code_stamp(code)])


def _key(stamp: str, f: Path) -> str:
    data = read_bytes(f)  # bounded, regular files only: the parser would refuse the same file
    h = hashlib.sha256(stamp.encode())
    h.update(b"\0" + str(f).encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return h.hexdigest()[:32]


def _to_json(rule: Rule) -> dict:
    out = {f.name: getattr(rule, f.name) for f in fields(Rule) if f.name not in ("examples", "pointer_re")}
    out["pointer_re"] = [rule.pointer_re.pattern, rule.pointer_re.flags] if rule.pointer_re is not None else None
    out["examples"] = [{f.name: getattr(e, f.name) for f in fields(Example)} for e in rule.examples]
    return out


def _from_json(data: dict) -> Rule:
    data = dict(data)
    pattern = data.pop("pointer_re")
    examples = [Example(**e) for e in data.pop("examples")]
    return Rule(**data, examples=examples, pointer_re=re.compile(*pattern) if pattern is not None else None)


_STR, _OPT_STR = (str,), (str, type(None))
RULE_TYPES = {"id": _STR, "description": _STR, "source": _STR, "match_src": _STR, "where": (list,), "priority": (int,),
              "becomes": _OPT_STR, "when": (dict,), "allow": (bool,), "examples": (list,), "pointer_re": (list, type(None)),
              "uses_env": (bool,)}
EXAMPLE_TYPES = {"name": _STR, "input": _STR, "output": (str, dict, type(None)), "unchanged": (bool,), "pointer": _STR,
                 "context": (dict,), "explicit_pointer": (bool,)}


def _typed(item: object, types: dict) -> bool:
    return (isinstance(item, dict) and set(item) == set(types)
            and all(isinstance(item[k], t) and not (isinstance(item[k], bool) and bool not in t) for k, t in types.items()))


def _checked(raw: object, files: list[Path]) -> list[Rule] | None:
    """The entry's rules when the entry is exactly what this code writes for these files, else None.

    A cache file is data anyone with write access to the folder could have made, so it is held to the
    rule files' own standard: one rule per file, in order, with the file's path as its source (a forged
    `source` cannot make `rules show` print another file), every field of the right type, and then the
    loader's own check of what a rule means (rule_problem: its id is the file's stem, its `match` passes
    the catastrophic-pattern check, `becomes` names only groups, known pseudo parameters and env, `when`
    only groups and run facts, no `becomes` on an allow rule, sound examples). The compiled `where`
    (pointer_re) is only type-checked: deriving it again is the jsonpath parse the cache exists to skip.
    (The compiled selectors, `(?:/[^/]*)*` and the like, would not pass the catastrophic-pattern check
    meant for `match`, so it cannot be used on them.)"""
    if not isinstance(raw, list) or len(raw) != len(files):  # `[]` would be "no rules at all"
        return None
    rules = []
    for item, f in zip(raw, files):
        if not _typed(item, RULE_TYPES) or item["source"] != str(f):
            return None
        if not all(isinstance(w, str) for w in item["where"]) or not all(isinstance(k, str) for k in item["when"]):
            return None
        if not all(_typed(e, EXAMPLE_TYPES) for e in item["examples"]):
            return None
        pr = item["pointer_re"]
        if pr is not None and not (len(pr) == 2 and isinstance(pr[0], str) and type(pr[1]) is int):
            return None
        rule = _from_json(item)
        if rule_problem(rule) is not None:
            return None
        rules.append(rule)
    return rules


def cached_rules(files: list[Path], parse: Callable[[Path], Rule]) -> list[Rule]:
    """parse(f) for every file, each from the cache when the file and the code are unchanged."""
    stamp = _code_stamp()
    folder = rulefiles.cache_dir()
    out = []
    for f in files:
        key = _key(stamp, f)
        rule = _MEMO.get(key)
        if rule is None:
            rule = _MEMO[key] = _from_entry(folder, key, f, parse)
        out.append(rule)
    return out


def _from_entry(folder: Path | None, key: str, f: Path, parse: Callable[[Path], Rule]) -> Rule:
    entry = folder / f"rule-{key}.json" if folder else None
    if entry is not None:
        try:
            raw = rulefiles.read_cache_entry(entry, 1024 * 1024)
            rules = _checked(json.loads(raw), [f]) if raw is not None else None
            if rules is not None:
                return rules[0]
        except (UserError, ValueError, TypeError, KeyError, re.error, RecursionError):
            pass  # absent, unreadable, forged or not ours: parse, then (re)write it
    rule = parse(f)
    if entry is not None:
        try:
            text = json.dumps([_to_json(rule)], ensure_ascii=False)
        except (TypeError, ValueError):
            return rule  # a field that JSON cannot hold: no cache, same rule
        rulefiles.write_cache_entry(entry, text)
    return rule
