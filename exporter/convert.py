"""The pipeline on plain data: home -> rewrite -> merge -> proof. No disk, no terminal."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exporter.aws import escape_pointer
from exporter.errors import InternalError, UserError
from exporter.model import Finding
from exporter.infer import Home, env_in_use, infer_home
from exporter.io.load import Document
from exporter.merge import TEMPLATE_OWNED, MergeReport, Target, find_target, merge_into_template
from exporter.resolve import INTRINSICS, Unresolved, names_used, resolve
from exporter.rewrite import TAKEN, Context, Rewrite, Rewriter, expand_relative_execute_api, rewrite_tree
from exporter.rules import Rule, load_rules
from exporter.security import review
from exporter.stage import LiveStage, StageSettings
from exporter import stage as stages
from exporter.targets import standalone

IGNORED_IN_EXPORT = ("cacheNamespace",)  # per-deployment cache ids the console adds; meaningless in a template


@dataclass
class Options:
    api: str | None = None
    rules: list[Path] = field(default_factory=list)
    style: str = "sub"
    account: str | None = None
    region: str | None = None
    partition: str | None = None
    env: str | None = None
    prune: bool = False
    bindings: dict[str, str] = field(default_factory=dict)  # parameter name -> literal value
    env_source: str | None = None  # where `env` came from, when not --env (the project config)
    stage_variables: dict[str, str] = field(default_factory=dict)  # --stage-variable NAME=VALUE
    stage_name: str | None = None  # --stage-name: which stage of a get-stages file
    adopt: bool = False  # --adopt: a template for CloudFormation resource import of the live API
    adopt_to: Path | None = None  # --adopt: the import template's path (the other files are named after it)
    keep_template_literals: bool = False  # leave the template's own arn:<partition>: as written (exporter.portable)


@dataclass
class Conversion:
    template: dict
    ctx: Context
    home: Home
    report: MergeReport
    rewrites: list[Rewrite]
    findings: list[Finding]
    target: Target | None
    env_source: str | None
    stripped: int
    rules: list[Rule]
    before_body: dict | None = None  # the target's Body as the template had it (None: standalone)
    values: dict[str, Any] = field(default_factory=dict)  # names -> values the Bodies resolve with
    security: list[Finding] = field(default_factory=list)
    project: Any = None  # exporter.amplify.Project when the template belongs to an Amplify project
    original: dict | None = None  # the template as loaded (None: standalone)
    prune: bool = False
    stage: StageSettings | None = None  # the stage's settings (exporter.stage); None: none to write
    live: LiveStage | None = None  # the --stage file's stage
    given_stage_variables: dict[str, str] = field(default_factory=dict)  # --stage-variable
    export: dict | None = None  # the export as converted (cacheNamespace stripped)
    adopt_to: Path | None = None  # --adopt: the import template's path (exporter.targets.adopt)
    portable: list = field(default_factory=list)  # exporter.portable's changes to the template's own ARNs
    destination: Any = None  # exporter.targets.cdk.Destination for --target cdk / amplify-gen2 (set by the pipeline)
    rewritten: dict | None = None  # the export as the rules rewrote it: every home partition already a pseudo parameter
    keep_template_literals: bool = False  # Options.keep_template_literals: the targets leave the template's own ARNs alone


def strip_ignored(node: Any) -> tuple[Any, int]:
    """The export without the console's cacheNamespace on integrations (and a count of what went).
    Only an integration's own key goes: a model property of that name is the user's data."""
    count = 0
    integration_keys = ("x-amazon-apigateway-integration",)

    def walk(n: Any, integration: bool, integrations: bool) -> Any:
        nonlocal count
        if isinstance(n, dict):
            out = {}
            for k, v in n.items():
                if integration and k in IGNORED_IN_EXPORT:
                    count += 1
                    continue
                out[k] = walk(v, k in integration_keys or integrations, k == "x-amazon-apigateway-integrations")
            return out
        if isinstance(n, list):
            return [walk(v, False, False) for v in n]
        return n

    return walk(node, False, False), count


def build_context(export: dict, opts: Options, home: Home, template: dict | None, project: Any = None) -> tuple[Context, str | None]:
    env, source = opts.env, (opts.env_source or "--env") if opts.env else None
    if env is None and project is not None and project.env:
        env, source = project.env, project.env_source
    if env is None and home.stage and env_in_use(export, home.stage):
        env, source = home.stage, f"the export's stage /{home.stage}"
    ctx = Context(
        account=opts.account or (project and project.account) or home.account,
        region=opts.region or (project and project.region) or home.region,
        partition=opts.partition or (project and project.partition) or home.partition,
        env=env or None,
        api_id=home.api_id,
        style=opts.style,
    )
    ctx.taken = template_names(template, project, ctx.env) if template is not None else {}
    if template is not None and project is None and ctx.env:
        ctx.env_param = env_parameter(template, ctx.env) or "env"
    named = dict(opts.bindings)
    for name, value in named.items():  # a --bind (or config) name the template already gives another value
        if name in ctx.taken and ctx.taken[name] is not TAKEN and ctx.taken[name] != value:
            raise UserError(f"--bind {name}={value}: the template already has parameter {name} with the value "
                            f"{ctx.taken[name]!r}; pick another name (or pass that value)")
    if template is not None and project is None:
        # the template's own parameters: a literal equal to one's Default becomes a Ref to it (--bind wins)
        pseudo = {v for v in (ctx.account, ctx.region, ctx.partition, ctx.urlsuffix, ctx.env) if v}
        own = {n: v for n, v in ctx.taken.items() if isinstance(v, str) and v not in pseudo and IDENTIFIER.match(v)}
        named = {**{n: v for n, v in own.items() if v not in named.values()}, **named}
    if project is not None:
        from exporter import amplify

        amplify.find_outputs(project, ctx.account, ctx.region, ctx.partition, ctx.env)
        pseudo = {v for v in (ctx.account, ctx.region, ctx.partition, ctx.urlsuffix, ctx.env) if v}
        named = {**amplify.bindings(project, pseudo), **named}  # --bind wins
    ctx.bindings = {value: name for name, value in named.items()}
    return ctx, source


def convert(export_doc: Document, template_doc: Document | None, opts: Options, rules: list[Rule] | None = None,
            project: Any = None, stage_doc: Document | None = None) -> Conversion:
    text = export_doc.text
    if any(k in text for k in IGNORED_IN_EXPORT) or "\\u" in text or export_doc.fmt != "json":
        export, stripped = strip_ignored(export_doc.data)
    else:  # nothing to strip: skip copying the whole export
        export, stripped = export_doc.data, 0
    home = infer_home(export, export_doc.text if export_doc.fmt == "json" else None)
    if rules is None:
        rules = load_rules(opts.rules)
    target = find_target(template_doc.data, opts.api, template_doc.path) if template_doc else None
    ctx, env_source = build_context(export, opts, home, template_doc.data if template_doc else None, project)
    rewriter = Rewriter(rules, ctx)
    carried = {k: v for k, v in export.items() if k not in ("host", "servers", "info", "basePath")}
    rewritten = {**export, **rewrite_tree(carried, rewriter)}
    values = ctx.values()
    before_body, security = None, []
    live = stages.pick_stage(stage_doc.data, stage_doc.path, opts.stage_name) if stage_doc is not None else None
    if (live is not None or opts.stage_variables) and template_doc is not None and getattr(project, "layout", None) != "classic":
        flag = "--stage" if live is not None else "--stage-variable"
        raise UserError(f"{flag} goes into the standalone template or an Amplify project of the classic layout (the Deployment's "
                        "StageDescription); the stage of this template is its own, edit it there")
    pointer = "/paths/~1x/get/x-amazon-apigateway-integration/credentials"  # where the rules read an ARN in a setting
    settings = stages.build(export, live, opts.stage_variables, rewrite_arn=lambda arn: rewriter.rewrite_value(arn, pointer),
                            parameters=template_doc is None, adopt=opts.adopt)
    settings.literal_name = opts.adopt
    if template_doc is None:
        template, report = standalone.assemble(export, rewritten, rewriter, ctx, home, values, settings)
        body = template["Resources"]["RestApi"]["Properties"]["Body"]
        if live is not None:
            stages.prove(template["Resources"]["Stage"]["Properties"], live, settings, opts.stage_variables,
                         {**parameter_defaults(template), **values}, template, what="the Stage")
    else:
        export_names: set[str] = set()
        for rw in rewriter.rewrites:  # every intrinsic in the rewritten export came from a recorded rewrite
            names_used(rw.after, export_names)
        template, report = merge_into_template(template_doc.data, target, rewritten, prune=opts.prune, values=values,
                                               template_name=template_doc.path, export_names=export_names,
                                               new_params=set(ctx.new_params) if project is None else set())
        body = template["Resources"][target.logical_id]["Properties"][target.body_key]
    prove(body, export, ctx, template)
    known = {**parameter_defaults(template), **values}
    if template_doc is not None:
        before_body = template_doc.data["Resources"][target.logical_id]["Properties"].get(target.body_key) or {}
        security = review(before_body, body, known, before_template=template_doc.data, after_template=template)
    return Conversion(template, ctx, home, report, rewriter.rewrites, rewriter.findings, target, env_source, stripped, rules,
                      before_body, known, security, project, template_doc.data if template_doc else None, opts.prune,
                      settings, live, dict(opts.stage_variables), export, opts.adopt_to if opts.adopt else None,
                      rewritten=rewritten, keep_template_literals=opts.keep_template_literals)


# A parameter Default that names something (an id, an ARN, a host): long enough, with a letter and a
# digit or separator, so "prod", "true" or "100" never capture an unrelated literal.
IDENTIFIER = re.compile(r"^(?=.*[A-Za-z])(?=.*[0-9:/._-])[A-Za-z0-9:/._*-]{6,}$")
ENV_PARAMETER_NAMES = ("env", "environment", "envname", "environmentname", "stage", "stagename")


def env_parameter(template: dict, env: str) -> str | None:
    """The template's own environment parameter (Env, Stage, Environment, ... in any case), when a
    deploy can give it `env`: a String whose Default is `env`, or that has no Default."""
    params = template.get("Parameters") if isinstance(template.get("Parameters"), dict) else {}
    for name, decl in params.items():
        if str(name).lower() in ENV_PARAMETER_NAMES and isinstance(decl, dict) and decl.get("Type", "String") == "String":
            default = decl.get("Default")
            allowed = decl.get("AllowedValues")
            if isinstance(allowed, list) and env not in [str(v) for v in allowed]:
                continue  # no deploy can give it the env
            if default is None or str(default) == env:
                return str(name)
    return None


def template_names(template: dict, project: Any, env: str | None) -> dict[str, Any]:
    """Every name a Ref or ${...} could mean in `template`, with the value a deploy gives it: a String
    parameter's Default, overridden in an Amplify project by the API's parameters.json and the env's
    team-provider-info.json values (what Amplify passes); TAKEN for anything else."""
    names: dict[str, Any] = {}
    for section in ("Resources", "Conditions", "Mappings"):
        names.update(dict.fromkeys(template.get(section) or {}, TAKEN) if isinstance(template.get(section), dict) else {})
    params = template.get("Parameters") if isinstance(template.get("Parameters"), dict) else {}
    for name, decl in params.items():
        string = isinstance(decl, dict) and decl.get("Type", "String") == "String"
        default = decl.get("Default") if isinstance(decl, dict) else None
        # the string CloudFormation passes: YAML's `Default: true` is "true", not Python's "True"
        text = ("true" if default else "false") if isinstance(default, bool) else str(default) if isinstance(default, (str, int)) else None
        names[name] = text if string and text is not None else TAKEN
    if project is not None:
        from exporter.amplify import known

        real: dict[str, Any] = {}
        doc = known(project.parameters_json)  # read by exporter.io.project
        data = doc.data if doc is not None else None
        real.update(data if isinstance(data, dict) else {})
        tp = project.team_provider.data if project.team_provider is not None else None
        per_env = (((tp.get(env) or {}).get("categories") or {}).get(project.category) or {}).get(project.api) if isinstance(tp, dict) and env else None
        real.update(per_env if isinstance(per_env, dict) else {})
        for name, value in real.items():  # also a value recorded for a parameter a run declares again
            names[name] = value if isinstance(value, str) else TAKEN
    return names


def parameter_defaults(template: dict) -> dict[str, Any]:
    """Template parameters' defaults: enough to resolve what the template already held."""
    params = template.get("Parameters") or {}
    return {n: p["Default"] for n, p in params.items() if isinstance(p, dict) and "Default" in p}


