"""What several commands share: the binding flags (one definition, so `convert` and `diff` bind the
export the same way), their parsing and checks, the project config, and reading a run's inputs."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import click
import typer
import typer.core

from exporter.cli.output import say
from exporter.errors import UserError

if TYPE_CHECKING:
    from exporter.convert import Options

EXIT_CODES_HELP = "Exit codes: 0 ok; 1 findings where --check/--strict asked for none; 2 usage or input error; 123 internal error (a bug)."

RULES_HELP = ("Extra rule file or folder (repeatable), after those the project config names (.export-to-cfn.yaml or "
              "[tool.export-to-cfn] in pyproject.toml, found by walking up); a rule with a built-in's id replaces it.")


class Command(typer.core.TyperCommand):
    """Every command's class: a usage error click raises without its context (a missing option value,
    `convert x.json --format`) gets this command's, so the message names `export-to-cfn convert --help`
    like the command's other usage errors, not the root's."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as e:
            if e.ctx is None:
                e.ctx = ctx
            raise


def parse_bindings(raw: list[str]) -> dict[str, str]:
    out = {}
    for item in raw:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise UserError(f"--bind {item!r}: expected NAME=VALUE, e.g. --bind OrdersTableName=orders-dev")
        from exporter.io.config import check_param_name

        check_param_name(name, "--bind")
        out[name] = value
    return out


def parse_stage_variables(raw: list[str]) -> dict[str, str]:
    import re

    out = {}
    for item in raw:
        name, sep, value = item.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z0-9_]+", name):
            raise UserError(f"--stage-variable {item!r}: expected NAME=VALUE, NAME of letters, digits and _ (--stage-variable alias=live)")
        from exporter.stage import VARIABLE_VALUE, VARIABLE_VALUE_RULE

        if not VARIABLE_VALUE.fullmatch(value):  # the template would deploy, and CloudFormation's stage update fail
            raise UserError(f"--stage-variable {item!r}: API Gateway refuses this value ({VARIABLE_VALUE_RULE})")
        out[name] = value
    return out


# Options shared by `convert` and `diff`.
API_OPT = typer.Option(None, "--api", help="Logical id of the RestApi when the template has several.")
RULES_OPT = typer.Option([], "--rules", help=RULES_HELP)
STYLE_OPT = typer.Option(None, "--style", help="sub: Fn::Sub strings (default); join: Fn::Join lists, as Amplify writes them. Also 'style' in the project config.")
ACCOUNT_OPT = typer.Option(None, "--account", help="Home account id (default: the most common in the export's ARNs).")
REGION_OPT = typer.Option(None, "--region", help="Home region (default: inferred from the export).")
PARTITION_OPT = typer.Option(None, "--partition", help="Home partition: aws, aws-cn, aws-us-gov, aws-eusc or an aws-iso partition (default: inferred).")
ENV_OPT = typer.Option(None, "--env", help="Environment name: names suffixed with it (HelloStep-dev) get ${env}. Default: the export's stage when names carry it.")
BIND_OPT = typer.Option([], "--bind", help="NAME=VALUE: the literal VALUE becomes Ref NAME (a template parameter). Repeatable.")
PRUNE_OPT = typer.Option(False, "--prune", help="Remove template routes the export no longer has (and, in an Amplify project, unreferenced dependsOn entries, parameters and Lambda permissions).")
STAGE_OPT = typer.Option(None, "--stage", help="The live stage's settings: the JSON of `aws apigateway get-stage` (or `get-stages` with --stage-name). Into the standalone Stage (or the CDK construct's stage variables); not into a template merge or an Amplify project.")
STAGE_NAME_OPT = typer.Option(None, "--stage-name", help="With --stage: the stage to take from `get-stages` output.")
STAGE_VARIABLE_OPT = typer.Option([], "--stage-variable", help="NAME=VALUE: the value of a stage variable the API reads (${stageVariables.NAME}); wins over --stage's. Repeatable.")
KEEP_TEMPLATE_LITERALS_OPT = typer.Option(False, "--keep-template-literals", help="Leave the template's own arn:aws: (routes the export does not have, Amplify's Lambda permissions) as written; by default they become arn:${AWS::Partition}: (same value), so the output is audit-clean.")
AMPLIFY_DIR_OPT = typer.Option(None, "--amplify-dir", help="The Amplify project (default: found from --template's path). Literals become the parameters Amplify passes (<category><resource><output>); dependsOn is wired.")


def check_home(account: str | None, region: str | None, partition: str | None) -> None:
    """--account/--region/--partition in the shapes AWS gives them, before they can mislead a run."""
    import re

    from exporter import aws

    if account is not None and not re.fullmatch(aws.ACCOUNT, account):
        raise UserError(f"--account {account!r}: an AWS account id is 12 digits, e.g. 123456789012")
    if region is not None and not re.fullmatch(aws.REGION, region):
        raise UserError(f"--region {region!r}: not a region code such as us-east-1, eu-west-2 or us-gov-west-1")
    if partition is not None and not re.fullmatch(aws.PARTITION, partition):
        raise UserError(f"--partition {partition!r}: use aws, aws-cn, aws-us-gov, aws-eusc or an aws-iso partition")


def project_config(near: Path | None):  # noqa: ANN202 - a ProjectConfig
    """The project config for `near`, with a warning for each config file passed over as untrusted."""
    from exporter.io.config import IGNORED, load_project_config

    try:
        return load_project_config(near)
    finally:
        for ignored in dict.fromkeys(IGNORED):
            say(f"warning: ignored config {ignored}", fg="yellow")
        IGNORED.clear()


