"""export-to-cfn convert: flags -> the pipeline -> the report on stderr -> files (or stdout) -> exit code."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import typer

from exporter.cli import report
from exporter.cli.common import (ACCOUNT_OPT, AMPLIFY_DIR_OPT, API_OPT, BIND_OPT, ENV_OPT, EXIT_CODES_HELP, PARTITION_OPT,
                                 KEEP_TEMPLATE_LITERALS_OPT, PRUNE_OPT, REGION_OPT, RULES_OPT, STAGE_NAME_OPT, STAGE_OPT,
                                 STAGE_VARIABLE_OPT, STYLE_OPT, from_config, options, parse_bindings, parse_stage_variables,
                                 refuse_input_as_output, refuse_stdout_over_input, run_pipeline, with_stage, check_output_folder,
                                 check_stage_name)
from exporter.cli.output import handled, out, say, say_warning, show_preview
from exporter.errors import EXIT_FINDINGS, UserError

if TYPE_CHECKING:
    from exporter import pipeline

EPILOG = (
    "Examples:\n\n"
    "  export-to-cfn convert export.json                       # standalone template on stdout\n\n"
    "  export-to-cfn convert export.json --template amplify/backend/api/Api/Api-cloudformation-template.json --in-place\n\n"
    "  export-to-cfn convert export.yaml --template template.yaml --env dev --style join -o out.yaml\n\n"
    "  export-to-cfn convert export.json -t template.json --in-place --diff   # show the preview, then write\n\n"
    "  export-to-cfn convert export.json --amplify-dir . --in-place --prune   # Amplify: bind outputs, wire dependsOn\n\n"
    "  export-to-cfn convert big-export.json --compact -o template.json   # smallest JSON, for templates near 1 MB\n\n"
    "  export-to-cfn convert export.json --stage stage.json -o template.json   # with the live stage's settings (aws apigateway get-stage)\n\n"
    "  export-to-cfn convert export.json --stage stage.json --adopt -o import.json   # import the live API (README: 'Adopting the live API')\n\n"
    + EXIT_CODES_HELP
)


def convert(
    export: Optional[Path] = typer.Argument(None, show_default=False, help="The stage export (JSON or YAML, Swagger 2.0 or OpenAPI 3, with API Gateway extensions). Default: 'export' (and 'template') of the project config."),
    template: Optional[Path] = typer.Option(None, "--template", "-t", help="Template whose RestApi Body receives the paths. Without it: a standalone template."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
    in_place: bool = typer.Option(False, "--in-place", "-i", help="Rewrite --template in place (atomically)."),
    api: Optional[str] = API_OPT,
    rules: List[Path] = RULES_OPT,
    style: Optional[str] = STYLE_OPT,
    account: Optional[str] = ACCOUNT_OPT,
    region: Optional[str] = REGION_OPT,
    partition: Optional[str] = PARTITION_OPT,
    env: Optional[str] = ENV_OPT,
    bind: List[str] = BIND_OPT,
    prune: bool = PRUNE_OPT,
    amplify_dir: Optional[Path] = AMPLIFY_DIR_OPT,
    strict: bool = typer.Option(False, "--strict", help="Exit 1 and write nothing if any environment-specific literal is left."),
    fmt: Optional[str] = typer.Option(None, "--format", help="Output format: json or yaml (default: the template's own, else json)."),
    compact: bool = typer.Option(False, "--compact", help="JSON without indentation or spaces: the smallest template (CloudFormation rejects templates over 1,000,000 bytes)."),
    backup: bool = typer.Option(False, "--backup", help="With --in-place: keep the previous file as <name>.bak."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List every rewrite (rule, JSON pointer, before -> after)."),
    show_diff: bool = typer.Option(False, "--diff", help="Print the change preview (as `diff` shows it) before writing: on stdout when the template goes to a file (--in-place/-o), on stderr when it goes to stdout."),
    target: Optional[str] = typer.Option(None, "--target", help="cdk: a CDK app in -o DIR (default ./cdk): a SpecRestApi construct over the Body, typed props for what it binds; amplify-gen2: that construct in the Amplify Gen 2 project at -o DIR (default .), wired into amplify/backend.ts. --amplify-dir names a Gen 1 project whose outputs the export's literals become."),
    stage: Optional[Path] = STAGE_OPT,
    stage_name: Optional[str] = STAGE_NAME_OPT,
    stage_variable: List[str] = STAGE_VARIABLE_OPT,
    keep_template_literals: bool = KEEP_TEMPLATE_LITERALS_OPT,
    adopt: bool = typer.Option(False, "--adopt", help="Standalone, with -o: a template for CloudFormation resource import of the live API (ids from the export's host and --stage), plus <output>-resources-to-import.json and <output>-after-import.json. README: 'Adopting the live API'."),
) -> None:
    """Convert an API Gateway export into CloudFormation: a standalone template, or merged into --template."""
    with handled():
        if target is not None:
            if adopt:
                raise UserError(f"--target {target} writes TypeScript and the Body's JSON; --adopt does not apply")
            check_stage_name(stage, stage_name)
            convert_to_code(target, export, output, template, in_place, api, rules, style, account, region, partition, env,
                             bind, prune, amplify_dir, strict, fmt, compact, backup, verbose, show_diff,
                             stage=stage, stage_name=stage_name, stage_variables=parse_stage_variables(stage_variable))
            return
        from exporter.limits import size_warning
        from exporter.io.write import write_atomic

        if fmt not in (None, "json", "yaml"):
            raise UserError(f"--format {fmt!r}: use json or yaml")
        if output is not None and str(output) == "-":
            output = None  # `-o -`: stdout, as most tools read it
        if in_place and output:
            raise UserError("--in-place and --output are exclusive")
        check_output_folder(output)
        export, template = from_config(export, template, amplify_dir, "convert")
        if in_place and not (template or amplify_dir):
            raise UserError("--in-place needs --template (or --amplify-dir, which finds the API's template)")
        if backup and not in_place:
            raise UserError("--backup goes with --in-place")
        if show_diff and not (template or amplify_dir):
            raise UserError("--diff needs --template or --amplify-dir (a standalone template has nothing to compare with)")
        if compact and fmt == "yaml":
            raise UserError("--compact writes JSON; drop --format yaml")
        if adopt and (template or amplify_dir):
            raise UserError("--adopt writes a standalone template for resource import; drop --template/--amplify-dir")
        if adopt and not output:
            raise UserError("--adopt needs -o FILE: the resources-to-import file is written next to it")
        if output:  # before any work: the run would end in this refusal
            refuse_input_as_output(output, "the template", named=(export, stage), template=template)
        elif not in_place:
            refuse_stdout_over_input((export, template, stage))
        opts = options(api, rules, style, account, region, partition, env, bind, prune, near=template or amplify_dir or export)
        with_stage(opts, stage, stage_name, stage_variable)
        opts.adopt, opts.keep_template_literals = adopt, keep_template_literals
        if adopt:
            opts.adopt_to = output  # the import template; exporter.targets.adopt names the other two after it
        run = run_pipeline(export, template, amplify_dir, opts, fmt, compact=compact, stage=stage)
        for path in ([output, *run.built.files] if adopt else [output] if output else []):
            refuse_input_as_output(path, "the template", named=(), template=run.template_path)  # now every file read: rules, config, project
        conv, template_doc, text = run.conversion, run.template_doc, run.text
        wired = run.built if conv.project is not None else None
        template = run.template_path
        if in_place and ((fmt and fmt != template_doc.fmt) or (compact and template_doc.fmt != "json")):
            raise UserError(f"--in-place keeps the template's own format ({template_doc.fmt}); drop --format {fmt} or use -o")
        report.print_conversion(conv, verbose, security=not show_diff,  # the preview has its own Security section
                                given={"--bind": parse_bindings(bind), "--region": region, "--account": account})
        if wired is not None:
            report.print_wiring(conv, wired, in_place, verbose)
        else:  # the standalone, template and --adopt targets' own notes (a redeploy, the import files)
            for note in run.built.notes:
                say(note.message)
            for warning in run.built.warnings:
                say_warning(warning)
        report.print_lost(conv)
        if show_diff:
            from exporter.render.text import render

            show_preview(render(run.preview()), err=not (in_place or output))
        say_leftovers(run, strict)
        warning = size_warning(text, conv.template, fmt="json" if compact else (fmt or (template_doc.fmt if template_doc else "json")), compact=compact)
        if warning:
            say(f"warning: {warning}", fg="yellow")
        if in_place:
            files = run.files()
            from exporter.io.project import check_inside_project

            for path in (wired.files if wired is not None else {}):
                check_inside_project(conv.project, path)
            write_atomic(files, backup=backup)
            say(f"wrote {', '.join(str(f) for f in files)}" if files else "nothing to change: every file is already up to date")
        elif output:
            files = {output: text, **(run.built.files if adopt else {})}
            write_atomic(files)
            say(f"wrote {', '.join(str(f) for f in files)}")
        else:
            out(text)


def convert_to_code(target: str, export: Optional[Path], output: Optional[Path], template: Optional[Path], in_place: bool,  # noqa: PLR0913
                     api, rules, style, account, region, partition, env, bind, prune, amplify_dir, strict, fmt, compact,  # noqa: ANN001
                     backup: bool, verbose: bool, show_diff: bool, *, stage: Optional[Path] = None, stage_name: Optional[str] = None,
                     stage_variables: Optional[dict] = None, preview_only: bool = False) -> str | None:
    """convert --target cdk / amplify-gen2: flags -> the pipeline (a standalone conversion, bound to the
    Gen 1 project's outputs when --amplify-dir names one) -> the files the target writes.
    `preview_only` (diff --target): write nothing, return the unified diff of the files ('' when none changes)."""
    from exporter import pipeline
    from exporter.io import cdk as destinations
    from exporter.io import project as amplify
    from exporter.io.load import load, load_export, load_template
    from exporter.io.write import write_tree

    if target not in ("cdk", "amplify-gen2"):
        raise UserError(f"--target {target!r}: use cdk or amplify-gen2")
    for flag, given in (("--template", template), ("--in-place", in_place), ("--format", fmt), ("--compact", compact),
                        ("--backup", backup), ("--prune", prune)):
        if given:
            raise UserError(f"--target {target} writes TypeScript and the Body's JSON; {flag} does not apply")
    export, _ = from_config(export, None, amplify_dir, "convert")
    if output is not None and str(output) == "-":
        raise UserError(f"--target {target} writes several files: -o must name a folder")
    root = output or Path("cdk" if target == "cdk" else ".")
    opts = options(api, rules, style, account, region, partition, env, bind, False, near=amplify_dir or export)
    opts.stage_variables, opts.stage_name = dict(stage_variables or {}), stage_name
    dest = destinations.cdk_destination(root) if target == "cdk" else destinations.gen2_destination(root)
    project = amplify.find_project(None, amplify_dir, opts.api, opts.env) if amplify_dir else None
    export_doc = load_export(export)
    gen1 = load_template(amplify.api_template(project)) if project is not None and project.category == "api" else None
    stage_doc = load(stage) if stage is not None else None
    run = pipeline.run(pipeline.Request(export_doc, None, opts, project, stage=stage_doc, destination=dest, gen1_template=gen1))
    conv = run.conversion
    report.print_conversion(conv, verbose, given={"--bind": parse_bindings(bind), "--region": region, "--account": account})
    for note in run.built.notes:
        say(note.message)
    for warning in run.built.warnings:
        say_warning(warning)
    if preview_only:
        return pipeline.files_diff(run, dest.texts) if run.built.files else ""
    report.print_lost(conv)
    if show_diff:
        show_preview(pipeline.files_diff(run, dest.texts), err=False)
    say_leftovers(run, strict)
    files = run.built.files
    write_tree(files)
    say(f"wrote {', '.join(str(f) for f in files)}" if files else "nothing to change: every file is already up to date")
    return None


def say_leftovers(run: pipeline.Result, strict: bool) -> None:
    """What `audit` of the written output would report: with --strict every one and exit 1, nothing
    written; else one line with the count and the first places (every destination alike)."""
    leftovers = run.leftovers
    if leftovers and strict:
        for f in leftovers:
            say(f"  {f.pointer}: {f.message}", fg="yellow")
        say(f"export-to-cfn: --strict: {len(leftovers)} environment-specific literal(s) left; nothing written", fg="red")
        raise typer.Exit(EXIT_FINDINGS)
    if leftovers:
        first = ", ".join(f"{f.pointer} ({f.kind} {f.value})" for f in leftovers[:3])
        say(f"audit: {len(leftovers)} environment-specific literal(s) left in the output, first at {first}"
            f"{' …' if len(leftovers) > 3 else ''}; --strict refuses to write them", fg="yellow")
