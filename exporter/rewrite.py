"""Literals -> intrinsics. Each string of the export is cut into literal text and named values
(pseudo parameters, env, bindings, new parameters) by the rules, then emitted as a plain string,
a Ref, an Fn::Sub or an Fn::Join. Every change is recorded with its rule ids and JSON pointer.

Every rewritten value is resolved back on the spot and must equal its input; a Sub that would not
(an unbalanced `${` in VTL) falls back to Fn::Join, which needs no escaping. A rule whose output
still does not resolve back is a broken rule: a UserError naming it, never a wrong template.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from exporter.aws import escape_pointer, first_free, url_suffix
from exporter.errors import UserError
from exporter.model import WARNING, Finding
from exporter.resolve import Unresolved, resolve
from exporter.rules import Rule, find_matches, group_kind, has_match
from exporter.rules.kinds import handle as handle_group, rule_kind




@dataclass(frozen=True)
class Taken:
    """A name the output has that a Ref must never take over: a resource, a condition, a mapping, or a
    parameter whose value is not a string the run can compare (Number, a list, one Amplify passes)."""

    what: str  # what it is, for messages: "a resource (AWS::SQS::Queue)"


@dataclass(frozen=True)
class Open:
    """A String parameter that states no value (no Default): a deploy passes one, any value or one of
    `allowed` (its AllowedValues)."""

    allowed: tuple[str, ...] | None = None

    def admits(self, value: str) -> bool:
        return self.allowed is None or value in self.allowed


def may_stand_for(have: Any, value: str) -> bool:
    """Can a Ref to a name the output already has (`have`: what Context.taken holds for it) stand for
    `value`? Only a String parameter a deploy gives this very value: its value is `value`, or it states
    none and admits it."""
    return have == value or (isinstance(have, Open) and have.admits(value))


@dataclass
class Context:
    """What the literals are measured against: the export's home account/region/partition/env."""

    account: str | None = None
    region: str | None = None
    partition: str = "aws"
    env: str | None = None
    api_id: str | None = None
    style: str = "sub"
    bindings: dict[str, str] = field(default_factory=dict)  # literal value -> parameter name
    new_params: dict[str, str] = field(default_factory=dict)  # parameter name -> its current value
    param_bases: dict[str, str] = field(default_factory=dict)  # value -> parameter name (for param_* groups)
    # names the output already has (the template's parameters, resources, conditions, mappings; the
    # standalone target's own resources) -> the value a deploy gives it: a string, Open (a String
    # parameter stating none) or Taken (never a Ref for a literal)
    taken: dict[str, Any] = field(default_factory=dict)
    env_param: str = "env"  # the parameter ${env} names: the template's own (Env, Stage, ...) when it has one
    reused: dict[str, str] = field(default_factory=dict)  # the template's own parameters a literal became -> value

    @property
    def urlsuffix(self) -> str:
        return url_suffix(self.partition)

    def values(self) -> dict[str, Any]:
        """Every name the emitted intrinsics may use, with its concrete value (for the proof)."""
        vals: dict[str, Any] = {"AWS::Partition": self.partition, "AWS::URLSuffix": self.urlsuffix}
        if self.account:
            vals["AWS::AccountId"] = self.account
        if self.region:
            vals["AWS::Region"] = self.region
        if self.env:
            vals[self.env_param] = self.env
        for value, name in self.bindings.items():
            vals[name] = value
        vals.update(self.reused)
        vals.update(self.new_params)
        return vals

    def context_value(self, key: str) -> str | None:
        return {"account": self.account, "region": self.region, "partition": self.partition, "env": self.env, "api_id": self.api_id}[key]

    def new_param(self, base: str, value: str) -> str:
        """A parameter for `value` (a param_<base> group). The template's own parameter when a deploy gives it
        this very value: one whose value is `value`, whatever its name (VPCLinkId for VpcLinkId), else one named
        `base` in any case that states no value and admits it (VPCLinkID, no Default). Otherwise `base`, or
        base2, base3, ... when the output already has that name for something else: a Ref never silently takes
        an old parameter's old value, a resource or another value of this run, and no user value is overwritten."""
        if value in self.param_bases:
            return self.param_bases[value]
        own = next((n for n, v in self.taken.items() if isinstance(v, str) and v == value and not self._claimed(n, value)), None)
        if own is None:
            own = next((n for n, v in self.taken.items() if n.lower() == base.lower() and isinstance(v, Open)
                        and v.admits(value) and not self._claimed(n, value)), None)
        if own is not None:
            self.param_bases[value] = own
            self.reused[own] = value
            return own
        name = first_free(base, lambda n: self._claimed(n, value) or (n in self.taken and self.taken[n] != value))
        self.new_params[name] = value
        self.param_bases[value] = name
        return name

    def _claimed(self, name: str, value: str) -> bool:
        """Does this run already use `name` for another value (the env, a binding, a parameter)?"""
        if self.env and name == self.env_param:
            return value != self.env
        for mine in (self.new_params, self.reused, {n: v for v, n in self.bindings.items()}):
            if name in mine and mine[name] != value:
                return True
        return False


