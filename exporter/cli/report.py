"""What `convert` says on stderr about a run: the home it bound, the routes, what was rewritten and
kept, stage variables, what the export lost, the Amplify wiring."""

from __future__ import annotations

from exporter.cli.output import say, say_warning


def print_conversion(conv, verbose: bool, *, security: bool = True, given: dict | None = None) -> None:  # noqa: ANN001 - a Conversion
    """`given`: the flags whose value the export should hold ({"--bind": {NAME: VALUE}, "--region": ...}):
    one the export never holds is said (a typo would otherwise read as a run that bound nothing)."""
    r = conv.report
    ctx = conv.ctx
    home = ", ".join(f"{k} {v}" for k, v in (("account", ctx.account), ("region", ctx.region), ("partition", ctx.partition)) if v)
    env = f"; env {ctx.env} (from {conv.env_source})" if ctx.env else ""
    say(f"home: {home}{env}")
    if ctx.env and conv.env_source == "--env":
        from exporter.resolve import names_used

        if not any(ctx.env_param in names_used(rw.after) for rw in conv.rewrites):
            stage = f" (the export's stage is /{conv.home.stage})" if conv.home.stage and conv.home.stage != ctx.env else ""
            say(f"warning: --env {ctx.env}: no name in the export carries it, so nothing became ${{env}}{stage}", fg="yellow")
    print_unused(conv, given or {})
    routes = len(r.added_routes) + len(r.replaced_routes) + len(r.unchanged_routes)
    say(f"{routes} route{'' if routes == 1 else 's'} from the export: {len(r.added_routes)} added, {len(r.replaced_routes)} replaced, {len(r.unchanged_routes)} unchanged; "
        f"{len(conv.rewrites)} literal{'' if len(conv.rewrites) == 1 else 's'} rewritten; proof: the Body resolves to the export")
    if r.kept_routes:
        say(f"kept {len(r.kept_routes)} template route(s) the export does not have (--prune removes them): {', '.join(r.kept_routes)}", fg="yellow")
    if r.pruned_routes:
        say(f"pruned {len(r.pruned_routes)} route(s): {', '.join(r.pruned_routes)}", fg="yellow")
    if r.declared_params:
        say(f"declared parameters: {', '.join(r.declared_params)}")
    for name, value in conv.ctx.new_params.items():
        say(f"new parameter {name} = {value} (pass its value per environment)")
    for finding in conv.security if security else []:
        say(f"security ({finding.severity}): {finding}", fg="yellow")
    for note in r.security:
        say(f"security: {note.message}", fg="yellow")
    for note in r.dropped:
        say(f"dropped {note.message}")
    print_stage(conv)
    seen = set()
    for f in conv.findings:
        key = (f.kind, f.value)
        if key not in seen:
            seen.add(key)
            say(f"kept literal: {f.message} (first at {f.pointer})", fg="yellow")
    if verbose:
        for rw in conv.rewrites:
            say(f"  [{','.join(rw.rules)}] {rw.pointer}: {rw.before!r} -> {rw.after!r}")


def print_unused(conv, given: dict) -> None:  # noqa: ANN001 - a Conversion
    from exporter.resolve import names_used

    used: set[str] = set()
    for rw in conv.rewrites:
        names_used(rw.after, used)
    for name, value in (given.get("--bind") or {}).items():
        if name not in used:
            say(f"warning: --bind {name}={value}: the value is nowhere in the export, so nothing was bound to {name}", fg="yellow")
    for flag, pseudo, kind in (("--region", "AWS::Region", "region"), ("--account", "AWS::AccountId", "account")):
        value = given.get(flag)
        if value and pseudo not in used:
            kept = sorted({f.value for f in conv.findings if f.kind == kind})
            also = f" (the export has {', '.join(kept)}, kept literal)" if kept else ""
            say(f"warning: {flag} {value}: no ARN or host of the export is in it, so nothing became ${{{pseudo}}}{also}", fg="yellow")


def destination(conv) -> str:  # noqa: ANN001 - a Conversion
    """Where the converted API goes, as exporter.lost names it: code, adopt, amplify, template or standalone."""
    if getattr(conv, "destination", None) is not None:  # --target cdk / amplify-gen2 (with --amplify-dir: a Gen 1 project too)
        return "code"
    if conv.adopt_to is not None:
        return "adopt"
    if conv.project is not None:
        return "amplify"
    return "template" if conv.target is not None else "standalone"


