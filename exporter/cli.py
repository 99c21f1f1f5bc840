"""Flags -> pipeline -> render -> exit code. No logic lives here."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Optional

import typer

from exporter.errors import EXIT_FINDINGS, EXIT_INTERNAL, EXIT_USAGE, InternalError, UserError

EXIT_CODES_HELP = "Exit codes: 0 ok; 1 findings where --check/--strict asked for none; 2 usage or input error; 123 internal error (a bug)."

app = typer.Typer(
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
def _root() -> None:
    """Convert API Gateway console exports into CloudFormation, preview the change, audit templates."""


def say(message: str, *, fg: str | None = None) -> None:
    """A message for the user: stderr, coloured only on a terminal."""
    typer.secho(message, err=True, fg=fg, color=sys.stderr.isatty() and "NO_COLOR" not in os.environ)


@contextmanager
def handled() -> Iterator[None]:
    """Turn every failure into one line on stderr and the right exit code; never a traceback."""
    try:
        yield
    except typer.Exit:
        raise
    except UserError as e:
        say(f"export-to-cfn: error: {e}", fg="red")
        raise typer.Exit(EXIT_USAGE) from None
    except InternalError as e:
        say(f"export-to-cfn: internal error: {e}", fg="red")
        raise typer.Exit(EXIT_INTERNAL) from None
    except KeyboardInterrupt:
        say("export-to-cfn: interrupted; nothing was written")
        raise typer.Exit(130) from None
    except Exception as e:  # noqa: BLE001 - the last line of defence
        if os.environ.get("EXPORT_TO_CFN_DEBUG"):
            raise
        say(f"export-to-cfn: internal error: {type(e).__name__}: {e} (a bug; nothing was written; "
            "set EXPORT_TO_CFN_DEBUG=1 for the traceback)", fg="red")
        raise typer.Exit(EXIT_INTERNAL) from None


def _parse_bindings(raw: list[str]) -> dict[str, str]:
    out = {}
    for item in raw:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise UserError(f"--bind {item!r}: expected NAME=VALUE, e.g. --bind OrdersTableName=orders-dev")
        out[name] = value
    return out


@app.command(
    epilog=(
        "Examples:\n\n"
        "  export-to-cfn convert export.json                       # standalone template on stdout\n\n"
        "  export-to-cfn convert export.json --template amplify/backend/api/Api/Api-cloudformation-template.json --in-place\n\n"
        "  export-to-cfn convert export.yaml --template template.yaml --env dev --style join -o out.yaml\n\n"
        + EXIT_CODES_HELP
    )
)
def convert(
    export: Path = typer.Argument(..., help="The stage export (JSON or YAML, Swagger 2.0 or OpenAPI 3, with API Gateway extensions)."),
    template: Optional[Path] = typer.Option(None, "--template", "-t", help="Template whose RestApi Body receives the paths. Without it: a standalone template."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
    in_place: bool = typer.Option(False, "--in-place", "-i", help="Rewrite --template in place (atomically)."),
    api: Optional[str] = typer.Option(None, "--api", help="Logical id of the RestApi when the template has several."),
    rules: List[Path] = typer.Option([], "--rules", help="Extra rule file or folder (repeatable); a rule with a built-in's id replaces it."),
    style: str = typer.Option("sub", "--style", help="sub: Fn::Sub strings (default); join: Fn::Join lists, as Amplify writes them."),
    account: Optional[str] = typer.Option(None, "--account", help="Home account id (default: the most common in the export's ARNs)."),
    region: Optional[str] = typer.Option(None, "--region", help="Home region (default: inferred from the export)."),
    partition: Optional[str] = typer.Option(None, "--partition", help="Home partition: aws, aws-cn, aws-us-gov (default: inferred)."),
    env: Optional[str] = typer.Option(None, "--env", help="Environment name: names suffixed with it (HelloStep-dev) get ${env}. Default: the export's stage when names carry it."),
    bind: List[str] = typer.Option([], "--bind", help="NAME=VALUE: the literal VALUE becomes Ref NAME (a template parameter). Repeatable."),
    prune: bool = typer.Option(False, "--prune", help="Remove template routes the export no longer has."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 and write nothing if any environment-specific literal is left."),
    fmt: Optional[str] = typer.Option(None, "--format", help="Output format: json or yaml (default: the template's own, else json)."),
    backup: bool = typer.Option(False, "--backup", help="With --in-place: keep the previous file as <name>.bak."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List every rewrite (rule, JSON pointer, before -> after)."),
) -> None:
    """Convert an API Gateway export into CloudFormation: a standalone template, or merged into --template."""
    with handled():
        from exporter import convert as pipeline
        from exporter.load import load_export, load_template
        from exporter.write import render_document, write_atomic

        if style not in ("sub", "join"):
            raise UserError(f"--style {style!r}: use sub or join")
        if fmt not in (None, "json", "yaml"):
            raise UserError(f"--format {fmt!r}: use json or yaml")
        if in_place and output:
            raise UserError("--in-place and --output are exclusive")
        if in_place and not template:
            raise UserError("--in-place needs --template")
        if backup and not in_place:
            raise UserError("--backup goes with --in-place")
        opts = pipeline.Options(api=api, rules=list(rules), style=style, account=account, region=region,
                                partition=partition, env=env, prune=prune, bindings=_parse_bindings(bind))
        export_doc = load_export(export)
        template_doc = load_template(template) if template else None
        conv = pipeline.convert(export_doc, template_doc, opts)
        _report(conv, verbose)
        leftovers = pipeline.leftover_findings(conv)
        if strict and leftovers:
            for f in leftovers:
                say(f"  {f.pointer}: {f.message}", fg="yellow")
            say(f"export-to-cfn: --strict: {len(leftovers)} environment-specific literal(s) left; nothing written", fg="red")
            raise typer.Exit(EXIT_FINDINGS)
        out_fmt = fmt or (template_doc.fmt if template_doc else "json")
        same_format = template_doc is not None and out_fmt == template_doc.fmt
        text = render_document(conv.template, template_doc.text if same_format else None,
                               template_doc.data if same_format else None, out_fmt)
        if in_place:
            write_atomic({template: text}, backup=backup)
            say(f"wrote {template}")
        elif output:
            write_atomic({output: text})
            say(f"wrote {output}")
        else:
            sys.stdout.write(text)


@app.command(
    epilog=(
        "Examples:\n\n"
        "  export-to-cfn audit amplify/backend/api/*/*-cloudformation-template.json --env dev\n\n"
        "  export-to-cfn audit export.json --format json | jq '.findings[].kind'\n\n"
        "  export-to-cfn audit template.yaml --allow 'arn:aws:iam::aws:policy/.*'\n\n"
        "Exit codes: 0 clean; 1 environment-specific literals found; 2 a file could not be read (bad input); 123 internal error."
    )
)
def audit(
    files: List[Path] = typer.Argument(..., help="Templates or exports (JSON or YAML) to check."),
    fmt: str = typer.Option("text", "--format", help="text: one finding per line (file:line: pointer: kind value); json: a report object."),
    env: Optional[str] = typer.Option(None, "--env", help="Environment name: also report names suffixed with it (HelloStep-dev)."),
    allow: List[str] = typer.Option([], "--allow", help="Regular expression for text that may stay literal (repeatable)."),
    rules: List[Path] = typer.Option([], "--rules", help="Extra rule file or folder; its allow rules exempt what they match."),
) -> None:
    """Find environment-specific literals (account ids, regions, partitions, API/VPC link/VPC endpoint/user pool ids, env-suffixed names)."""
    with handled():
        from exporter import audit as auditor

        if fmt not in ("text", "json"):
            raise UserError(f"--format {fmt!r}: use text or json")
        report = auditor.audit_files(list(files), env=env, allow=list(allow), rule_paths=list(rules))
        sys.stdout.write(auditor.render_json(report) if fmt == "json" else auditor.render_text(report))
        for e in report.errors:
            say(f"export-to-cfn: error: {e}", fg="red")
        if report.findings:
            say(f"{len(report.findings)} environment-specific literal(s) in {len({f.file for f in report.findings})} of {len(files)} file(s)", fg="yellow")
        raise typer.Exit(EXIT_USAGE if report.errors else EXIT_FINDINGS if report.findings else 0)


def _report(conv, verbose: bool) -> None:  # noqa: ANN001 - a Conversion
    r = conv.report
    ctx = conv.ctx
    home = ", ".join(f"{k} {v}" for k, v in (("account", ctx.account), ("region", ctx.region), ("partition", ctx.partition)) if v)
    env = f"; env {ctx.env} (from {conv.env_source})" if ctx.env else ""
    say(f"home: {home}{env}")
    routes = len(r.added_routes) + len(r.replaced_routes) + len(r.unchanged_routes)
    say(f"{routes} routes: {len(r.added_routes)} added, {len(r.replaced_routes)} replaced, {len(r.unchanged_routes)} unchanged; "
        f"{len(conv.rewrites)} literals rewritten; proof: the Body resolves to the export")
    if r.kept_routes:
        say(f"kept {len(r.kept_routes)} template route(s) the export does not have (--prune removes them): {', '.join(r.kept_routes)}", fg="yellow")
    if r.pruned_routes:
        say(f"pruned {len(r.pruned_routes)} route(s): {', '.join(r.pruned_routes)}", fg="yellow")
    if r.declared_params:
        say(f"declared parameters: {', '.join(r.declared_params)}")
    for name, value in conv.ctx.new_params.items():
        say(f"new parameter {name} = {value} (pass its value per environment)")
    for note in r.security:
        say(f"security: {note}", fg="yellow")
    for note in r.dropped:
        say(f"dropped {note}")
    seen = set()
    for f in conv.findings:
        key = (f.kind, f.value)
        if key not in seen:
            seen.add(key)
            say(f"kept literal: {f.message} (first at {f.pointer})", fg="yellow")
    if verbose:
        for rw in conv.rewrites:
            say(f"  [{','.join(rw.rules)}] {rw.pointer}: {rw.before!r} -> {rw.after!r}")


def main() -> None:
    try:
        app()
    except SystemExit:
        raise
    except Exception as e:  # noqa: BLE001 - typer's own failures, outside `handled`
        say(f"export-to-cfn: internal error: {type(e).__name__}: {e}")
        sys.exit(EXIT_INTERNAL)
