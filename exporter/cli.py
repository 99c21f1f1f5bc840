"""Flags -> pipeline -> render -> exit code. No logic lives here."""

from __future__ import annotations

import errno
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, List, Optional

import click
import typer
import typer.core

# With rich installed, typer 0.20 escapes "[required]" for rich markup even when markup is off
# (rich_markup_mode=None, our plain help), so users would read "\[required]".
typer.core.HAS_RICH = False

from exporter.errors import EXIT_FINDINGS, EXIT_INTERNAL, EXIT_USAGE, InternalError, Interrupted, UserError, printable

if TYPE_CHECKING:
    from exporter.convert import Options

EXIT_CODES_HELP = "Exit codes: 0 ok; 1 findings where --check/--strict asked for none; 2 usage or input error; 123 internal error (a bug)."

RULES_HELP = ("Extra rule file or folder (repeatable), after those the project config names (.export-to-cfn.yaml or "
              "[tool.export-to-cfn] in pyproject.toml, found by walking up); a rule with a built-in's id replaces it.")

class _Group(typer.core.TyperGroup):
    """click's usage errors (missing option, extra argument, bad choice) as one line on stderr, exit 2,
    like every other error of ours; click would print a three-line usage block."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.NoArgsIsHelpError as e:  # `export-to-cfn rules`: the help, as asked
            e.show()
            sys.exit(e.exit_code)
        except click.UsageError as e:
            command = e.ctx.command_path if e.ctx is not None else "export-to-cfn"
            say(f"export-to-cfn: error: {_one_line(e.format_message()).rstrip('.')} (see '{command} --help')", fg="red")
            sys.exit(EXIT_USAGE)
        except click.ClickException as e:
            say(f"export-to-cfn: error: {_one_line(e.format_message())}", fg="red")
            sys.exit(e.exit_code)
        except click.Abort:
            say("export-to-cfn: interrupted; nothing was written")
            sys.exit(130)
        except Interrupted as e:  # SIGTERM while click parses (before `handled`)
            say(f"export-to-cfn: interrupted ({e.name}); nothing was written")
            sys.exit(128 + e.signum)
        sys.exit(code if isinstance(code, int) else 0)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _version(value: bool) -> None:
    if value:
        from exporter import __version__

        out(f"export-to-cfn {__version__}\n")
        raise typer.Exit()


app = typer.Typer(
    cls=_Group,
    name="export-to-cfn",
    help=(
        "Turn an API Gateway console export (Swagger 2.0 / OpenAPI 3 + API Gateway extensions) into a clean "
        "CloudFormation Body: every account id, region, partition and env-suffixed name becomes an intrinsic, "
        "and the paths are merged into your (Amplify) template.\n\n" + EXIT_CODES_HELP
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # exports hold account ids and role ARNs
    rich_markup_mode=None,
)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Convert API Gateway console exports into CloudFormation, preview the change, audit templates."""


class OutputError(Exception):
    """stdout or stderr cannot take what we write (EPIPE, ENOSPC, closed): exit 2, nothing claimed written."""

    def __init__(self, stream: str, reason: str):
        super().__init__(f"cannot write to {stream}: {reason}")
        self.stream = stream


def _write(text: str, *, err: bool = False) -> None:
    """Every byte for stdout or stderr goes through here, flushed at once, so a full disk, a closed
    stream or a reader that went away (EPIPE) is an OutputError here and never a traceback at exit."""
    name = "stderr" if err else "stdout"
    stream = sys.stderr if err else sys.stdout
    try:
        if stream is None:  # the process was started with that descriptor closed
            raise OSError(errno.EBADF, "the stream is closed")
        try:
            stream.write(text)
        except UnicodeEncodeError:  # an ASCII or Latin-1 locale (LC_ALL=C, PYTHONIOENCODING=ascii)
            _write_unencodable(stream, text, err)
        stream.flush()
    except (OSError, ValueError) as e:  # ValueError: write to a closed file object
        _silence(stream)
        raise OutputError(name, getattr(e, "strerror", None) or str(e)) from None


def _write_unencodable(stream, text: str, err: bool) -> None:  # noqa: ANN001 - a text stream
    """Text the stream's encoding cannot hold. A message (stderr) gets escapes (`\\xfc`); output
    (stdout: a template, a report) is written as UTF-8, the encoding CloudFormation and JSON require,
    rather than changed or refused."""
    encoding = getattr(stream, "encoding", None) or "ascii"
    buffer = getattr(stream, "buffer", None)
    if err or buffer is None:
        stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
        return
    stream.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def _silence(stream) -> None:  # noqa: ANN001 - a text stream or None
    """Point a failed stream at /dev/null, so the interpreter's own flush at exit fails no more."""
    try:
        fd = stream.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
    except (AttributeError, OSError, ValueError):
        pass