# ---------------------------------------------------------------------------------------------
# The proof: resolve the new Body and compare it with the export, key by key.


def _expand_relative_policy(node: Any, ctx: Context) -> Any:
    """API Gateway expands `execute-api:/...` in a resource policy to the API's own ARN at import."""
    if isinstance(node, dict):
        return {k: _expand_relative_policy(v, ctx) for k, v in node.items()}
    if isinstance(node, list):
        return [_expand_relative_policy(v, ctx) for v in node]
    if isinstance(node, str):
        return expand_relative_execute_api(node, ctx)
    return node


def first_difference(want: Any, have: Any, pointer: str = "") -> str | None:
    """Where `have` first differs from `want`, as a JSON pointer (the root is `/`) and what differs."""
    at = pointer or "/"
    if type(want) is not type(have):
        return f"{at}: want {json.dumps(want)[:200]}, have {json.dumps(have)[:200]}"
    if isinstance(want, dict):
        for k in list(want) + [k for k in have if k not in want]:
            child = f"{pointer}/{escape_pointer(str(k))}"
            if k not in have:
                return f"{child}: missing"
            if k not in want:
                return f"{child}: unexpected"
            d = first_difference(want[k], have[k], child)
            if d:
                return d
        return None
    if isinstance(want, list):
        if len(want) != len(have):
            return f"{at}: want {len(want)} items, have {len(have)}"
        for i, (a, b) in enumerate(zip(want, have)):
            d = first_difference(a, b, f"{pointer}/{i}")
            if d:
                return d
        return None
    return None if want == have else f"{at}: want {json.dumps(want)[:200]}, have {json.dumps(have)[:200]}"