def code_stage(conv) -> tuple[list[str], list[str]]:  # noqa: ANN001 - a Conversion
    """(carried, left out): the Stage properties of --stage a CDK construct's stage has (its name and
    variables, exporter.targets.cdk), and the rest."""
    props = list(conv.stage.properties)
    return [k for k in props if k == "Variables"], [k for k in props if k != "Variables"]


def print_stage(conv) -> None:  # noqa: ANN001 - a Conversion
    """Stage variables the API reads and where their values come from; what --stage carried and did not."""
    from exporter import stage as stages

    st = conv.stage
    if st is None:
        return
    mode = destination(conv)
    if st.variables_used and mode == "amplify":
        say(f"the API reads stage variable(s) {', '.join(st.variables_used)}: the live stage keeps their values across pushes, but no "
            "template holds them and a new env's stage starts without them: set each there with aws apigateway update-stage "
            f"--rest-api-id API_ID --stage-name ENV --patch-operations op=replace,path=/variables/NAME,value=VALUE", fg="yellow")
    elif st.variables_used and mode == "template":
        own = stages.own_stage(conv.template, conv.target.logical_id)
        unset = [v for v in st.variables_used if v not in own.variables]
        where = (f"this template's stage ({', '.join(own.where)}) does not set them: add them to its Variables" if own.where
                 else f"the stage that serves it needs them set (its Variables; this template has no stage of its own for {own.api})")
        if unset:
            say(f"the API reads stage variable(s) {', '.join(unset)}: {where}", fg="yellow")
    for name in st.variables_missing if mode in ("standalone", "adopt") else []:  # (code: the target says 'unset' is passed)
        say(f"stage variable {name}: the API reads ${{stageVariables.{name}}} and no value was given: pass parameter "
            f"{st.variable_params.get(name)} when you deploy, or give --stage-variable {name}=VALUE (or --stage FILE)", fg="yellow")
    if conv.live is not None and conv.home.stage and conv.live.name != conv.home.stage:
        say(f"warning: the stage file is stage {conv.live.name}, the export is of stage {conv.home.stage}: the template gets "
            f"{conv.live.name}'s settings with {conv.home.stage}'s routes (check --stage-name, or export stage "
            f"{conv.live.name})", fg="yellow")
    if conv.live is not None:
        if mode == "code":  # the proof is the standalone Stage's; the construct takes its variables' values from it
            carried, left = code_stage(conv)
            say(f"stage {conv.live.name} from {conv.live.path}: the construct's stage carries its name{' and Variables' if carried else ''} "
                f"(proof: they resolve to the file){'; the other settings are under what the export lost' if left else ''}")
        else:
            say(f"stage {conv.live.name} from {conv.live.path}: carried {', '.join(st.properties) or 'nothing'}; "
                "proof: the stage resolves to the file on every carried field")
        for item in st.not_carried:
            say(f"not carried: {item}", fg="yellow")


def print_lost(conv) -> None:  # noqa: ANN001 - a Conversion
    """What the export lost (exporter.lost): one short section, naming what no file here shows."""
    from exporter.lost import what_was_lost
    from exporter.stage import own_stage

    export = conv.export if conv.export is not None else {}
    mode = destination(conv)
    own = own_stage(conv.template, conv.target.logical_id) if mode == "template" else None
    left = code_stage(conv)[1] if mode == "code" and conv.live is not None else []
    lost = what_was_lost(export, api_id=conv.home.api_id, stage=conv.home.stage, region=conv.ctx.region,
                         partition=conv.ctx.partition, live=conv.live, mode=mode, own=own, not_in_code=left)
    if not lost:
        return
    say("what the export lost (a live stage can have these; the export holds none of them):")
    for item in lost:
        say(f"  {item.what}: {item.command}")


def print_wiring(conv, wired, in_place: bool, verbose: bool) -> None:  # noqa: ANN001 - a Conversion, a Wiring
    p = conv.project
    say(f"Amplify project {p.amplify.parent} ({p.ref}, {'CLI >= 7 layout' if p.layout == 'cli7' else 'classic layout'}, template: {wired.generation}); "
        f"{len(p.outputs)} outputs of other resources known" + (f"; home from {p.home_source}" if p.home_source else ""))
    if wired.bound:
        say(f"bound to Amplify outputs: {', '.join(wired.bound)}")
    for note in wired.notes:
        say(note.message)
    for warning in wired.warnings:
        say_warning(warning)
    if wired.files and not in_place:
        say(f"not written without --in-place: {', '.join(str(f) for f in wired.files)}", fg="yellow")
    if verbose:
        for o in p.outputs:
            say(f"  output {o.category}/{o.resource} {o.name} = {o.value} (parameter {o.param}; from {o.source})")
        for why in p.unknown:
            say(f"  unknown: {why}")
