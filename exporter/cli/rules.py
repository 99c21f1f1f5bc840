"""export-to-cfn rules list|show|check|test|new: flags -> exporter.rules (loader, book, examples) -> render -> exit code."""

from __future__ import annotations

from pathlib import Path
from typing import List

import typer

from exporter.cli.common import RULES_HELP, Command, check_format, project_config
from exporter.cli.output import handled, out, say
from exporter.errors import EXIT_FINDINGS, EXIT_USAGE, printable

app = typer.Typer(
    help="List, show, check, test and scaffold rules (YAML files: match a literal, say what it becomes, "
         "with examples). Guide: docs/writing-rules.md.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
def _epilog(*examples: str, exit_codes: str) -> str:
    return "Examples:\n\n" + "".join(f"  export-to-cfn rules {e}\n\n" for e in examples) + f"Exit codes: {exit_codes}"


INVALID = "2 a rule file is invalid (file:line: field: problem on stderr)"


def _active_rules(extra: list[Path]):  # noqa: ANN202 - list[Rule]
    from exporter.rules import load_rules

    return load_rules(project_config(None).rules + list(extra))


@app.command("list", cls=Command, epilog=_epilog("list", "list --format json", "list --rules rules/", exit_codes=f"0 listed; {INVALID}."))
def rules_list(
    fmt: str = typer.Option("text", "--format", help="text or json."),
    rules: List[Path] = typer.Option([], "--rules", help=RULES_HELP),
) -> None:
    """Every active rule (built-in, project config, --rules), in the order they run: id, priority, description, source file."""
    with handled():
        from exporter.render import renderer
        from exporter.rules.book import rule_rows

        check_format(fmt, ("text", "json"))
        rows = rule_rows(_active_rules(rules))
        text = renderer(fmt, "rules")(rows)
        out(text)  # the text renderer escapes each line


@app.command("show", cls=Command, epilog=_epilog("show arn", "show appsync-graphql-uri --rules rules/",
                                    exit_codes=f"0 shown; 2 no active rule has that id, or {INVALID[2:]}."))
def rules_show(
    rule_id: str = typer.Argument(..., help="A rule id, as `rules list` shows it."),
    rules: List[Path] = typer.Option([], "--rules", help=RULES_HELP),
) -> None:
    """Print one active rule's file, headed by where it comes from and where it runs."""
    with handled():
        from exporter.rules.book import find_rule, show_rule

        active = _active_rules(rules)
        out(printable(show_rule(find_rule(active, rule_id), active), keep="\n\t"))


@app.command("check", cls=Command, epilog=_epilog("check rules/", "check rules/appsync-graphql-uri.yaml", exit_codes=f"0 every file is valid; {INVALID}."))
def rules_check(paths: List[Path] = typer.Argument(..., help="Rule files or folders.")) -> None:
    """Validate rule files: fields, patterns (including ones that could hang), selectors, example shapes."""
    with handled():
        from exporter.io.paths import display_path
        from exporter.rules.book import check_files

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


@app.command("test", cls=Command, epilog=_epilog("test", "test rules/appsync-graphql-uri.yaml", "test --format json",
                                    exit_codes=f"0 every example passes; 1 an example failed; {INVALID}."))
def rules_test(
    paths: List[Path] = typer.Argument(None, help="Rule files or folders to test (default: every active rule)."),
    fmt: str = typer.Option("text", "--format", help="text or json."),
    rules: List[Path] = typer.Option([], "--rules", help=RULES_HELP),
) -> None:
    """Run rules' examples through the whole active rule set, like `semgrep --test`: each must rewrite to its output or stay unchanged."""
    with handled():
        from exporter.render import renderer
        from exporter.rules import load_rule_file, rule_files
        from exporter.rules.examples import run_rule_examples

        check_format(fmt, ("text", "json"))
        paths = list(paths or [])
        active = _active_rules(list(rules) + paths)
        chosen = {load_rule_file(f).id for f in rule_files(paths)} if paths else None
        results = run_rule_examples([r for r in active if chosen is None or r.id in chosen], active)
        text = renderer(fmt, "rule-tests")(results)
        out(text)  # the text renderer escapes each line
        if not all(r.ok for r in results):
            raise typer.Exit(EXIT_FINDINGS)


@app.command("new", cls=Command, epilog=_epilog("new appsync-graphql-uri --dir rules", "new team-bucket-name",
                                   exit_codes="0 written; 2 not a valid id, or the file exists (nothing is overwritten)."))
def rules_new(
    rule_id: str = typer.Argument(..., help="Kebab-case id; the file is ID.yaml."),
    folder: Path = typer.Option(Path("rules"), "--dir", help="Folder for the new file (created if missing)."),
) -> None:
    """Scaffold a rule file with example slots: `rules test` passes as written, `rules check` once its TODO description says what it does."""
    with handled():
        from exporter.io.rulefiles import builtin_rule_file
        from exporter.io.write import write_atomic
        from exporter.rules.book import scaffold

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
