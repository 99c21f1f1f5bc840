"""Rule files in: load, validate (with file/line/field in every message), compile once.

A rule is data. `match` is a regular expression whose *named groups* say what each part of a
literal is; the group's name picks its kind (kinds: the one table of group kinds, each with its
handler and its docs). `where` is one or more JSONPath selectors, compiled to a matcher over JSON
pointers (selectors). The schema drives both the loader's messages and docs/rules.md (doc).

    schema    the format (SCHEMA, EXAMPLE_SCHEMA) and a loaded Rule / Example
    kinds     group kinds and rule kinds (allow, becomes, in place) -> handler + doc
    patterns  macros, compile, time limit and budget, the hang check
    selectors JSONPath `where` -> a JSON-pointer regex (the only jsonpath-ng user)
    loader    data already read -> a validated Rule; the active rule set in run order
    cache     compiled rules cached between runs (its files through exporter.io.rulefiles)
    examples  a rule's examples run through the whole active set (`rules test`)
    book      the rule set as a user sees it (`rules list|show|check|new`)
    doc       docs/rules.md from the schema

Rule files are found and read by exporter.io.rulefiles.
"""

from exporter.io.rulefiles import BUILTIN_DIR, rule_files
from exporter.rules.kinds import GROUP_KINDS, group_kind
from exporter.rules.loader import load_rule_file, load_rules, parse_rule, run_order
from exporter.rules.patterns import MACROS, check_pattern, find_all, find_matches, has_match, reset_budget
from exporter.rules.schema import (EXAMPLE_CONTEXT, EXAMPLE_FIELDS, EXAMPLE_SCHEMA, FIELDS, ID_RE, SCHEMA, Example, Rule,
                                   is_builtin)

__all__ = ["BUILTIN_DIR", "EXAMPLE_CONTEXT", "EXAMPLE_FIELDS", "EXAMPLE_SCHEMA", "FIELDS", "GROUP_KINDS", "ID_RE", "MACROS",
           "SCHEMA", "Example", "Rule", "check_pattern", "find_all", "find_matches", "group_kind", "has_match", "is_builtin",
           "load_rule_file", "load_rules", "parse_rule", "reset_budget", "rule_files", "run_order"]
