"""export-to-cfn audit: files -> findings (exporter.audit) -> text, json or SARIF -> exit code."""

from __future__ import annotations

from pathlib import Path
from typing import List

import typer

from exporter.cli.output import handled, out, say
from exporter.errors import EXIT_FINDINGS, EXIT_USAGE, UserError

EPILOG = (
    "Examples:\n\n"
    "  export-to-cfn audit amplify/backend/api/*/*-cloudformation-template.json --env dev\n\n"
    "  export-to-cfn audit export.json --format json | jq '.findings[].kind'\n\n"
    "  export-to-cfn audit template.yaml --allow 'arn:aws:iam::aws:policy/.*'\n\n"
    "  export-to-cfn audit --format sarif amplify/backend/api/*/*-cloudformation-template.json > audit.sarif\n\n"
    "Exit codes: 0 clean; 1 environment-specific literals found; 2 a file could not be read (bad input); 123 internal error."
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
        out(text)  # the text renderer escapes each line
        for e in report.errors:
            say(f"export-to-cfn: error: {e}", fg="red")
        if report.findings:
            say(f"{len(report.findings)} environment-specific literal(s) in {len({f.file for f in report.findings})} of {len(files)} file(s)", fg="yellow")
        raise typer.Exit(EXIT_USAGE if report.errors else EXIT_FINDINGS if report.findings else 0)
