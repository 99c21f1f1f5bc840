"""The kinds, each with its handler and its docs, in two tables read by everything that treats them.

GROUP_KINDS: a named group's kind (its name before the first "_") says what the matched text
becomes. Each kind is its handler (what the rewriter emits for it) and its docs (the reference in
docs/rules.md, the reminder in a `rules new` scaffold); the validator, the rewriter, the docs and
the scaffold all read this table.

RULE_KINDS: what a whole match becomes (kept as it is by an allow rule, replaced whole by
`becomes`, or group by group in place), and what the rule's `unchanged` examples promise; the
rewriter and the example runner read it.

A group handler gets the rewriter (its `ctx` and `env_split`), the kind, the group's name, the matched text
and the run's notes (a finding per literal kept because it is not the home value); it returns parts:
("var", name) an intrinsic, ("keep", text) settled literal, ("lit", text) text later rules still see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from exporter.aws import PARAMETER_NAME, PSEUDO

Part = tuple[str, str]
Handler = Callable[[Any, str, str, str, list], list[Part]]


def _pseudo(rw: Any, kind: str, name: str, text: str, notes: list) -> list[Part]:
    ctx = rw.ctx
    home = ctx.urlsuffix if kind == "urlsuffix" else ctx.context_value(kind)
    if text == home:
        return [("var", PSEUDO[kind])]
    if kind in ("account", "region", "partition") and text:
        notes.append((kind, text, f"{kind} {text} is not the home {kind} ({home}); kept literal"))
    return [("keep", text)]


def _env(rw: Any, kind: str, name: str, text: str, notes: list) -> list[Part]:
    ctx = rw.ctx
    return [("var", ctx.env_param)] if ctx.env and text == ctx.env else [("keep", text)]


def _name(rw: Any, kind: str, name: str, text: str, notes: list) -> list[Part]:
    return rw.env_split(text)


def param_name(group: str) -> str:
    """The parameter a param_<Name> group declares (`Param` for a bare `param`)."""
    return group.split("_", 1)[1] if "_" in group else "Param"


def param_name_problem(group: str) -> str | None:
    """Why a param group's name cannot be a CloudFormation parameter name, or None: `param_My_Name` would
    declare `My_Name` (cfn-lint E2001), `param_` an empty name written as ${}."""
    name = param_name(group)
    if re.fullmatch(PARAMETER_NAME, name):
        return None
    return (f"group {group!r} declares the parameter {name!r}, which CloudFormation refuses: a parameter name is "
            "1-255 letters and digits (param_VpcLinkId)")


def _param(rw: Any, kind: str, name: str, text: str, notes: list) -> list[Part]:
    return [("var", rw.ctx.new_param(param_name(name), text))]


@dataclass(frozen=True)
class GroupKind:
    name: str
    handler: Handler
    doc: str  # docs/rules.md: what the matched text becomes
    reminder: str  # the scaffold's one-line reminder of the same
    spelled: str | None = None  # how a group of this kind is written, when not <kind> or <kind>_<suffix>

    @property
    def doc_name(self) -> str:
        return self.spelled or f"{self.name}, {self.name}_<suffix>"


GROUP_KINDS: dict[str, GroupKind] = {k.name: k for k in (
    GroupKind("partition", _pseudo, "AWS::Partition when it is the home partition", "${AWS::Partition}"),
    GroupKind("region", _pseudo, "AWS::Region when it is the home region (other regions stay literal and are reported)",
              "${AWS::Region}"),
    GroupKind("account", _pseudo, "AWS::AccountId when it is the home account (other accounts stay literal and are reported)",
              "${AWS::AccountId}"),
    GroupKind("urlsuffix", _pseudo, "AWS::URLSuffix when it is the home partition's suffix", "${AWS::URLSuffix}"),
    GroupKind("env", _env, "${env} when it equals the environment name", "${env}"),
    GroupKind("name", _name, "a resource name: an -<env> suffix inside it becomes ${env}",
              "a name whose -<env> suffix becomes ${env}"),
    GroupKind("param", _param, "a new template parameter <Name> holding the value (VPC link ids, pool ids); <Name> is "
              "1-255 letters and digits, as CloudFormation names parameters, and a name the output already has for "
              "something else becomes <Name>2, <Name>3, ...",
              "a new template parameter <Name> holding the value", spelled="param_<Name>"),
)}

# Groups named x_<anything> have no kind: helpers, left as they are (usable in `when` and `becomes`).
HELPER_PREFIX = "x_"
HELPER_DOC = ("x_<name>", "nothing: a helper group, left as it is (usable in `when` and `becomes`)")
HELPER_REMINDER = ("x_<anything>", "left as it is")


def group_kind(name: str) -> str | None:
    kind = name.split("_", 1)[0]
    return kind if kind in GROUP_KINDS else None


def handle(rw: Any, name: str, text: str, notes: list) -> list[Part]:
    """What a typed group's matched text becomes (see the module docstring)."""
    kind = group_kind(name)
    if kind is None:
        return [("keep", text)]
    return GROUP_KINDS[kind].handler(rw, kind, name, text, notes)


@dataclass(frozen=True)
class RuleKind:
    name: str
    replace: Callable[[Any, Any, Any, list], list[Part]]  # (rewriter, rule, match, notes) -> parts
    doc: str
    guards: bool  # its `unchanged` examples are what it protects: it must match them, and they come out unchanged


RULE_KINDS: dict[str, RuleKind] = {k.name: k for k in (
    RuleKind("allow", lambda rw, rule, m, notes: [("keep", m.group(0))],
             "the match is left exactly as it is and settled: no later rule touches it, and --strict/audit do not "
             "report it", guards=True),
    RuleKind("becomes", lambda rw, rule, m, notes: rw.becomes(rule.becomes, m, notes),
             "the whole match is replaced by the `becomes` template and settled", guards=False),
    RuleKind("in-place", lambda rw, rule, m, notes: rw.in_place(m, notes),
             "each outermost typed group is replaced in place; the text between groups stays open to later rules",
             guards=False),
)}


def rule_kind(rule: Any) -> RuleKind:
    """An allow rule, a rule with `becomes`, or one whose groups are replaced in place."""
    return RULE_KINDS["allow" if rule.allow else "becomes" if rule.becomes is not None else "in-place"]


def scaffold_reminder() -> list[str]:
    """The group kinds as a `rules new` scaffold lists them: the pseudo parameters on one line, then
    the others two to a line."""
    pseudo = [k for k in GROUP_KINDS.values() if k.name in PSEUDO]
    lines = [", ".join(k.name for k in pseudo) + " -> " + ", ".join(k.reminder for k in pseudo)]
    rest = [f"{k.spelled or k.name} -> {k.reminder}" for k in GROUP_KINDS.values() if k.name not in PSEUDO]
    rest.append(" -> ".join(HELPER_REMINDER))
    lines += [";  ".join(rest[i:i + 2]) for i in range(0, len(rest), 2)]
    return lines
