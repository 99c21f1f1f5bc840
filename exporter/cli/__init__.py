"""export-to-cfn: the typer app, its root options, one module per command, and `main` (the console
script). Each command module is flags -> pipeline -> render -> exit code; no logic lives here.

    convert.py  diff.py  audit.py  rules.py   the commands
    common.py   the flags `convert` and `diff` share, the project config, reading a run's inputs
    output.py   stdout/stderr, colour on a terminal, `handled()`: failures -> one line and an exit code
    report.py   what `convert` says about a run on stderr

Heavy imports (the pipeline, ruamel, jsonpath) stay inside the commands, so `--help` starts fast."""

from __future__ import annotations

import sys
from typing import Any

import click
import typer
import typer.core

# With rich installed, typer 0.20 escapes "[required]" for rich markup even when markup is off
# (rich_markup_mode=None, our plain help), so users would read "\[required]".
typer.core.HAS_RICH = False

from exporter.cli import audit, convert, diff, rules  # noqa: E402 - after HAS_RICH
from exporter.cli.common import EXIT_CODES_HELP, Command  # noqa: E402
from exporter.cli.output import OutputError, one_line, out, say, silence  # noqa: E402
from exporter.errors import EXIT_INTERNAL, EXIT_USAGE, Interrupted  # noqa: E402


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
            say(f"export-to-cfn: error: {one_line(e.format_message()).rstrip('.')} (see '{command} --help')", fg="red")
            sys.exit(EXIT_USAGE)
        except click.ClickException as e:
            say(f"export-to-cfn: error: {one_line(e.format_message())}", fg="red")
            sys.exit(e.exit_code)
        except click.Abort:
            say("export-to-cfn: interrupted; nothing was written")
            sys.exit(130)
        except Interrupted as e:  # SIGTERM, SIGHUP or SIGQUIT while click parses (before `handled`)
            say(f"export-to-cfn: interrupted ({e.name}); nothing was written")
            sys.exit(128 + e.signum)
        sys.exit(code if isinstance(code, int) else 0)


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


app.command(cls=Command, epilog=convert.EPILOG)(convert.convert)
app.command(cls=Command, name="diff", epilog=diff.EPILOG)(diff.diff)
app.command(cls=Command, epilog=audit.EPILOG)(audit.audit)
app.add_typer(rules.app, name="rules")


def main() -> None:
    import gc
    import signal

    from exporter.errors import on_terminate, terminating_signals

    # One command per process, over documents that are trees: the cyclic collector finds next to
    # nothing, yet at the default threshold it walked every young container ~140 times a run (70 ms of
    # a 1,500-method convert, 120 ms of a diff). It still runs, every 200,000 new containers (as mypy does).
    gc.set_threshold(200_000, 30, 30)
    for sig in terminating_signals():  # SIGTERM, SIGHUP, SIGQUIT: like Ctrl-C: unwind, clean up, say so
        signal.signal(sig, on_terminate)
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
            silence(stream)
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
            silence(stream)
            code = EXIT_USAGE
    sys.exit(code)