def out(text: str) -> None:
    """Output (a template, a report) on stdout."""
    _write(text)


def say(message: str, *, fg: str | None = None) -> None:
    """A message for the user: one line on stderr (control characters escaped), coloured only on a terminal."""
    import click

    message = printable(message)
    stream = sys.stderr
    if fg and stream is not None and stream.isatty() and "NO_COLOR" not in os.environ:
        message = click.style(message, fg=fg)
    _write(message + "\n", err=True)


def _internal(e: BaseException) -> typer.Exit:
    """An unexpected exception: one line (and, with EXPORT_TO_CFN_DEBUG=1, the traceback first); exit 123."""
    if os.environ.get("EXPORT_TO_CFN_DEBUG"):
        import traceback

        _write("".join(traceback.format_exception(e)), err=True)
    say(f"export-to-cfn: internal error: {type(e).__name__}: {e} (a bug; nothing was written; "
        "set EXPORT_TO_CFN_DEBUG=1 for the traceback)", fg="red")
    return typer.Exit(EXIT_INTERNAL)


@contextmanager
def handled() -> Iterator[None]:
    """Turn every failure into one line on stderr and the right exit code; never a traceback."""
    from exporter.rules import reset_budget

    reset_budget()  # each command's user rules get their own matching budget
    try:
        try:
            yield
        except (typer.Exit, OutputError):
            raise
        except UserError as e:
            say(f"export-to-cfn: error: {e}", fg="red")
            raise typer.Exit(EXIT_USAGE) from None
        except InternalError as e:
            say(f"export-to-cfn: internal error: {e}", fg="red")
            raise typer.Exit(EXIT_INTERNAL) from None
        except Interrupted as e:
            say(f"export-to-cfn: interrupted ({e.name}); {e.state}")
            raise typer.Exit(128 + e.signum) from None
        except KeyboardInterrupt:
            say("export-to-cfn: interrupted; nothing was written")
            raise typer.Exit(130) from None
        except OSError as e:
            if e.filename is None:  # not about a path the user gave: a bug
                raise _internal(e) from None
            # a path the file system refuses (name too long, through a file, a symlink loop, ...): the user's to fix
            say(f"export-to-cfn: error: {e.filename}: cannot read: {e.strerror or e}", fg="red")
            raise typer.Exit(EXIT_USAGE) from None
        except RuntimeError as e:
            if not str(e).startswith("Symlink loop from"):  # pathlib's resolve() spells ELOOP this way
                raise _internal(e) from None
            say(f"export-to-cfn: error: {str(e)[len('Symlink loop from '):].strip(chr(39))}: cannot read: "
                f"{os.strerror(errno.ELOOP)}", fg="red")
            raise typer.Exit(EXIT_USAGE) from None
        except Exception as e:  # noqa: BLE001 - the last line of defence
            raise _internal(e) from None
    except OutputError as e:
        if e.stream == "stdout":  # stderr still works: say why (and claim nothing)
            try:
                say(f"export-to-cfn: error: {e}; the output is incomplete", fg="red")
            except OutputError:
                pass
        raise typer.Exit(EXIT_USAGE) from None


def _parse_bindings(raw: list[str]) -> dict[str, str]:
    out = {}
    for item in raw:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise UserError(f"--bind {item!r}: expected NAME=VALUE, e.g. --bind OrdersTableName=orders-dev")
        from exporter.io.config import check_param_name

        check_param_name(name, "--bind")
        out[name] = value
    return out


def _parse_stage_variables(raw: list[str]) -> dict[str, str]:
    import re

    out = {}
    for item in raw:
        name, sep, value = item.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z0-9_]+", name):
            raise UserError(f"--stage-variable {item!r}: expected NAME=VALUE, NAME of letters, digits and _ (--stage-variable alias=live)")
        out[name] = value
    return out


# Options shared by `convert` and `diff`: one definition, so both bind the export the same way.
API_OPT = typer.Option(None, "--api", help="Logical id of the RestApi when the template has several.")
RULES_OPT = typer.Option([], "--rules", help=RULES_HELP)
STYLE_OPT = typer.Option(None, "--style", help="sub: Fn::Sub strings (default); join: Fn::Join lists, as Amplify writes them. Also 'style' in the project config.")
ACCOUNT_OPT = typer.Option(None, "--account", help="Home account id (default: the most common in the export's ARNs).")
REGION_OPT = typer.Option(None, "--region", help="Home region (default: inferred from the export).")
PARTITION_OPT = typer.Option(None, "--partition", help="Home partition: aws, aws-cn, aws-us-gov (default: inferred).")
ENV_OPT = typer.Option(None, "--env", help="Environment name: names suffixed with it (HelloStep-dev) get ${env}. Default: the export's stage when names carry it.")
BIND_OPT = typer.Option([], "--bind", help="NAME=VALUE: the literal VALUE becomes Ref NAME (a template parameter). Repeatable.")
PRUNE_OPT = typer.Option(False, "--prune", help="Remove template routes the export no longer has (and, in an Amplify project, unreferenced dependsOn entries, parameters and Lambda permissions).")
AMPLIFY_DIR_OPT = typer.Option(None, "--amplify-dir", help="The Amplify project (default: found from --template's path). Literals become the parameters Amplify passes (<category><resource><output>); dependsOn is wired.")


