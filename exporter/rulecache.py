"""Compiled rules, cached on disk: parsing rule files costs ruamel.yaml, jsonpath-ng and regex
checks (~100 ms per run, a third of a big conversion); reading one JSON file costs ~1 ms.

The cache key is the content of every rule file (and its path, which messages name) plus this
code's own version, so an edited rule or a new release never meets a stale entry. Entries are
plain JSON (never pickle: a cache file must not be able to run code). Any problem reading or
writing the cache falls back to parsing; EXPORT_TO_CFN_NO_CACHE=1 turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import fields
from pathlib import Path
from typing import Callable

from exporter import __version__
from exporter.load import read_bytes
from exporter.rules import Example, Rule

FORMAT = 2
_MEMO: dict[str, list[Rule]] = {}  # in-process: tests and long runs load the same set many times


def cache_dir() -> Path | None:
    if os.environ.get("EXPORT_TO_CFN_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except (RuntimeError, KeyError):  # no home directory (some CI and container users)
            return None
    return Path(base) / "export-to-cfn"


def _code_stamp() -> str:
    # An unreleased edit of the rule parser must not meet entries written by the previous code.
    here = Path(__file__).resolve().parent
    stamp = [__version__, str(FORMAT)]
    for name in ("rules.py", "rulecache.py"):
        st = (here / name).stat()
        stamp.append(f"{name}:{st.st_mtime_ns}:{st.st_size}")
    return "|".join(stamp)


def _key(files: list[Path]) -> str | None:
    h = hashlib.sha256(_code_stamp().encode())
    for f in files:
        data = read_bytes(f)  # bounded, regular files only: the parser would refuse the same file
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


def cached_rules(files: list[Path], parse: Callable[[Path], Rule]) -> list[Rule]:
    """parse(f) for every file, from the cache when the files and the code are unchanged."""
    key = _key(files)
    if key is None:
        return [parse(f) for f in files]
    if key in _MEMO:
        return list(_MEMO[key])
    folder = cache_dir()
    entry = folder / f"rules-{key}.json" if folder else None
    if entry is not None:
        try:
            rules = [_from_json(r) for r in json.loads(entry.read_text(encoding="utf-8"))]
            _MEMO[key] = rules
            return list(rules)
        except (OSError, ValueError, TypeError, KeyError, re.error):
            pass  # absent or unreadable: parse, then (re)write it
    rules = [parse(f) for f in files]
    _MEMO[key] = rules
    if entry is not None:
        try:
            text = json.dumps([_to_json(r) for r in rules], ensure_ascii=False)
        except (TypeError, ValueError):
            return list(rules)  # a field that JSON cannot hold: no cache, same rules
        _write(entry, text)
    return list(rules)


def _write(entry: Path, text: str) -> None:
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".rules-", suffix=".tmp")
    except OSError:
        return  # a read-only home only costs speed
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, entry)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
