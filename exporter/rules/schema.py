"""The rule file format, once: SCHEMA and EXAMPLE_SCHEMA are what the loader accepts (its messages
name these fields) and what docs/rules.md says (exporter.rules.doc renders them); Rule and Example
are a loaded rule as the rest of the tool sees it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from exporter.io.rulefiles import is_builtin_source
from exporter.rules.patterns import MATCH_TIMEOUT, compile_pattern

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EXAMPLE_CONTEXT = {"account": "123456789012", "region": "us-east-1", "partition": "aws", "env": "dev", "api_id": "a1b2c3d4e5"}
DEFAULT_POINTER = "/paths/~1example/post/x-amazon-apigateway-integration/requestTemplates/application~1json"


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
        return compile_pattern(self.match_src, env, trusted=is_builtin(self))

    def applies_at(self, pointer: str) -> bool:
        return self.pointer_re is None or self.pointer_re.match(pointer) is not None


def is_builtin(rule: Rule) -> bool:
    return is_builtin_source(rule.source)
