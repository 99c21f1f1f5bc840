#!/usr/bin/env python3
"""Render docs/bad-input.md from tests/bad_inputs.py (the cases the tests run). Review the diff."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from bad_inputs import CASES, PROJECT_CASES, WORKS  # noqa: E402

WHERE = {"export": "EXPORT", "template": "--template", "rules": "--rules", "audit": "audit", "metadata": "Amplify JSON", "stage": "--stage"}


def render() -> str:
    out = [
        "# Bad input: what you see",
        "",
        "Every input below is a test (`tests/test_bad_input.py`, cases in `tests/bad_inputs.py`); this page is",
        "rendered from those cases by `python scripts/bad_input_table.py`. Each gets one line on stderr",
        "that names the file (and the line where it is known), exit code 2, and nothing is written: no output,",
        "no change to the template, no backup. YAML is read with a safe loader: no tag can run code or build an",
        "object (the `python-tag` cases check a sentinel file the payload would create).",
        "",
        "Where the file is given: EXPORT (`convert FILE`), --template (`convert EXPORT -t FILE --in-place` and `diff`),",
        "--rules (`convert`/`audit` with `--rules FILE`), audit (`audit FILE`), Amplify JSON (project metadata",
        "read with `exporter.io.load.load_mapping`), --stage (`convert EXPORT --stage FILE`: get-stage JSON).",
        "",
        "| case | input | given as | stderr (after `export-to-cfn: error: `) |",
        "|---|---|---|---|",
    ]
    for c in CASES:
        where = ", ".join(WHERE[r] for r in c.roles)
        shown = c.expect.format(file="FILE").replace("|", "\\|")
        out.append(f"| `{c.id}` | {c.what} | {where} | `{shown}` |")
    out += ["", "## Amplify project files of the wrong shape", "",
            "Each file of the project is checked against the shape Amplify writes when it is read",
            "(`test_amplify_file_of_the_wrong_shape_is_exit_2_naming_file_and_pointer`: `convert --in-place` and `diff`",
            "on a copy of `fixtures/amplify-meta-storage-auth` with the one file changed). The line names the file and",
            "the JSON pointer, and ends `(not the shape Amplify writes)`.", "",
            "| case | input | file | stderr (after `export-to-cfn: error: FILE: `) |", "|---|---|---|---|"]
    for p in PROJECT_CASES:
        out.append(f"| `{p.id}` | {p.what} | `{p.file}` | `{p.expect}` |")
    out += ["", "## What you may not read", "",
            "A file or folder without read permission (mode 000; the test drops root's override with `capsh`):",
            "one line, exit 2, nothing written (`test_what_cannot_be_read_is_one_line_and_exit_2`).", "",
            "| input | stderr (after `export-to-cfn: error: `) |", "|---|---|",
            "| the export | `Invalid value for '[EXPORT]': Path 'FILE' is not readable (see 'export-to-cfn convert --help')` |",
            "| an Amplify project file (backend-config.json) | `FILE: permission denied` |",
            "| a category folder the project's outputs are read from | `FOLDER/RESOURCE: cannot read: Permission denied` |"]
    out += ["", "## Inputs that must work", "", "| case | input | result |", "|---|---|---|"]
    for name, what, _make, _ext in WORKS:
        out.append(f"| `{name}` | {what} | converts and audits like the plain file; a template keeps its BOM and CRLF |")
    out += [
        "",
        "## Writes",
        "",
        "| failure | what you see |",
        "|---|---|",
        "| output folder missing, output path is a folder, disk full, permission denied | `FILE: cannot write: <reason>; nothing was changed` (exit 2) |",
        "| any stage fails (load, rewrite, merge, proof, render, write, rename of a later file) | exit 2 or 123, every file byte-identical, no temp file left (`tests/test_write_failures.py`) |",
        "| SIGINT or SIGTERM while files are staged or renamed (even after a rename is done) | `interrupted (SIGINT); every file was put back as it was; nothing was written`, exit 130 (SIGTERM: 143), no temp file left (`tests/test_integrity.py`) |",
        "| SIGKILL (or power loss) during the rename phase | cannot be caught: the files renamed so far are new, the others old, and `.NAME.*.tmp` files may stay beside them (see README, *Threat model*) |",
        "| stdout or stderr full (`/dev/full`), closed, or its reader gone (EPIPE) | `cannot write to stdout: <reason>; the output is incomplete` when stderr still works, exit 2 (never 1 or 123; `tests/test_integrity.py`) |",
        "",
    ]
    return "\n".join(out)


if __name__ == "__main__":
    target = ROOT / "docs" / "bad-input.md"
    target.write_text(render())
    print(f"wrote {target}")
