"""What a rule means, checked once: rule_problem runs on every rule file (exporter.rules.loader, after
the fields' types) and on every rule the cache reads (exporter.rules.cache), so a cached rule is held
to exactly the standard of a rule file."""

from __future__ import annotations

import re
from pathlib import Path

from exporter.aws import PSEUDO
from exporter.rules.patterns import check_pattern, expand_macros
from exporter.rules.schema import EXAMPLE_CONTEXT, ID_RE, Rule

_PSEUDO = sorted(PSEUDO.values())  # the pseudo parameters a run has values for (the proof resolves them)


def rule_problem(rule: Rule) -> tuple[str, str] | None:
    """(field, problem) for a rule that could not run as written, or None. The one check of what a
    rule means, beyond the types of its fields: parse_rule runs it on every rule file, and the cache on
    every entry it reads (a cache file is data anyone who can write the folder could have made), so a
    cached rule is held to exactly the standard of a rule file."""
    if not ID_RE.match(rule.id):
        return "id", "must be kebab-case, like 'sqs-queue-url'"
    stem = Path(rule.source).stem
    if stem != rule.id:
        return "id", f"'{rule.id}' must equal the file name ('{stem}')"
    if len(rule.description.strip()) < 10:
        return "description", "say what the rule rewrites and why (a sentence)"
    problem = check_pattern(rule.match_src)
    if problem:
        return "match", problem
    if rule.uses_env != ("{{env}}" in rule.match_src):
        return "match", "uses_env does not follow from the pattern"
    groups = set(re.compile(expand_macros(rule.match_src, "dev")).groupindex)
    if rule.becomes is not None:
        problem = _becomes_problem(rule.becomes, groups)
        if problem:
            return "becomes", problem
    for g, v in rule.when.items():
        if g not in groups:
            return "when", f"'{g}' is not a group of 'match'"
        if not isinstance(v, str) or v not in EXAMPLE_CONTEXT:
            return "when", f"'{v}' must be one of {', '.join(EXAMPLE_CONTEXT)}"
    if rule.allow and rule.becomes is not None:
        return "becomes", "an allow rule keeps its match as it is; drop 'becomes' or 'allow'"
    return _examples_problem(rule)


def _becomes_problem(becomes: str, groups: set[str]) -> str | None:
    """Each ${...} is a group of 'match', a pseudo parameter the run knows, env, or ${!...} (literal
    text, Fn::Sub's escape); a '${' left without its '}' is an error, not text."""
    for name in re.findall(r"\$\{([^}]*)\}", becomes):
        if name.startswith("!"):
            continue
        if name.startswith("AWS::") and name not in _PSEUDO:
            return f"${{{name}}} is not a pseudo parameter a run has a value for ({', '.join(_PSEUDO)})"
        if name not in groups and not name.startswith("AWS::") and name != "env":
            return f"${{{name}}} is neither a group of 'match' nor AWS::*/env"
    if "${" in re.sub(r"\$\{[^}]*\}", "", becomes):
        return "a '${' without its closing '}' (write ${!x} for a literal ${x})"
    return None


def _examples_problem(rule: Rule) -> tuple[str, str] | None:
    if not rule.examples:
        return None  # (parse_rule checks the rest first: a rule file's examples are read after it)
    for ex in rule.examples:
        if not isinstance(ex.context, dict) or not set(ex.context) <= set(EXAMPLE_CONTEXT) or \
                not all(isinstance(v, str) for v in ex.context.values()):
            return "examples", f"example '{ex.name}': 'context' keys among {', '.join(EXAMPLE_CONTEXT)}, each a string"
        if not ex.pointer.startswith("/"):
            return "examples", f"example '{ex.name}': 'pointer' is a JSON pointer starting with '/'"
        if ex.unchanged and ex.output is not None or not ex.unchanged and ex.output is None:
            return "examples", f"example '{ex.name}': a 'rewrites' example has an 'output', an 'unchanged' one none"
        if not ex.unchanged and ex.output == ex.input:
            return "examples", f"example '{ex.name}': 'output' equals 'input'; an input that must not change belongs in 'unchanged'"
        if not ex.unchanged and ex.explicit_pointer and rule.pointer_re is not None and not rule.pointer_re.match(ex.pointer):
            return "examples", (f"example '{ex.name}': pointer {ex.pointer} is not selected by 'where' "
                                f"({', '.join(rule.where)}), so the rule could never rewrite it there")
    if not any(not e.unchanged for e in rule.examples) or not any(e.unchanged for e in rule.examples):
        return "examples", "needs at least one 'rewrites' example and one 'unchanged' example"
    names = [e.name for e in rule.examples]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup:
        return "examples", f"two examples are named '{dup}'; names become test ids and must differ"
    return None