def proof_pairs(body: dict, export: dict) -> list[tuple[str, Any, Any]]:
    """(where, export value, body value) for everything the export says."""
    pairs = []
    paths = body.get("paths") or {}
    for p, item in export["paths"].items():
        got = paths.get(p) or {}
        for key, value in item.items():
            pairs.append((f"/paths/{escape_pointer(p)}/{escape_pointer(key)}", value, got.get(key)))
    for key, value in export.items():
        if key in TEMPLATE_OWNED:
            continue
        have = body.get(key)
        if isinstance(value, dict) and isinstance(have, dict) and key in ("definitions", "securityDefinitions", "components"):
            for name, entry in value.items():
                if key == "components" and isinstance(entry, dict):
                    for sub, e in entry.items():
                        pairs.append((f"/components/{name}/{sub}", e, (have.get(name) or {}).get(sub)))
                else:
                    pairs.append((f"/{key}/{name}", entry, have.get(name)))
        else:
            pairs.append((f"/{key}", value, have))
    return pairs


def _resolves_equal(want: Any, have: Any, values: dict, template: dict) -> bool:
    """resolve(have) equals want, exactly (1, 1.0 and true differ)? Walks both together, skipping
    subtrees the rewrite left shared with the export and resolving only intrinsics."""
    if have is want:
        return True
    if type(have) is dict:
        if len(have) == 1 and next(iter(have)) in INTRINSICS:
            got = resolve(have, values, template)
            return got == want and json.dumps(got) == json.dumps(want)
        if type(want) is not dict or want.keys() != have.keys():
            return False
        return all(_resolves_equal(want[k], v, values, template) for k, v in have.items())
    if type(have) is list:
        return type(want) is list and len(want) == len(have) and all(
            _resolves_equal(w, h, values, template) for w, h in zip(want, have))
    return type(want) is type(have) and want == have