def _check_home(account: str | None, region: str | None, partition: str | None) -> None:
    """--account/--region/--partition in the shapes AWS gives them, before they can mislead a run."""
    import re

    from exporter import aws

    if account is not None and not re.fullmatch(aws.ACCOUNT, account):
        raise UserError(f"--account {account!r}: an AWS account id is 12 digits, e.g. 123456789012")
    if region is not None and not re.fullmatch(aws.REGION, region):
        raise UserError(f"--region {region!r}: not a region code such as us-east-1, eu-west-2 or us-gov-west-1")
    if partition is not None and not re.fullmatch(aws.PARTITION, partition):
        raise UserError(f"--partition {partition!r}: use aws, aws-cn, aws-us-gov or an aws-iso partition")


def _project_config(near: Path | None):  # noqa: ANN202 - a ProjectConfig
    """The project config for `near`, with a warning for each config file passed over as untrusted."""
    from exporter.io.config import IGNORED, load_project_config

    try:
        return load_project_config(near)
    finally:
        for ignored in dict.fromkeys(IGNORED):
            say(f"warning: ignored config {ignored}", fg="yellow")
        IGNORED.clear()


def _options(api: str | None, rules: list[Path], style: str | None, account: str | None, region: str | None,
             partition: str | None, env: str | None, bind: list[str], prune: bool, *, near: Path) -> Options:
    """The shared binding flags, over the project config found from `near`, as the pipeline's Options."""
    from exporter.convert import Options

    if style not in (None, "sub", "join"):
        raise UserError(f"--style {style!r}: use sub or join")
    _check_home(account, region, partition)
    cfg = _project_config(near)
    style = style or cfg.style or "sub"
    if cfg.path:
        from exporter.rulebook import display_path

        say(f"config: {display_path(str(cfg.path))}")
    return Options(api=api, rules=cfg.rules + list(rules), style=style, account=account, region=region,
                   partition=partition, env=env or cfg.env, prune=prune,
                   bindings={**cfg.bindings, **_parse_bindings(bind)},
                   env_source=None if env or not cfg.env else str(cfg.path))


def _from_config(export: Path | None, template: Path | None, amplify_dir: Path | None, command: str) -> tuple[Path, Path | None]:
    """EXPORT (and --template) from the project config's `export`/`template` when no EXPORT is given."""
    if export is not None:
        return (Path("/dev/stdin") if str(export) == "-" else export), template  # `-`: the export on stdin
    cfg = _project_config(template or amplify_dir)
    if cfg.export is None:
        raise UserError(f"{command} needs EXPORT, or 'export' in the project config (.export-to-cfn.yaml or "
                        "[tool.export-to-cfn] in pyproject.toml)")
    return cfg.export, template or cfg.template