def options(api: str | None, rules: list[Path], style: str | None, account: str | None, region: str | None,
             partition: str | None, env: str | None, bind: list[str], prune: bool, *, near: Path) -> Options:
    """The shared binding flags, over the project config found from `near`, as the pipeline's Options."""
    from exporter.convert import Options

    if style not in (None, "sub", "join"):
        raise UserError(f"--style {style!r}: use sub or join")
    check_home(account, region, partition)
    cfg = project_config(near)
    style = style or cfg.style or "sub"
    if cfg.path:
        from exporter.io.paths import display_path

        say(f"config: {display_path(str(cfg.path))}")
    return Options(api=api, rules=cfg.rules + list(rules), style=style, account=account, region=region,
                   partition=partition, env=env or cfg.env, prune=prune,
                   bindings={**cfg.bindings, **parse_bindings(bind)},
                   env_source=None if env or not cfg.env else str(cfg.path))


def check_stage_name(stage: Path | None, stage_name: str | None) -> None:
    if stage_name and not stage:
        raise UserError("--stage-name goes with --stage (it picks a stage of `get-stages` output)")


def with_stage(opts: Options, stage: Path | None, stage_name: str | None, stage_variable: list[str]) -> Options:
    """The stage flags (--stage, --stage-name, --stage-variable) checked and set on `opts`."""
    check_stage_name(stage, stage_name)
    opts.stage_variables = parse_stage_variables(stage_variable)
    opts.stage_name = stage_name
    return opts


def from_config(export: Path | None, template: Path | None, amplify_dir: Path | None, command: str) -> tuple[Path, Path | None]:
    """EXPORT (and --template) from the project config's `export`/`template` when no EXPORT is given."""
    if export is not None:
        return (Path("/dev/stdin") if str(export) == "-" else export), template  # `-`: the export on stdin
    cfg = project_config(template or amplify_dir)
    if cfg.export is None:
        raise UserError(f"{command} needs EXPORT, or 'export' in the project config (.export-to-cfn.yaml or "
                        "[tool.export-to-cfn] in pyproject.toml)")
    return cfg.export, template or cfg.template


def run_pipeline(export: Path, template: Optional[Path], amplify_dir: Optional[Path], opts, fmt: Optional[str],  # noqa: ANN001
         compact: bool = False, stage: Optional[Path] = None):  # noqa: ANN202 - a pipeline.Result
    """Read what the run needs (exporter.io), then run the pipeline on it."""
    from exporter import pipeline
    from exporter.io import project as amplify
    from exporter.io.load import load, load_export, load_template

    export_doc = load_export(export)
    stage_doc = load(stage) if stage is not None else None
    project = amplify.find_project(template, amplify_dir, opts.api, opts.env)
    if template is None and project is not None:
        template = amplify.api_template(project)
    template_doc = load_template(template) if template else None
    return pipeline.run(pipeline.Request(export_doc, template_doc, opts, project, fmt, compact, stage_doc))


def check_output_folder(output: Path | None) -> None:
    """-o into a folder that does not exist fails before the run, not after its report."""
    if output is not None and str(output) != "-" and not Path(output).parent.is_dir():
        raise UserError(f"-o {output}: no such folder {Path(output).parent}; create it first (nothing was written)")


def refuse_input_as_output(output: Path, what: str, named: tuple = (), template: Path | None = None) -> None:  # noqa: ANN001 - paths
    """-o must not name a file the run read (`diff -o template.json` would replace the template with the
    report; `-o x.yaml` a rule file, `-o .export-to-cfn.yaml` the config, `-o backend-config.json` a project
    file): every file read so far (exporter.io.load.FILES_READ, recorded where every byte is read), and the
    `named` inputs not read yet, so a run can refuse before any work. `template`: the template being
    converted, which --in-place is the way to change."""
    read_as = _input_at(output, named)
    if read_as is not None and template is not None and _input_at(output, (template,), {}):
        raise UserError(f"-o {output}: that is the template this run merges into; to change it use --in-place, "
                        "or write to another file")
    if read_as is not None:
        raise UserError(f"-o {output}: that is an input of this run ({read_as}); {what} would replace it. "
                        "Write it to another file")


def refuse_stdout_over_input(named: tuple) -> None:  # noqa: ANN001 - paths
    """`convert export.json -t t.json > t.json`: the shell empties t.json before the run starts, so the
    run would only say the template is empty. Say what happened instead, before reading anything."""
    try:
        if not stat.S_ISREG(os.fstat(1).st_mode):
            return
    except (OSError, ValueError):
        return
    read_as = _input_at(Path("/dev/stdout"), named)
    if read_as is not None:
        raise UserError(f"stdout is {read_as}, an input of this run: the shell emptied it before the run started. "
                        "Restore it (e.g. git checkout), then use --in-place or -o ANOTHER_FILE")


def _input_at(output: Path, named: tuple, read: dict | None = None) -> str | None:  # noqa: ANN001 - paths
    """The input of this run that `output` is (the same file, under any name), else None. `read`: the
    files read so far (default: every one, exporter.io.load.FILES_READ)."""
    from exporter.io.load import FILES_READ

    try:
        st = os.stat(output)
    except OSError:  # nothing there (a new file), or nothing the write can reach: not an input either way
        return None
    inputs = dict(FILES_READ if read is None else read)
    for path in named:
        try:
            other = os.stat(path) if path is not None else None
        except OSError:
            continue
        if other is not None:
            inputs.setdefault((other.st_dev, other.st_ino), str(path))
    return inputs.get((st.st_dev, st.st_ino))


def check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise UserError(f"--format {fmt!r}: use {' or '.join(allowed)}")
