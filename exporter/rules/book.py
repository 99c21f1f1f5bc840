"""The rule set as a user sees it: which rules are active and where each comes from, checking rule
files, and scaffolding a new one. Backs the `rules` commands; the CLI only renders."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from exporter.errors import UserError
from exporter.io import rulefiles
from exporter.io.paths import display_path
from exporter.rules.kinds import scaffold_reminder
from exporter.rules.loader import load_rule_file, parse_rule
from exporter.rules.patterns import MACROS
from exporter.rules.schema import ID_RE, Rule, is_builtin


@dataclass
class RuleRow:
    id: str
    priority: int
    origin: str  # "built-in" | "user"
    overrides: bool  # a user rule that replaces the built-in with its id
    allow: bool
    description: str
    source: str


def rule_rows(active: list[Rule]) -> list[RuleRow]:
    builtin_ids = {Path(f).stem for f in rulefiles.rule_files([rulefiles.BUILTIN_DIR])}
    rows = []
    for r in active:
        builtin = is_builtin(r)
        rows.append(RuleRow(r.id, r.priority, "built-in" if builtin else "user", not builtin and r.id in builtin_ids,
                            r.allow, r.description, display_path(r.source)))
    return rows


def find_rule(active: list[Rule], rule_id: str) -> Rule:
    if rule_id == "binding":
        raise UserError("'binding' is not a rule: it marks a literal replaced by a bound parameter "
                        "(--bind NAME=VALUE, 'bindings' in the project config, or an Amplify output)")
    for r in active:
        if r.id == rule_id:
            return r
    import difflib

    close = difflib.get_close_matches(rule_id, [r.id for r in active], n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `export-to-cfn rules list` shows them"
    raise UserError(f"no active rule with id '{rule_id}'{hint}")


def show_rule(rule: Rule, active: list[Rule]) -> str:
    """The rule file as written, headed by where it comes from and where it runs in the order."""
    row = next(r for r in rule_rows(active) if r.id == rule.id)
    position = [r.id for r in active].index(rule.id) + 1
    header = (f"# {row.source} ({row.origin}{', overrides the built-in' if row.overrides else ''}); "
              f"runs {position} of {len(active)}, priority {rule.priority}\n")
    text = rulefiles.read_rule_text(rule.source)
    return header + text + ("" if text.endswith("\n") else "\n")


@dataclass
class FileCheck:
    path: Path
    rule_id: str | None
    error: UserError | None


def check_files(paths: list[Path]) -> list[FileCheck]:
    """Validate every rule file under paths; every problem is reported, not only the first."""
    results: list[FileCheck] = []
    seen: dict[str, Path] = {}
    for f in rulefiles.rule_files(paths):
        try:
            rule = load_rule_file(f)
        except UserError as e:
            results.append(FileCheck(f, None, e))
            continue
        if rule.id in seen:
            results.append(FileCheck(f, rule.id, UserError(f"field 'id': '{rule.id}' is also the id of {seen[rule.id]}", file=str(f))))
            continue
        seen[rule.id] = f  # (a scaffold still owns its id: a second file with it is a duplicate)
        if PLACEHOLDER.search(rule.description):
            # a scaffold runs (`rules test` works on it) but is not done until it says what it is
            results.append(FileCheck(f, rule.id, UserError(
                "field 'description': still the scaffold's placeholder (TODO); say what the rule rewrites and why",
                file=str(f), line=rulefiles.line_of_key(f, "description"))))
            continue
        results.append(FileCheck(f, rule.id, None))
    if not results:
        raise UserError(f"no rule files (*.yaml, *.yml) in {', '.join(map(str, paths))}")
    return results


PLACEHOLDER = re.compile(r"\b(?:TODO|FIXME|TBD|XXX)\b")


SCAFFOLD = """\
# An export-to-cfn rule. Guide: docs/writing-rules.md; every field: docs/rules.md.
#   export-to-cfn rules check {file}     validate this file
#   export-to-cfn rules test {file}      run its examples
id: {id}
description: >
  TODO: which literal this rewrites, where the export has it, and what it becomes.
# Which strings to look at (JSONPath); a selected node selects every string beneath it.
where:
  - "$..x-amazon-apigateway-integration.uri"
# Higher runs first. Built-in shapes run at 60-90: above them, this rule sees the literal first.
priority: 65
# A regular expression. Named groups say what each part becomes:
{kinds}
# Macros: {macros}
match: 'arn:(?P<partition>{{{{partition}}}}):apigateway:(?P<region>{{{{region}}}}):(?P<param_ExampleId>[a-z0-9]+)\\.example-service:path/'
examples:
  # Each example runs through every active rule, in the run context
  # account 123456789012, region us-east-1, partition aws, env dev (override with `context:`).
  rewrites:
    - name: example
      input: "arn:aws:apigateway:us-east-1:abc123.example-service:path/things"
      output: {{"Fn::Sub": "arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:${{ExampleId}}.example-service:path/things"}}
  unchanged:
    - name: not-this-service
      input: "https://backend.example.com/things"
"""


def scaffold(rule_id: str, folder: Path) -> tuple[Path, str]:
    """The path and text of a new rule file that `rules check` and `rules test` accept as is."""
    if not ID_RE.match(rule_id):
        raise UserError(f"'{rule_id}': a rule id is kebab-case, like appsync-graphql-uri")
    path = folder / f"{rule_id}.yaml"
    rulefiles.check_new_rule_file(path, folder)
    text = SCAFFOLD.format(id=rule_id, file=path, kinds="\n".join(f"#   {line}" for line in scaffold_reminder()),
                           macros=" ".join(f"{{{{{m}}}}}" for m in [*MACROS, "env"]))
    from exporter.io.yaml import parse_rt_text

    parse_rule(parse_rt_text(text), str(path))  # the scaffold must always be a valid rule
    return path, text
