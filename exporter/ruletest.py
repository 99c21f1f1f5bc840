"""Run a rule's own examples, semgrep --test style: each example goes through the whole active
rule set (what a user will see) and must come out as the rule says."""

from __future__ import annotations

import json
from dataclasses import dataclass

from exporter.rewrite import Context, Rewriter
from exporter.rules import EXAMPLE_CONTEXT, Example, Rule

DEFAULT_POINTER = "/paths/~1example/post/x-amazon-apigateway-integration/requestTemplates/application~1json"


@dataclass
class ExampleResult:
    rule: str
    example: str
    ok: bool
    message: str


def run_example(rule: Rule, example: Example, active: list[Rule]) -> ExampleResult:
    ctx_values = {**EXAMPLE_CONTEXT, **example.context}
    ctx = Context(account=ctx_values["account"], region=ctx_values["region"], partition=ctx_values["partition"],
                  env=ctx_values["env"], api_id=ctx_values["api_id"])
    pointer = example.pointer or DEFAULT_POINTER
    if example.pointer and not example.unchanged and not rule.applies_at(pointer):
        return ExampleResult(rule.id, example.name, False, f"pointer {pointer} is not selected by where {rule.where}")
    rules = [r for r in active if r.id != rule.id] + [rule]
    rules.sort(key=lambda r: (-r.priority, r.id))
    rw = Rewriter(rules, ctx)
    got = rw.rewrite_string(example.input, pointer)
    fired = bool(rw.rewrites and rule.id in rw.rewrites[-1].rules) or _claimed(rw, rule, example.input, pointer)
    show = lambda v: json.dumps(v, ensure_ascii=False)  # noqa: E731
    if example.unchanged:
        if got != example.input:
            return ExampleResult(rule.id, example.name, False, f"expected unchanged {show(example.input)}, got {show(got)}")
        if rule.allow and not fired:
            return ExampleResult(rule.id, example.name, False, f"allow rule does not match {show(example.input)}")
        return ExampleResult(rule.id, example.name, True, "unchanged")
    if got != example.output:
        return ExampleResult(rule.id, example.name, False, f"expected {show(example.output)}, got {show(got)}")
    if not rule.allow and not fired:
        return ExampleResult(rule.id, example.name, False, "output matches, but this rule did not fire (another rule did the work)")
    return ExampleResult(rule.id, example.name, True, "rewrites as expected")


def _claimed(rw: Rewriter, rule: Rule, value: str, pointer: str) -> bool:
    rx = rule.compile_match(rw.ctx.env)
    return rx is not None and rule.applies_at(pointer) and rx.search(value) is not None


def run_rule_examples(rules: list[Rule], active: list[Rule]) -> list[ExampleResult]:
    return [run_example(r, ex, active) for r in rules for ex in r.examples]