def prove(body: dict, export: dict, ctx: Context, template: dict) -> None:
    values = ctx.values()
    for where, want, have in proof_pairs(body, export):
        if where != "/x-amazon-apigateway-policy":
            try:
                if _resolves_equal(want, have, values, template):
                    continue
            except Unresolved:
                pass  # explained below
        try:
            resolved = resolve(have, values, template)
        except Unresolved as e:
            raise InternalError(f"proof failed at {where}: cannot resolve {e}; nothing was written (this is a bug, please report it)") from None
        if where == "/x-amazon-apigateway-policy":
            resolved = _expand_relative_policy(resolved, ctx)
        diff = first_difference(want, resolved, where)
        if diff:
            raise InternalError(f"proof failed: the converted Body does not resolve to the export at {diff}; nothing was written (this is a bug, please report it)")


def project_envs(project: Any) -> list[str]:
    """The environments an Amplify project has: team-provider-info.json's top-level keys."""
    data = project.team_provider.data if getattr(project, "team_provider", None) is not None else None
    return [k for k, v in data.items() if isinstance(k, str) and isinstance(v, dict)] if isinstance(data, dict) else []


def leftover_findings(conv: Conversion, rules: list[Rule] | None = None) -> list:
    """Every environment-specific literal in the output template: the scan `audit` runs on the file
    convert writes (Parameters excepted), so `--strict` and `audit` never disagree."""
    from exporter.audit import scan

    # the run's env, and every other env the Amplify project has (a name bound to one of them is wrong here too)
    envs = [conv.ctx.env, *(project_envs(conv.project) if conv.project is not None else [])]
    found = scan(conv.template, env=[e for e in envs if e], rules=rules if rules is not None else conv.rules)
    # Other accounts and regions were kept on purpose (${AWS::AccountId} would be wrong for them),
    # but they are still literals --strict promised not to write: audit finds them too.
    return found