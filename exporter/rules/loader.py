"""A rule file's data (already read: exporter.io.rulefiles) in, a validated Rule out, with the file,
line and field in every message; and the active rule set: built-ins, then the user's, in run order."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from exporter.errors import UserError
from exporter.io import rulefiles
from exporter.io.load import kind_of
from exporter.io.yaml_rt import _plain, line_of
from exporter.rules.check import rule_problem
from exporter.rules.schema import (EXAMPLE_CONTEXT, EXAMPLE_FIELDS, FIELDS, REWRITE_EXAMPLE_FIELDS,
                                   UNCHANGED_EXAMPLE_FIELDS, Example, Rule, is_builtin)
from exporter.rules.selectors import compile_where, example_pointer


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
    if not isinstance(rid, str):
        raise _err("field 'id': must be kebab-case, like 'sqs-queue-url'", path, data, "id")
    if not isinstance(data["description"], str):
        raise _err("field 'description': say what the rule rewrites and why (a sentence)", path, data, "description")
    match = data["match"]
    if not isinstance(match, str):
        raise _err("field 'match': must be a string (a regular expression)", path, data, "match")
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
    if becomes is not None and not isinstance(becomes, str):
        raise _err("field 'becomes': a string template with ${group} and ${AWS::...} names", path, data, "becomes")
    when = data.get("when") or {}
    if not isinstance(when, dict):
        raise _err("field 'when': a mapping of group -> account|region|partition|env|api_id", path, data, "when")
    rule = Rule(
        id=rid,
        description=" ".join(data["description"].split()),
        source=path,
        match_src=match,
        where=[str(w) for w in where],
        priority=priority,
        becomes=becomes,
        when={str(k): v for k, v in when.items()},
        allow=allow,
        examples=[],
        pointer_re=pointer_re,
        uses_env="{{env}}" in match,
    )
    problem = rule_problem(rule)  # before the examples, which are read only for a rule that can run
    if problem is None:
        rule.examples = _parse_examples(data["examples"], path, data, example_pointer(str(where[0])))
        problem = rule_problem(rule)
    if problem is not None:
        field, message = problem
        raise _err(f"field '{field}': {message}", path, data, field)
    return rule


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
    return out  # (what the examples mean together: rule_problem)



def load_rule_file(path: Path) -> Rule:
    return parse_rule(rulefiles.read_rule(path), str(path))


def load_rules(extra: list[Path] | None = None, *, builtin: bool = True) -> list[Rule]:
    """Built-in rules, then user rules; a user rule with a built-in's id replaces it."""
    from exporter.rules.cache import cached_rules

    by_id: dict[str, Rule] = {}
    sources = ([rulefiles.BUILTIN_DIR] if builtin else []) + list(extra or [])
    for rule in cached_rules(rulefiles.rule_files(sources), load_rule_file):
        by_id[rule.id] = rule
    return sorted(by_id.values(), key=run_order)


def run_order(rule: Rule) -> tuple[int, bool, str]:
    """Higher priority first; at equal priority a user rule runs before the built-ins, since the
    user wrote it for a case they know better; then by id, so the order never depends on disk."""
    return (-rule.priority, is_builtin(rule), rule.id)