def _run(export: Path, template: Optional[Path], amplify_dir: Optional[Path], opts, fmt: Optional[str],  # noqa: ANN001
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


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def _refuse_input_as_output(output: Path, inputs: list, what: str) -> None:  # noqa: ANN001 - paths
    """-o must not name a file the run reads (`diff -o template.json` would replace the template with the report)."""
    for path in inputs:
        if path is not None and _same_file(Path(output), Path(path)):
            raise UserError(f"-o {output}: that is an input of this run ({path}); {what} would replace it. "
                            "Write it to another file")


def _show_preview(text: str, *, err: bool) -> None:
    """Preview text on stdout (or stderr), control characters escaped, coloured only when that stream is a terminal."""
    from exporter.render.text import colorize

    stream = sys.stderr if err else sys.stdout
    text = printable(text, keep="\n\t")
    if stream is not None and stream.isatty() and "NO_COLOR" not in os.environ:
        text = colorize(text)
    _write(text, err=err)


@app.command(
    epilog=(
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
    stage: Optional[Path] = typer.Option(None, "--stage", help="The live stage's settings: the JSON of `aws apigateway get-stage` (or `get-stages` with --stage-name). Into the standalone Stage, or an Amplify Deployment's StageDescription."),
    stage_name: Optional[str] = typer.Option(None, "--stage-name", help="With --stage: the stage to take from `get-stages` output."),
    stage_variable: List[str] = typer.Option([], "--stage-variable", help="NAME=VALUE: the value of a stage variable the API reads (${stageVariables.NAME}); wins over --stage's. Repeatable."),
    keep_template_literals: bool = typer.Option(False, "--keep-template-literals", help="Leave the template's own arn:aws: (routes the export does not have, Amplify's Lambda permissions) as written; by default they become arn:${AWS::Partition}: (same value), so the output is audit-clean."),
    adopt: bool = typer.Option(False, "--adopt", help="Standalone, with -o: a template for CloudFormation resource import of the live API (ids from the export's host and --stage), plus <output>-resources-to-import.json and <output>-after-import.json. README: 'Adopting the live API'."),
) -> None:
    """Convert an API Gateway export into CloudFormation: a standalone template, or merged into --template."""
    with handled():
        if target is not None:
            if adopt:
                raise UserError(f"--target {target} writes TypeScript and the Body's JSON; --adopt does not apply")
            if stage_name and not stage:
                raise UserError("--stage-name goes with --stage (it picks a stage of `get-stages` output)")
            _convert_to_code(target, export, output, template, in_place, api, rules, style, account, region, partition, env,
                             bind, prune, amplify_dir, strict, fmt, compact, backup, verbose, show_diff,
                             stage=stage, stage_name=stage_name, stage_variables=_parse_stage_variables(stage_variable))
            return
        from exporter import convert as pipeline
        from exporter.limits import size_warning
        from exporter.io.write import write_atomic

        if fmt not in (None, "json", "yaml"):
            raise UserError(f"--format {fmt!r}: use json or yaml")
        if output is not None and str(output) == "-":
            output = None  # `-o -`: stdout, as most tools read it
        if in_place and output:
            raise UserError("--in-place and --output are exclusive")
        export, template = _from_config(export, template, amplify_dir, "convert")
        if in_place and not (template or amplify_dir):
            raise UserError("--in-place needs --template (or --amplify-dir, which finds the API's template)")
        if backup and not in_place:
            raise UserError("--backup goes with --in-place")
        if show_diff and not (template or amplify_dir):
            raise UserError("--diff needs --template or --amplify-dir (a standalone template has nothing to compare with)")
        if compact and fmt == "yaml":
            raise UserError("--compact writes JSON; drop --format yaml")
        if stage_name and not stage:
            raise UserError("--stage-name goes with --stage (it picks a stage of `get-stages` output)")
        if adopt and (template or amplify_dir):
            raise UserError("--adopt writes a standalone template for resource import; drop --template/--amplify-dir")
        if adopt and not output:
            raise UserError("--adopt needs -o FILE: the resources-to-import file is written next to it")
        opts = _options(api, rules, style, account, region, partition, env, bind, prune, near=template or amplify_dir or export)
        opts.stage_variables = _parse_stage_variables(stage_variable)
        opts.stage_name, opts.adopt = stage_name, adopt
        opts.keep_template_literals = keep_template_literals
        if adopt:
            opts.adopt_to = output  # the import template; exporter.targets.adopt names the other two after it
        run = _run(export, template, amplify_dir, opts, fmt, compact=compact, stage=stage)
        conv, template_doc, text = run.conversion, run.template_doc, run.text
        wired = run.built if conv.project is not None else None
        template = run.template_path
        if in_place and ((fmt and fmt != template_doc.fmt) or (compact and template_doc.fmt != "json")):
            raise UserError(f"--in-place keeps the template's own format ({template_doc.fmt}); drop --format {fmt} or use -o")
        _report(conv, verbose, security=not show_diff)  # the preview has its own Security section
        if wired is not None:
            _report_wiring(conv, wired, in_place, verbose)
        elif adopt:
            for note in run.built.notes:
                say(note.message)
            for warning in run.built.warnings:
                say(f"warning: {warning.message}", fg="yellow")
        _report_lost(conv)
        if show_diff:
            from exporter.render.text import render

            _show_preview(render(run.preview()), err=not (in_place or output))
        leftovers = pipeline.leftover_findings(conv)  # what `audit` of the written file reports
        if leftovers and strict:
            for f in leftovers:
                say(f"  {f.pointer}: {f.message}", fg="yellow")
            say(f"export-to-cfn: --strict: {len(leftovers)} environment-specific literal(s) left; nothing written", fg="red")
            raise typer.Exit(EXIT_FINDINGS)
        if leftovers:
            first = ", ".join(f"{f.pointer} ({f.kind} {f.value})" for f in leftovers[:3])
            say(f"audit: {len(leftovers)} environment-specific literal(s) left in the output, first at {first}"
                f"{' …' if len(leftovers) > 3 else ''}; --strict refuses to write them", fg="yellow")
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
            _refuse_input_as_output(output, [export, stage], "the template")
            files = {output: text, **(run.built.files if adopt else {})}
            write_atomic(files)
            say(f"wrote {', '.join(str(f) for f in files)}")
        else:
            out(text)


def _convert_to_code(target: str, export: Optional[Path], output: Optional[Path], template: Optional[Path], in_place: bool,  # noqa: PLR0913
                     api, rules, style, account, region, partition, env, bind, prune, amplify_dir, strict, fmt, compact,  # noqa: ANN001
                     backup: bool, verbose: bool, show_diff: bool, *, stage: Optional[Path] = None, stage_name: Optional[str] = None,
                     stage_variables: Optional[dict] = None, preview_only: bool = False) -> str | None:
    """convert --target cdk / amplify-gen2: flags -> the pipeline (a standalone conversion, bound to the
    Gen 1 project's outputs when --amplify-dir names one) -> the files the target writes.
    `preview_only` (diff --target): write nothing, return the unified diff of the files ('' when none changes)."""
    from exporter import convert as conversion
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
    export, _ = _from_config(export, None, amplify_dir, "convert")
    if output is not None and str(output) == "-":
        raise UserError(f"--target {target} writes several files: -o must name a folder")
    root = output or Path("cdk" if target == "cdk" else ".")
    opts = _options(api, rules, style, account, region, partition, env, bind, False, near=amplify_dir or export)
    opts.stage_variables, opts.stage_name = dict(stage_variables or {}), stage_name
    dest = destinations.cdk_destination(root) if target == "cdk" else destinations.gen2_destination(root)
    project = amplify.find_project(None, amplify_dir, opts.api, opts.env) if amplify_dir else None
    export_doc = load_export(export)
    if target == "amplify-gen2" and project is None:  # the Gen 2 project's functions, found by name in the export
        from exporter.targets.amplify_gen2 import function_bindings

        opts.bindings = {**function_bindings(export_doc.data, dest.backend), **opts.bindings}
    gen1 = load_template(amplify.api_template(project)) if project is not None and project.category == "api" else None
    stage_doc = load(stage) if stage is not None else None
    run = pipeline.run(pipeline.Request(export_doc, None, opts, project, stage=stage_doc, destination=dest, gen1_template=gen1))
    conv = run.conversion
    _report(conv, verbose)
    for note in run.built.notes:
        say(note.message)
    for warning in run.built.warnings:
        say(f"warning: {warning.message}", fg="yellow")
    if preview_only:
        return pipeline.files_diff(run, dest.texts) if run.built.files else ""
    if show_diff:
        _show_preview(pipeline.files_diff(run, dest.texts), err=False)
    leftovers = conversion.leftover_findings(conv) if strict else []
    if leftovers:
        for f in leftovers:
            say(f"  {f.pointer}: {f.message}", fg="yellow")
        say(f"export-to-cfn: --strict: {len(leftovers)} environment-specific literal(s) left; nothing written", fg="red")
        raise typer.Exit(EXIT_FINDINGS)
    files = run.built.files
    write_tree(files)
    say(f"wrote {', '.join(str(f) for f in files)}" if files else "nothing to change: every file is already up to date")
    return None


@app.command(
    name="diff",
    epilog=(
        "Examples:\n\n"
        "  export-to-cfn diff export.json -t amplify/backend/api/Api/Api-cloudformation-template.json\n\n"
        "  export-to-cfn diff export.json -t template.json --format markdown -o preview.md   # a PR comment\n\n"
        "  export-to-cfn diff export.json -t template.json --check   # CI: exit 1 when convert would change it\n\n"
        "Writes nothing but the -o report. With --check: exit 0 when the template already matches the export, "
        "1 when convert would change it. " + EXIT_CODES_HELP
    ),
)
def diff_cmd(
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
) -> None:
    """Preview what `convert` would change, route by route, with a Security section. Writes nothing."""
    with handled():
        if into is not None and target is None:
            raise UserError("--into goes with --target")
        if target is not None:
            if fmt != "text":
                raise UserError(f"diff --target shows a unified diff of the generated files: --format {fmt} does not apply")
            text = _convert_to_code(target, export, into, template, False, api, rules, style, account, region, partition, env,
                                    bind, prune, amplify_dir, False, None, False, False, False, False, preview_only=True)
            report = text or "no file changes\n"
            if output:
                from exporter.io.write import write_atomic

                write_atomic({output: report})
                say(f"wrote {output}")
            else:
                _show_preview(report, err=False)
            if check and text:
                say("convert --target would change the generated files")
                raise typer.Exit(EXIT_FINDINGS)
            return
        from exporter.render import FORMATS, renderer
        from exporter.io.write import write_atomic

        if fmt not in FORMATS:
            raise UserError(f"--format {fmt!r}: use text, markdown or json")
        export, template = _from_config(export, template, amplify_dir, "diff")
        if template is None and amplify_dir is None:
            raise UserError("diff needs --template (or --amplify-dir, which finds the API's template)")
        opts = _options(api, rules, style, account, region, partition, env, bind, prune, near=template or amplify_dir)
        run = _run(export, template, amplify_dir, opts, None)
        template = run.template_path
        if output:
            _refuse_input_as_output(output, [export, template, *run.built.files], "the report")
        preview = run.preview()
        report = renderer(fmt)(preview)
        if fmt != "json":  # JSON escapes control characters itself
            report = printable(report, keep="\n\t")
        if output:
            write_atomic({output: report})
            say(f"wrote {output}")
        elif fmt == "text":
            _show_preview(report, err=False)
        else:
            out(report)
        if check:
            if preview.changed:
                say(f"would change {', '.join(preview.files)}")
                raise typer.Exit(EXIT_FINDINGS)
            say(f"{template} already matches the export")


@app.command(
    epilog=(
        "Examples:\n\n"
        "  export-to-cfn audit amplify/backend/api/*/*-cloudformation-template.json --env dev\n\n"
        "  export-to-cfn audit export.json --format json | jq '.findings[].kind'\n\n"
        "  export-to-cfn audit template.yaml --allow 'arn:aws:iam::aws:policy/.*'\n\n"
        "  export-to-cfn audit --format sarif amplify/backend/api/*/*-cloudformation-template.json > audit.sarif\n\n"
        "Exit codes: 0 clean; 1 environment-specific literals found; 2 a file could not be read (bad input); 123 internal error."
    )
)
def audit(
    files: List[Path] = typer.Argument(..., help="Templates or exports (JSON or YAML) to check."),
    fmt: str = typer.Option("text", "--format", help="text: one finding per line (file:line: pointer: kind value); json: a report object; sarif: SARIF 2.1.0 for GitHub code scanning and editors."),
    env: List[str] = typer.Option([], "--env", help="Environment name: also report names it suffixes or prefixes (HelloStep-dev, dev-churn-model). Repeatable: give every environment of the project."),
    allow: List[str] = typer.Option([], "--allow", help="Regular expression for text that may stay literal (repeatable)."),
    rules: List[Path] = typer.Option([], "--rules", help="Extra rule file or folder; its allow rules exempt what they match."),
) -> None:
    """Find environment-specific literals (account ids, regions, partitions, API/VPC link/VPC endpoint/user pool ids, env-suffixed names)."""
    with handled():
        from exporter import audit as auditor
        from exporter.render import renderer

        if fmt not in ("text", "json", "sarif"):
            raise UserError(f"--format {fmt!r}: use text, json or sarif")
        from exporter.io.load import load_each
        from exporter.rules import load_rules

        rule_set = load_rules(list(rules))
        report = auditor.audit_documents(load_each(list(files)), env=list(env), allow=list(allow), rules=rule_set)
        text = renderer(fmt, "findings")(report)
        out(printable(text, keep="\n") if fmt == "text" else text)
        for e in report.errors:
            say(f"export-to-cfn: error: {e}", fg="red")
        if report.findings:
            say(f"{len(report.findings)} environment-specific literal(s) in {len({f.file for f in report.findings})} of {len(files)} file(s)", fg="yellow")
        raise typer.Exit(EXIT_USAGE if report.errors else EXIT_FINDINGS if report.findings else 0)


def _report(conv, verbose: bool, *, security: bool = True) -> None:  # noqa: ANN001 - a Conversion
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
    routes = len(r.added_routes) + len(r.replaced_routes) + len(r.unchanged_routes)
    say(f"{routes} route{'' if routes == 1 else 's'}: {len(r.added_routes)} added, {len(r.replaced_routes)} replaced, {len(r.unchanged_routes)} unchanged; "
        f"{len(conv.rewrites)} literals rewritten; proof: the Body resolves to the export")
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
    _report_stage(conv)
    seen = set()
    for f in conv.findings:
        key = (f.kind, f.value)
        if key not in seen:
            seen.add(key)
            say(f"kept literal: {f.message} (first at {f.pointer})", fg="yellow")
    if verbose:
        for rw in conv.rewrites:
            say(f"  [{','.join(rw.rules)}] {rw.pointer}: {rw.before!r} -> {rw.after!r}")


def _report_stage(conv) -> None:  # noqa: ANN001 - a Conversion
    """Stage variables the API reads and where their values come from; what --stage carried and did not."""
    st = conv.stage
    if st is None:
        return
    standalone = conv.target is None
    classic = conv.project is not None and conv.project.layout == "classic"
    if st.variables_used and not standalone and not (classic and st.properties.get("Variables")):
        say(f"the API reads stage variable(s) {', '.join(st.variables_used)}: the stage that serves it needs them set "
            "(its Variables; --stage FILE or --stage-variable NAME=VALUE writes them into an Amplify classic Deployment's StageDescription)",
            fg="yellow")
    for name in st.variables_missing if standalone else []:
        say(f"stage variable {name}: the API reads ${{stageVariables.{name}}} and no value was given: pass parameter "
            f"{st.variable_params.get(name)} when you deploy, or give --stage-variable {name}=VALUE (or --stage FILE)", fg="yellow")
    if conv.live is not None:
        carried = [k for k in st.properties]
        say(f"stage {conv.live.name} from {conv.live.path}: carried {', '.join(carried) or 'nothing'}; "
            "proof: the stage resolves to the file on every carried field")
        for item in st.not_carried:
            say(f"not carried: {item}", fg="yellow")


def _report_lost(conv) -> None:  # noqa: ANN001 - a Conversion
    """What the export lost (exporter.lost): one short section, only when something is missing."""
    from exporter.lost import what_was_lost

    export = conv.export if conv.export is not None else {}
    lost = what_was_lost(export, api_id=conv.home.api_id, stage=conv.home.stage, region=conv.ctx.region,
                         partition=conv.ctx.partition, live=conv.live)
    if not lost:
        return
    say("what the export lost (a live stage has these; this template does not carry them):")
    for item in lost:
        say(f"  {item.what}: {item.command}")


def _report_wiring(conv, wired, in_place: bool, verbose: bool) -> None:  # noqa: ANN001 - a Conversion, a Wiring
    p = conv.project
    say(f"Amplify project {p.amplify.parent} ({p.ref}, {'CLI >= 7 layout' if p.layout == 'cli7' else 'classic layout'}, template: {wired.generation}); "
        f"{len(p.outputs)} outputs of other resources known" + (f"; home from {p.home_source}" if p.home_source else ""))
    if wired.bound:
        say(f"bound to Amplify outputs: {', '.join(wired.bound)}")
    for note in wired.notes:
        say(note.message)
    for warning in wired.warnings:
        say(f"warning: {warning.message}", fg="yellow")
    if wired.files and not in_place:
        say(f"not written without --in-place: {', '.join(str(f) for f in wired.files)}", fg="yellow")
    if verbose:
        for o in p.outputs:
            say(f"  output {o.category}/{o.resource} {o.name} = {o.value} (parameter {o.param}; from {o.source})")
        for why in p.unknown:
            say(f"  unknown: {why}")


# ---------------------------------------------------------------------------------------------
# export-to-cfn rules ...: list, show, check, test and scaffold rule files (logic: rulebook, ruletest)

rules_app = typer.Typer(
    help="List, show, check, test and scaffold rules (YAML files: match a literal, say what it becomes, "
         "with examples). Guide: docs/writing-rules.md.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(rules_app, name="rules")
RULES_EXAMPLES = (
    "Examples:\n\n"
    "  export-to-cfn rules new appsync-graphql-uri --dir rules\n\n"
    "  export-to-cfn rules check rules/\n\n"
    "  export-to-cfn rules test rules/appsync-graphql-uri.yaml\n\n"
    "  export-to-cfn rules list --format json\n\n"
)


def _active_rules(extra: list[Path]):  # noqa: ANN202 - list[Rule]
    from exporter.rules import load_rules

    return load_rules(_project_config(None).rules + list(extra))


def _check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise UserError(f"--format {fmt!r}: use {' or '.join(allowed)}")


@rules_app.command("list", epilog=RULES_EXAMPLES)
def rules_list(
    fmt: str = typer.Option("text", "--format", help="text or json."),
    rules: List[Path] = typer.Option([], "--rules", help=RULES_HELP),
) -> None:
    """Every active rule (built-in, project config, --rules), in the order they run: id, priority, description, source file."""
    with handled():
        from exporter.render import renderer
        from exporter.rulebook import rule_rows

        _check_format(fmt, ("text", "json"))
        rows = rule_rows(_active_rules(rules))
        text = renderer(fmt, "rules")(rows)
        out(printable(text, keep="\n") if fmt == "text" else text)


@rules_app.command("show", epilog=RULES_EXAMPLES)
def rules_show(
    rule_id: str = typer.Argument(..., help="A rule id, as `rules list` shows it."),
    rules: List[Path] = typer.Option([], "--rules", help=RULES_HELP),
) -> None:
    """Print one active rule's file, headed by where it comes from and where it runs."""
    with handled():
        from exporter.rulebook import find_rule, show_rule

        active = _active_rules(rules)
        out(printable(show_rule(find_rule(active, rule_id), active), keep="\n\t"))


@rules_app.command("check", epilog=RULES_EXAMPLES + "Exit codes: 0 every file is valid; 2 a file is invalid (file:line: field: problem on stderr).")
def rules_check(paths: List[Path] = typer.Argument(..., help="Rule files or folders.")) -> None:
    """Validate rule files: fields, patterns (including ones that could hang), selectors, example shapes."""
    with handled():
        from exporter.rulebook import check_files, display_path

        results = check_files(list(paths))
        for r in results:
            if r.error:
                say(f"export-to-cfn: error: {r.error}", fg="red")
            else:
                out(printable(f"ok {display_path(str(r.path))} ({r.rule_id})") + "\n")
        bad = sum(1 for r in results if r.error)
        if bad:
            say(f"{bad} of {len(results)} rule files invalid", fg="red")
            raise typer.Exit(EXIT_USAGE)


@rules_app.command("test", epilog=RULES_EXAMPLES + "Exit codes: 0 every example passes; 1 an example failed; 2 a rule file is invalid.")
def rules_test(
    paths: List[Path] = typer.Argument(None, help="Rule files or folders to test (default: every active rule)."),
    fmt: str = typer.Option("text", "--format", help="text or json."),
    rules: List[Path] = typer.Option([], "--rules", help=RULES_HELP),
) -> None:
    """Run rules' examples through the whole active rule set, like `semgrep --test`: each must rewrite to its output or stay unchanged."""
    with handled():
        from exporter.rules import load_rule_file, rule_files
        from exporter.render import renderer
        from exporter.ruletest import run_rule_examples

        _check_format(fmt, ("text", "json"))
        paths = list(paths or [])
        active = _active_rules(list(rules) + paths)
        chosen = {load_rule_file(f).id for f in rule_files(paths)} if paths else None
        results = run_rule_examples([r for r in active if chosen is None or r.id in chosen], active)
        text = renderer(fmt, "rule-tests")(results)
        out(printable(text, keep="\n") if fmt == "text" else text)
        if not all(r.ok for r in results):
            raise typer.Exit(EXIT_FINDINGS)


@rules_app.command("new", epilog=RULES_EXAMPLES)
def rules_new(
    rule_id: str = typer.Argument(..., help="Kebab-case id; the file is ID.yaml."),
    folder: Path = typer.Option(Path("rules"), "--dir", help="Folder for the new file (created if missing)."),
) -> None:
    """Scaffold a rule file with example slots: `rules test` passes as written, `rules check` once its TODO description says what it does."""
    with handled():
        from exporter.rulebook import builtin_rule_file, scaffold
        from exporter.io.write import write_atomic

        path, text = scaffold(rule_id, folder)
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic({path: text})
        out(printable(str(path)) + "\n")
        say(f"wrote {path}: edit 'match', 'description' and the examples, then run "
            f"`export-to-cfn rules test {path}`; use it with --rules {folder} or list {folder} under 'rules' "
            "in .export-to-cfn.yaml")
        builtin = builtin_rule_file(rule_id)
        if builtin is not None:
            say(f"note: '{rule_id}' is a built-in rule's id: wherever this file is loaded it replaces the built-in "
                f"({builtin}); see it with `export-to-cfn rules show {rule_id}`", fg="yellow")


def main() -> None:
    import gc
    import signal

    from exporter.errors import on_terminate

    # One command per process, over documents that are trees: the cyclic collector finds next to
    # nothing, yet at the default threshold it walked every young container ~140 times a run (70 ms of
    # a 1,500-method convert, 120 ms of a diff). It still runs, every 200,000 new containers (as mypy does).
    gc.set_threshold(200_000, 30, 30)
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, on_terminate)  # like Ctrl-C: unwind, clean up, say so
    code = 0
    try:
        app(prog_name="export-to-cfn")  # `python -m exporter` too: help and errors name the command users type
    except SystemExit as e:
        code = e.code
    except OutputError:  # --version, a usage error: our own writer, outside `handled`
        code = EXIT_USAGE
    except KeyboardInterrupt as e:  # a signal outside any command (while click starts up)
        code = 128 + e.signum if isinstance(e, Interrupted) else 130
        try:
            say(f"export-to-cfn: interrupted ({e.name if isinstance(e, Interrupted) else 'SIGINT'}); nothing was written")
        except OutputError:
            pass
    except OSError as e:  # click printing help or a usage error to a full or closed stream
        for stream in (sys.stdout, sys.stderr):
            _silence(stream)
        code = EXIT_USAGE if e.filename is None else EXIT_INTERNAL
    except Exception as e:  # noqa: BLE001 - typer's own failures, outside `handled`
        try:
            say(f"export-to-cfn: internal error: {type(e).__name__}: {e}")
        except OutputError:
            pass
        code = EXIT_INTERNAL
    for stream in (sys.stdout, sys.stderr):  # what click printed itself (help, usage) must have reached it
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            _silence(stream)
            code = EXIT_USAGE
    sys.exit(code)