@dataclass
class Rewrite:
    pointer: str
    rules: list[str]
    before: str
    after: Any




# Parts: ("lit", text) may still be rewritten; ("keep", text) is settled literal; ("var", name).
Part = tuple[str, str]


def _tidy(parts: list[Part]) -> list[Part]:
    """Empty text dropped and neighbouring open text joined, so the next rule sees whole strings
    (an ARN that a name group cut off from its `arn` prefix is still an ARN)."""
    out: list[Part] = []
    for kind, text in parts:
        if kind != "var" and text == "":
            continue
        if kind == "lit" and out and out[-1][0] == "lit":
            out[-1] = ("lit", out[-1][1] + text)
        else:
            out.append((kind, text))
    return out


def _rx_boundary(values: Iterable[str]) -> re.Pattern | None:
    vals = sorted({v for v in values if v}, key=len, reverse=True)
    if not vals:
        return None
    return re.compile(r"(?<![A-Za-z0-9_.-])(?:" + "|".join(re.escape(v) for v in vals) + r")(?![A-Za-z0-9_-])")


class Rewriter:
    """Applies the rules to strings. One per run: it caches compiled rules and per-string results."""

    def __init__(self, rules: list[Rule], ctx: Context):
        self.ctx = ctx
        self.rules = rules
        self.compiled = [(r, r.compile_match(ctx.env)) for r in rules]
        self.binding_rx = _rx_boundary(ctx.bindings)
        self._applicable: dict[str, tuple[int, ...]] = {}
        # applicable rules -> string -> (result, rules used, notes); rule key -> the same dict
        self._cache_of: dict[tuple[int, ...], dict[str, tuple[Any, list[str], list[tuple[str, str, str]]]]] = {}
        self._by_key: dict[str, dict[str, tuple[Any, list[str], list[tuple[str, str, str]]]]] = {}
        self.rewrites: list[Rewrite] = []
        self.findings: list[Finding] = []
        self._env_rx: re.Pattern | None = None
        # Routes are data, not structure: when no rule names one, all routes share a cache entry.
        self._route_blind = not any("paths" in w and "paths.*" not in w and "paths[*]" not in w and w.strip() not in ("$..*",) for r in rules for w in r.where if "paths" in w)

    # -- which rules apply where
    def _rules_at(self, pointer: str) -> tuple[int, ...]:
        return self._rules_for(self._rule_key(pointer), pointer)

    def _rule_key(self, pointer: str) -> str:
        if self._route_blind and pointer.startswith("/paths/"):
            rest = pointer.split("/", 3)
            return "/paths/*/" + (rest[3] if len(rest) > 3 else "")
        return pointer

    def _rules_for(self, key: str, pointer: str) -> tuple[int, ...]:
        """The rules that apply at `pointer`, whose rule key (see _rule_key) is `key`."""
        hit = self._applicable.get(key)
        if hit is None:
            hit = tuple(i for i, (r, rx) in enumerate(self.compiled) if rx is not None and r.applies_at(pointer))
            self._applicable[key] = hit
        return hit

    def _child_key(self, key: str, pointer: str, segment: str) -> str:
        """_rule_key of pointer/segment, from the parent's: no re-splitting on every node."""
        if self._route_blind:
            if pointer == "/paths":
                return "/paths/*/"
            if key == "/paths/*/":
                return key + segment
        return f"{key}/{segment}"

    # -- one string
    def rewrite_string(self, value: str, pointer: str, key: str | None = None) -> Any:
        out, used, notes = self._rewrite_cached(value, pointer, key)
        if out is not value:
            if type(out) is str and out == value:
                out = value  # the caller's own object: unchanged subtrees stay shared (see rewrite_tree)
            else:
                self.rewrites.append(Rewrite(pointer, used, value, out))
        for kind, val, msg in notes:
            self.findings.append(Finding(kind, msg, pointer, val, rule=kind, severity=WARNING))
        return out

    def rewrite_tree(self, node: Any, pointer: str, key: str) -> Any:
        """rewrite_tree's walk; `key` is _rule_key(pointer), carried down instead of recomputed."""
        if isinstance(node, str):
            cache = self._by_key.get(key)
            if cache is None:  # the strings already rewritten under the same rules, by value
                cache = self._by_key[key] = self._cache_of.setdefault(self._rules_for(key, pointer), {})
            cached = cache.get(node)
            if cached is None or cached[2]:
                return self.rewrite_string(node, pointer, key)  # the general path: rewrites, and files the notes
            out = cached[0]  # what rewrite_string would do with a cached result, without the calls
            if out is node or type(out) is str and out == node:
                return node
            return self._recorded(node, pointer, cached)
        if isinstance(node, dict):
            out = None
            for k, v in node.items():
                if isinstance(v, (str, dict, list)):
                    seg = escape_pointer(k) if "~" in k or "/" in k else k
                    new = self.rewrite_tree(v, f"{pointer}/{seg}", self._child_key(key, pointer, seg))
                    if new is not v:
                        if out is None:
                            out = dict(node)
                        out[k] = new
            return node if out is None else out
        if isinstance(node, list):
            items = None
            for i, v in enumerate(node):
                if isinstance(v, (str, dict, list)):
                    new = self.rewrite_tree(v, f"{pointer}/{i}", self._child_key(key, pointer, str(i)))
                    if new is not v:
                        if items is None:
                            items = list(node)
                        items[i] = new
            return node if items is None else items
        return node

    def rewrite_value(self, value: str, pointer: str) -> Any:
        """`value` rewritten as if it stood at `pointer`, without recording it (for values the
        tool derives, such as a Lambda permission's function name)."""
        return self._rewrite_cached(value, pointer)[0]

    def rewrite_name(self, name: str) -> Any:
        """A resource name with its -<env> suffix as ${env} (the standalone RestApi's Name)."""
        parts = self.env_split(name, settled="keep")
        return self.emit(parts, name) if any(kind == "var" for kind, _ in parts) else name

    def _recorded(self, value: str, pointer: str, cached: tuple) -> Any:
        self.rewrites.append(Rewrite(pointer, cached[1], value, cached[0]))
        return cached[0]

    def _rewrite_cached(self, value: str, pointer: str, key: str | None = None) -> tuple[Any, list[str], list[tuple[str, str, str]]]:
        applicable = self._rules_for(self._rule_key(pointer) if key is None else key, pointer)
        cache = self._cache_of.setdefault(applicable, {})
        cached = cache.get(value)
        if cached is None:
            cached = self._rewrite_uncached(value, applicable)
            if cached[0] is not value:
                self._check_round_trip(value, cached[0], cached[1], pointer)
            cache[value] = cached
        return cached

    def _check_round_trip(self, value: str, out: Any, used: list[str], pointer: str) -> None:
        try:
            back = resolve(out, self.ctx.values())
        except (Unresolved, ValueError, TypeError) as e:
            back = f"<unresolvable: {e}>"
        if pointer.startswith("/x-amazon-apigateway-policy") and isinstance(back, str):
            back = expand_relative_execute_api(back, self.ctx)
        if back == value:
            return
        culprits = [r for r in self.rules if r.id in used]
        names = ", ".join(f"'{r.id}' ({r.source})" for r in culprits) or "the bindings"
        raise UserError(f"rule {names}: its rewrite at {pointer} does not resolve back to the input (it resolves to "
                        f"{_short(back)}, not {_short(value)}); fix the rule's 'match'/'becomes' (a rewrite must never change a value)")

    def _rewrite_uncached(self, value: str, applicable: tuple[int, ...]) -> tuple[Any, list[str], list[tuple[str, str, str]]]:
        parts: list[Part] = [("lit", value)]
        used: list[str] = []
        notes: list[tuple[str, str, str]] = []
        if self.binding_rx is not None:
            parts = self._apply_bindings(parts, used)
        for i in applicable:
            rule, rx = self.compiled[i]
            parts = self._apply_rule(rule, rx, parts, used, notes)
        if len(parts) == 1 and parts[0][0] != "var":
            return (value if parts[0][1] == value else parts[0][1]), used, notes
        if not any(kind == "var" for kind, _ in parts):
            text = "".join(t for _, t in parts)
            return (value if text == value else text), used, notes
        return self.emit(parts, value, used), used, notes

    def _apply_bindings(self, parts: list[Part], used: list[str]) -> list[Part]:
        out: list[Part] = []
        for kind, text in parts:
            if kind != "lit":
                out.append((kind, text))
                continue
            pos = 0
            for m in self.binding_rx.finditer(text):
                out.append(("lit", text[pos : m.start()]))
                out.append(("var", self.ctx.bindings[m.group(0)]))
                pos = m.end()
                if "binding" not in used:
                    used.append("binding")
            out.append(("lit", text[pos:]))
        return _tidy(out)

    def _apply_rule(self, rule: Rule, rx: re.Pattern, parts: list[Part], used: list[str], notes: list) -> list[Part]:
        for kind, text in parts:  # the common case is no match at all: nothing to cut, nothing to rebuild
            if kind == "lit" and has_match(rule, rx, text):
                break
        else:
            return parts
        out: list[Part] = []
        hit = False
        for kind, text in parts:
            if kind != "lit":
                out.append((kind, text))
                continue
            pos = 0
            for m in find_matches(rule, rx, text):
                if not self._when_ok(rule, m):
                    continue
                if m.end() == m.start():
                    continue
                out.append(("lit", text[pos : m.start()]))
                out.extend(self._replace_match(rule, m, notes))
                pos = m.end()
                hit = True
            out.append(("lit", text[pos:]))
        if hit and rule.id not in used:
            used.append(rule.id)
        return _tidy(out)

    def _when_ok(self, rule: Rule, m: re.Match) -> bool:
        for group, key in rule.when.items():
            want = self.ctx.context_value(key)
            if want is None or m.group(group) != want:
                return False
        return True

    def _replace_match(self, rule: Rule, m: re.Match, notes: list) -> list[Part]:
        return rule_kind(rule).replace(self, rule, m, notes)  # allow, becomes or in place: exporter.rules.kinds

    def in_place(self, m: re.Match, notes: list) -> list[Part]:
        # Replace each outermost typed group in place; the text between groups stays open to
        # later rules (the resource part of an ARN still meets the env rule).
        spans = []
        for name in m.re.groupindex:
            if m.start(name) < 0 or group_kind(name) is None:
                continue
            spans.append((m.start(name), m.end(name), name))
        spans.sort()
        out: list[Part] = []
        pos = m.start()
        last_end = -1
        for start, end, name in spans:
            if start < last_end:  # nested inside a group already handled
                continue
            out.append(("lit", m.string[pos:start]))
            out.extend(self._group(name, m.group(name), notes))
            pos = last_end = end
        out.append(("lit", m.string[pos : m.end()]))
        return out

    def becomes(self, template: str, m: re.Match, notes: list) -> list[Part]:
        out: list[Part] = []
        pos = 0
        for v in re.finditer(r"\$\{([^}]*)\}", template):
            out.append(("keep", template[pos : v.start()]))
            name = v.group(1)
            if name.startswith("!"):  # `${!x}`: Fn::Sub's own escape, literal text (rules check lets it through as such)
                out.append(("keep", v.group(0)))
            elif name.startswith("AWS::"):
                out.append(("var", name))
            elif name == "env":
                out.append(("var", self.ctx.env_param))
            elif group_kind(name):
                out.extend(self._group(name, m.group(name) or "", notes))
            else:
                out.append(("keep", m.group(name) or ""))
            pos = v.end()
        out.append(("keep", template[pos:]))
        return out

    def _group(self, name: str, text: str, notes: list) -> list[Part]:
        return handle_group(self, name, text, notes)  # what each kind becomes: exporter.rules.kinds

    def env_split(self, text: str, settled: str = "lit") -> list[Part]:
        # A name stays open to later rules: a home account, region or partition inside it
        # (assets-123456789012-dev) still becomes its pseudo parameter, whichever rule matched first.
        env = self.ctx.env
        if not env:
            return [(settled, text)]
        out: list[Part] = []
        pos = 0
        if self._env_rx is None:  # compiled once per run, not once per name
            self._env_rx = re.compile(r"(?<=[A-Za-z0-9][-_])" + re.escape(env) + r"(?![A-Za-z0-9])")
        for m in self._env_rx.finditer(text):
            out.append((settled, text[pos : m.start()]))
            out.append(("var", self.ctx.env_param))
            pos = m.end()
        out.append((settled, text[pos:]))
        return _tidy(out)

    # -- emission
    def emit(self, parts: list[Part], original: str, used: Iterable[str] = ()) -> Any:
        merged: list[Part] = []
        for kind, text in parts:
            if kind != "var" and merged and merged[-1][0] == "text":
                merged[-1] = ("text", merged[-1][1] + text)
            elif kind != "var":
                merged.append(("text", text))
            else:
                merged.append(("var", text))
        merged = [p for p in merged if p[1] != "" or p[0] == "var"]
        if len(merged) == 1 and merged[0][0] == "var":
            return {"Ref": merged[0][1]}
        values = self.ctx.values()
        if self.ctx.style == "sub" and all(_escapable(t) for k, t in merged if k != "var"):
            text = "".join("${" + t + "}" if k == "var" else t.replace("${", "${!") for k, t in merged)
            candidate: Any = {"Fn::Sub": text}
            if _resolves_to(candidate, values, original):
                return candidate
        # Whether this resolves back is checked by the caller, which knows the rules to blame.
        return {"Fn::Join": ["", [{"Ref": t} if k == "var" else t for k, t in merged]]}


