"""The pipeline on plain data: home -> rewrite -> merge -> proof. No disk, no terminal."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exporter.aws import escape_pointer, first_free, region_partition
from exporter.errors import InternalError, UserError
from exporter.model import Finding
from exporter.infer import Home, env_in_use, infer_home
from exporter.io.load import Document
from exporter.merge import TEMPLATE_OWNED, MergeReport, Target, find_target, merge_into_template
from exporter.resolve import INTRINSICS, Unresolved, names_used, resolve
from exporter.rewrite import Context, Open, Rewrite, Rewriter, Taken, expand_relative_execute_api, may_stand_for, rewrite_tree
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
    if opts.region or opts.partition:
        check_home_pair(ctx.region, ctx.partition, opts)
    # every name the output already has: a Ref the run writes may take one over only when a deploy gives it the very value
    ctx.taken = template_names(template, project, ctx.env) if template is not None else standalone.own_names()
    named = dict(opts.bindings)
    for name, value in named.items():
        check_binding(name, value, ctx.taken.get(name))
    if project is None and ctx.env:
        others = {n: v for n, v in named.items() if v != ctx.env}
        ctx.env_param = env_parameter(template or {}, ctx.env, others) or first_free("env", lambda n: n in ctx.taken or n in others)
    elif ctx.env and named.get(ctx.env_param, ctx.env) != ctx.env:  # Amplify's env parameter cannot move
        raise UserError(f"--bind {ctx.env_param}={named[ctx.env_param]}: {ctx.env_param} is the environment parameter, "
                        f"{ctx.env} in this run; pick another name")
    if template is not None and project is None:
        # the template's own parameters: a literal equal to one's Default becomes a Ref to it (--bind wins)
        pseudo = {v for v in (ctx.account, ctx.region, ctx.partition, ctx.urlsuffix, ctx.env) if v}
        own = {n: v for n, v in ctx.taken.items() if isinstance(v, str) and v not in pseudo and IDENTIFIER.match(v)
               and not (ctx.env and n == ctx.env_param)}
        named = {**{n: v for n, v in own.items() if v not in named.values()}, **named}
    if project is not None:
        from exporter import amplify

        amplify.find_outputs(project, ctx.account, ctx.region, ctx.partition, ctx.env)
        pseudo = {v for v in (ctx.account, ctx.region, ctx.partition, ctx.urlsuffix, ctx.env) if v}
        named = {**amplify.bindings(project, pseudo), **named}  # --bind wins
    ctx.bindings = {value: name for name, value in named.items()}
    return ctx, source


def check_binding(name: str, value: str, have: Any) -> None:
    """A --bind (or config binding) NAME=VALUE makes the literal a Ref to NAME: NAME must be a new name, or a
    String parameter a deploy gives VALUE. A resource, a Number or another value would deploy something else."""
    if have is None or may_stand_for(have, value):
        return
    if isinstance(have, Taken):
        why = f"{name} is already {have.what}, not a String parameter that could hold it"
    elif isinstance(have, Open):
        why = f"parameter {name} allows only {', '.join(map(repr, have.allowed or ()))}"
    else:
        why = f"the template already has parameter {name} with the value {have!r}"
    raise UserError(f"--bind {name}={value}: {why}; pick another name" + (" (or pass that value)" if isinstance(have, str) else ""))


def check_home_pair(region: str | None, partition: str, opts: Options) -> None:
    """A home region of another partition than the home partition (--region eu-west-1 --partition aws-cn)
    would leave every ARN literal while the run looks fine: refused when a flag made the pair."""
    owner = region_partition(region) if region else None
    if owner is None or owner == partition:
        return
    if opts.region and opts.partition:
        raise UserError(f"--region {region} --partition {partition}: region {region} is in partition {owner}, not {partition}")
    if opts.region:
        raise UserError(f"--region {region}: region {region} is in partition {owner}, not the home partition {partition} "
                        "(inferred); give --partition too")
    raise UserError(f"--partition {partition}: the home region {region} (inferred) is in partition {owner}; give --region too")


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
    if (live is not None or opts.stage_variables) and template_doc is not None:
        raise stages.refused_into_template("--stage" if live is not None else "--stage-variable", amplify=project is not None)
    if template_doc is None:
        pointer = "/paths/~1x/get/x-amazon-apigateway-integration/credentials"  # where the rules read an ARN in a setting
        settings = stages.build(export, live, opts.stage_variables, rewrite_arn=lambda arn: rewriter.rewrite_value(arn, pointer),
                                adopt=opts.adopt, taken={*ctx.taken, *values})
        settings.literal_name = opts.adopt
    else:  # a merge writes no stage: what the API needs of the one that serves it is reported
        settings = StageSettings(variables_used=stages.variables_used(export))
    if template_doc is None:
        template, report = standalone.assemble(export, rewritten, rewriter, ctx, home, values, settings, adopt=opts.adopt)
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


def env_parameter(template: dict, env: str, bindings: dict[str, str] | None = None) -> str | None:
    """The template's own environment parameter (Env, Stage, Environment, ... in any case) that a deploy of
    this env gives `env` (carries_env), unless a binding gives it another value."""
    params = template.get("Parameters") if isinstance(template.get("Parameters"), dict) else {}
    for name, decl in params.items():
        if str(name).lower() in ENV_PARAMETER_NAMES and carries_env(decl, env) and not (bindings and bindings.get(name, env) != env):
            return str(name)
    return None


def carries_env(decl: Any, env: str) -> bool:
    """Can a deploy of `env` give this parameter declaration the value `env`? A String whose AllowedValues,
    if any, list `env`, and that has no Default, the Default `env`, or AllowedValues naming `env` (a
    parameter made to take several envs: the deploy picks one). Another Default alone says the template
    deploys another env with it."""
    if not isinstance(decl, dict) or decl.get("Type", "String") != "String":
        return False
    allowed = decl.get("AllowedValues")
    listed = isinstance(allowed, list) and env in [deploy_text(v) for v in allowed]
    if isinstance(allowed, list) and not listed:
        return False
    return "Default" not in decl or deploy_text(decl["Default"]) == env or listed


def deploy_text(value: Any) -> str | None:
    """The string CloudFormation passes for a parameter value as a template writes it: YAML's `Default: true`
    is "true" (not Python's "True"), 8080 is "8080"; None for what is no scalar."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, (str, int, float)) else None


def template_names(template: dict, project: Any, env: str | None) -> dict[str, Any]:
    """Every name a Ref or ${...} could mean in `template`, with what a deploy gives it: a String parameter's
    Default, overridden in an Amplify project by the API's parameters.json and the env's team-provider-info.json
    values (what Amplify passes); Open for a String parameter stating no value; Taken for anything else."""
    names: dict[str, Any] = {}
    for section, what in (("Resources", "a resource"), ("Conditions", "a condition"), ("Mappings", "a mapping")):
        entries = template.get(section)
        for name, decl in (entries.items() if isinstance(entries, dict) else ()):
            kind = decl.get("Type") if section == "Resources" and isinstance(decl, dict) else None
            names[name] = Taken(f"{what} ({kind})" if isinstance(kind, str) else what)
    params = template.get("Parameters") if isinstance(template.get("Parameters"), dict) else {}
    for name, decl in params.items():
        kind = decl.get("Type", "String") if isinstance(decl, dict) else None
        if kind != "String":
            names[name] = Taken(f"a {kind} parameter" if isinstance(kind, str) else "a parameter")
            continue
        allowed = decl.get("AllowedValues")
        text = deploy_text(decl["Default"]) if "Default" in decl else None
        if text is not None:
            names[name] = text
        elif "Default" in decl:
            names[name] = Taken("a parameter whose Default is no string")
        else:
            names[name] = Open(tuple(t for t in map(deploy_text, allowed) if t is not None) if isinstance(allowed, list) else None)
    if project is not None:
        from exporter.amplify import known, wired_params

        real: dict[str, Any] = {}
        doc = known(project.parameters_json)  # read by exporter.io.project
        data = doc.data if doc is not None else None
        real.update(data if isinstance(data, dict) else {})
        tp = project.team_provider.data if project.team_provider is not None else None
        per_env = (((tp.get(env) or {}).get("categories") or {}).get(project.category) or {}).get(project.api) if isinstance(tp, dict) and env else None
        real.update(per_env if isinstance(per_env, dict) else {})
        for name in wired_params(project):  # Amplify passes another resource's output: the Default is a placeholder
            if name in params:
                names[name] = Open()
        for name, value in real.items():  # also a value recorded for a parameter a run declares again
            names[name] = value if isinstance(value, str) else Taken("a parameter whose value Amplify passes is no string")
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


def deploy_values(ctx: Context, template: dict) -> dict[str, Any]:
    """The values the proof resolves the output with: the run's (pseudo parameters, the env, bindings, new
    parameters), except where the output states what a deploy gives a name. A parameter's Default (in an
    Amplify project the value Amplify passes) wins over the value the run had in mind, and a resource of the
    output has no value at all (its Ref is an id), so a Ref that took over a name the template already uses
    for something else fails the proof instead of passing it. The env parameter keeps the run's env: a
    deploy of this env chooses it (carries_env)."""
    values = ctx.values()
    params = template.get("Parameters") if isinstance(template.get("Parameters"), dict) else {}
    resources = template.get("Resources") if isinstance(template.get("Resources"), dict) else {}
    for name in list(values):
        have = ctx.taken.get(name)
        decl = params.get(name)
        if name.startswith("AWS::"):
            continue
        if name in resources or isinstance(have, Taken):
            del values[name]
        elif ctx.env and name == ctx.env_param and (decl is None or carries_env(decl, ctx.env)):
            continue
        elif isinstance(have, str):
            values[name] = have
        elif have is None and isinstance(decl, dict) and "Default" in decl:  # a parameter this run declared
            values[name] = deploy_text(decl["Default"])
        # Open: the template states no value, a deploy passes the one the run names (it admits it)
    return values


def prove(body: dict, export: dict, ctx: Context, template: dict) -> None:
    values = deploy_values(ctx, template)
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