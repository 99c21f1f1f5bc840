"""export-to-cfn diff: flags -> the pipeline -> the preview (text, markdown, json) -> exit code. Writes nothing but -o."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from exporter.cli.common import (ACCOUNT_OPT, AMPLIFY_DIR_OPT, API_OPT, BIND_OPT, ENV_OPT, EXIT_CODES_HELP,
                                 KEEP_TEMPLATE_LITERALS_OPT, PARTITION_OPT, PRUNE_OPT, REGION_OPT, RULES_OPT, STAGE_NAME_OPT,
                                 STAGE_OPT, STAGE_VARIABLE_OPT, STYLE_OPT, from_config, options, parse_stage_variables,
                                 refuse_input_as_output, refuse_stdout_over_input, run_pipeline, with_stage, check_output_folder,
                                 check_stage_name)
from exporter.cli.convert import convert_to_code
from exporter.cli.output import handled, out, say, say_warning, show_preview
from exporter.errors import EXIT_FINDINGS, UserError

EPILOG = (
    "Examples:\n\n"
    "  export-to-cfn diff export.json -t amplify/backend/api/Api/Api-cloudformation-template.json\n\n"
    "  export-to-cfn diff export.json -t template.json --format markdown -o preview.md   # a PR comment\n\n"
    "  export-to-cfn diff export.json -t template.json --check   # CI: exit 1 when convert would change it\n\n"
    "  export-to-cfn diff export.json --target cdk --into cdk --stage stage.json --check   # the flags convert ran with\n\n"
    "Writes nothing but the -o report. With --check: exit 0 when the template already matches the export, "
    "1 when convert would change it. " + EXIT_CODES_HELP
)


def diff(
    export: Optional[Path] = typer.Argument(None, show_default=False, help="The stage export (JSON or YAML, Swagger 2.0 or OpenAPI 3, with API Gateway extensions). Default: 'export' (and 'template') of the project config."),
    template: Optional[Path] = typer.Option(None, "--template", "-t", help="The template convert would merge into (left untouched). With --amplify-dir alone: the API's own template there."),
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
    fmt: str = typer.Option("text", "--format", help="text (default; colour on a terminal), markdown (one GitHub comment) or json (stable keys, for bots)."),
    check: bool = typer.Option(False, "--check", help="Exit 1 when convert would change anything, 0 when the template already matches."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the preview here instead of stdout."),
    target: Optional[str] = typer.Option(None, "--target", help="cdk or amplify-gen2: a unified diff of the files `convert --target` would write into --into DIR (text only)."),
    into: Optional[Path] = typer.Option(None, "--into", help="With --target: the folder convert's -o would name (default: ./cdk for cdk, . for amplify-gen2)."),
    stage: Optional[Path] = STAGE_OPT,
    stage_name: Optional[str] = STAGE_NAME_OPT,
    stage_variable: List[str] = STAGE_VARIABLE_OPT,
    keep_template_literals: bool = KEEP_TEMPLATE_LITERALS_OPT,
) -> None:
    """Preview what `convert` would change, route by route, with a Security section. Writes nothing."""
    with handled():
        if into is not None and target is None:
            raise UserError("--into goes with --target")
        if target is not None:
            if fmt != "text":
                raise UserError(f"diff --target shows a unified diff of the generated files: --format {fmt} does not apply")
            check_stage_name(stage, stage_name)
            text = convert_to_code(target, export, into, template, False, api, rules, style, account, region, partition, env,
                                    bind, prune, amplify_dir, False, None, False, False, False, False, preview_only=True,
                                    stage=stage, stage_name=stage_name, stage_variables=parse_stage_variables(stage_variable))
            report = text or "no file changes\n"
            if output:
                refuse_input_as_output(output, "the report")
                from exporter.io.write import write_atomic

                write_atomic({output: report})
                say(f"wrote {output}")
            else:
                show_preview(report, err=False)
            if check and text:
                say("convert --target would change the generated files")
                raise typer.Exit(EXIT_FINDINGS)
            return
        from exporter.render import FORMATS, renderer
        from exporter.io.write import write_atomic

        if fmt not in FORMATS:
            raise UserError(f"--format {fmt!r}: use text, markdown or json")
        check_output_folder(output)
        export, template = from_config(export, template, amplify_dir, "diff")
        if template is None and amplify_dir is None:
            raise UserError("diff needs --template (or --amplify-dir, which finds the API's template)")
        if not output:
            refuse_stdout_over_input((export, template, stage))
        opts = with_stage(options(api, rules, style, account, region, partition, env, bind, prune, near=template or amplify_dir),
                          stage, stage_name, stage_variable)
        opts.keep_template_literals = keep_template_literals
        run = run_pipeline(export, template, amplify_dir, opts, None, stage=stage)
        template = run.template_path
        for warning in run.built.warnings:  # what the destination could not do (the preview shows what it did)
            say_warning(warning)
        if output:  # anything the run read: export, template, stage, rule files, config, every project file
            refuse_input_as_output(output, "the report")
        preview = run.preview()
        report = renderer(fmt)(preview)  # each renderer escapes what it takes from the input, field by field
        if output:
            write_atomic({output: report})
            say(f"wrote {output}")
        elif fmt == "text":
            show_preview(report, err=False)
        else:
            out(report)
        if check:
            if preview.changed:
                say(f"would change {', '.join(preview.files)}")
                raise typer.Exit(EXIT_FINDINGS)
            say(f"{template} already matches the export" if run.built.write_template
                else "nothing to change: every file convert writes is already up to date")