# A literal `${` is written `${!` in Fn::Sub; CloudFormation documents that only for a closed
# `${...}` on one line. A `${` that never closes, or whose braces span lines or spaces, goes to
# Fn::Join, which needs no escaping at all.
_SAFE_ESCAPE = re.compile(r"\$\{[^{}$\s!]*\}")


def _escapable(text: str) -> bool:
    # A literal `${!x}` would need `${!!x}`, which engines read differently (moto drops every `!`),
    # so such a string goes to Fn::Join too.
    return text.count("${") == len(_SAFE_ESCAPE.findall(text))


def _resolves_to(node: Any, values: dict, original: str) -> bool:
    try:
        return resolve(node, values) == original
    except (Unresolved, ValueError, TypeError):
        return False


def _short(v: Any) -> str:
    text = json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else repr(v)
    return text if len(text) <= 200 else text[:197] + "..."


def expand_relative_execute_api(text: str, ctx: Context) -> str:
    """API Gateway expands `execute-api:/...` in a resource policy to the API's own ARN at import."""
    if text.startswith("execute-api:/"):
        return f"arn:{ctx.partition}:execute-api:{ctx.region}:{ctx.account}:{ctx.api_id}{text[len('execute-api:'):]}"
    return text


def rewrite_tree(node: Any, rewriter: Rewriter, pointer: str = "") -> Any:
    """The tree with every string leaf rewritten (keys are names, never rewritten).

    Subtrees with nothing to rewrite are returned as they are, not copied: the proof and the
    writer then skip them by identity. Treat input and output as read-only."""
    return rewriter.rewrite_tree(node, pointer, rewriter._rule_key(pointer))
