"""Run a rule's own examples, semgrep --test style: each example goes through the whole active
rule set (what a user will see) and must come out as the rule says."""

from __future__ import annotations

import json
from dataclasses import dataclass

from exporter.errors import UserError
from exporter.io.paths import display_path
from exporter.rewrite import Context, Rewriter
from exporter.rules.kinds import rule_kind
from exporter.rules.loader import run_order
from exporter.rules.patterns import find_matches
from exporter.rules.schema import EXAMPLE_CONTEXT, Example, Rule


@dataclass
class ExampleResult:
    rule: str
    example: str
    ok: bool
    message: str
    source: str = ""
    pointer: str = ""


def _show(v: object) -> str:
    return json.dumps(v, ensure_ascii=False)


def run_example(rule: Rule, example: Example, active: list[Rule]) -> ExampleResult:
    def result(ok: bool, message: str) -> ExampleResult:
        return ExampleResult(rule.id, example.name, ok, message, display_path(rule.source), example.pointer)

    ctx_values = {**EXAMPLE_CONTEXT, **example.context}
    ctx = Context(account=ctx_values["account"], region=ctx_values["region"], partition=ctx_values["partition"],
                  env=ctx_values["env"], api_id=ctx_values["api_id"])
    rules = [r for r in active if r.id != rule.id] + [rule]
    rules.sort(key=run_order)
    rw = Rewriter(rules, ctx)
    try:
        got = rw.rewrite_string(example.input, example.pointer)
        claimed = _claimed(rw, rule, example.input, example.pointer)
    except UserError as e:  # a rewrite that does not resolve back, a pattern that ran out of time
        return result(False, str(e))
    rewrote = any(rule.id in r.rules for r in rw.rewrites)
    fired = rewrote or claimed
    guards = rule_kind(rule).guards
    if example.unchanged and guards:  # an allow rule's promise: the whole set leaves these alone
        if not claimed:
            return result(False, f"allow rule does not match {_show(example.input)}, so it would not protect it")
        if got != example.input:
            return result(False, f"expected unchanged {_show(example.input)}, got {_show(got)}")
        return result(True, "unchanged")
    if example.unchanged:  # this rule leaves it alone; other rules may still rewrite it
        if rewrote:
            return result(False, f"expected this rule to leave {_show(example.input)} alone, but it rewrote it: got {_show(got)}")
        return result(True, "left alone" + (f" (other rules rewrite it to {_show(got)})" if got != example.input else ""))
    if got != example.output:
        return result(False, f"expected {_show(example.output)}, got {_show(got)}")
    if not guards and not fired:
        return result(False, "output matches, but this rule did not fire (another rule did the work)")
    return result(True, "rewrites as expected")


def _claimed(rw: Rewriter, rule: Rule, value: str, pointer: str) -> bool:
    rx = rule.compile_match(rw.ctx.env)
    return rx is not None and rule.applies_at(pointer) and any(True for _ in find_matches(rule, rx, value))


def run_rule_examples(rules: list[Rule], active: list[Rule]) -> list[ExampleResult]:
    return [run_example(r, ex, active) for r in rules for ex in r.examples]
