"""Every bad input in bad_inputs.CASES, everywhere a file is read: one line on stderr naming the file
(and the line where known), exit 2, no traceback, nothing written. docs/bad-input.md is rendered from
the same cases and must be current."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bad_inputs import CASES, EXPORT, SENTINEL, WORKS, write_case
from conftest import ROOT, snapshot
from exporter.errors import UserError
from exporter.io.load import load_mapping

SLOW = {"deep-yaml", "huge-rules"}  # a second or two each: the quick loop (-m "not slow") leaves them to CI
PARAMS = [pytest.param(case, role, id=f"{case.id}-{role}", marks=[pytest.mark.slow] if case.id in SLOW else [])
          for case in CASES for role in case.roles]


@pytest.mark.parametrize("case,role", PARAMS)
def test_bad_input(case, role, cli, tmp_path):
    folder = tmp_path / "in"
    path = write_case(case, folder)
    out = tmp_path / "out.json"
    before = snapshot(folder)
    expect = case.expect.format(file=path)
    if role == "metadata":
        with pytest.raises(UserError) as err:
            load_mapping(path, "Amplify backend-config")
        assert expect in str(err.value)
        return
    runs = {
        "export": [("convert", path, "-o", out)],
        "template": [("convert", EXPORT, "-t", path, "--in-place", "--backup"), ("diff", EXPORT, "-t", path)],
        "rules": [("convert", EXPORT, "--rules", path, "-o", out), ("audit", EXPORT, "--rules", path)],
        "audit": [("audit", path)],
        "stage": [("convert", EXPORT, "--stage", path, "-o", out)],
    }[role]
    for args in runs:
        result = cli(*args)
        assert result.exit_code == 2, f"{args[0]}: exit {result.exit_code}\n{result.stderr}"
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, f"{args[0]}: want one line on stderr, got:\n{result.stderr}"
        assert lines[0].startswith("export-to-cfn: error: ")
        assert expect in lines[0], f"{args[0]}:\n  want {expect}\n  got  {lines[0]}"
        assert result.stdout == ""
        assert not out.exists(), "an output was written"
        assert snapshot(folder) == before, "the input folder changed"
        assert not (folder / SENTINEL).exists(), "the YAML payload ran"


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_python_tag_payload_is_live(tmp_path):
    """The control for the python-tag cases: an unsafe loader does run the payload, so the
    sentinel check above would see it if ours ever did."""
    from ruamel.yaml import YAML

    case = next(c for c in CASES if c.id == "python-tag")
    text = case.make(tmp_path).decode()
    YAML(typ="unsafe", pure=True).load(text)
    assert (tmp_path / SENTINEL).exists()


def test_python_tag_never_runs_in_a_fresh_process(tmp_path):
    """Through the installed entry point, as a user runs it: every command, the payload never runs."""
    case = next(c for c in CASES if c.id == "python-tag")
    path = write_case(case, tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for args in (["convert", str(path)], ["audit", str(path)], ["convert", str(EXPORT), "-t", str(path)]):
        proc = subprocess.run([sys.executable, "-m", "exporter", *args], capture_output=True, text=True, env=env, cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
    assert not (tmp_path / SENTINEL).exists()


@pytest.mark.parametrize("name,what,make,ext", WORKS, ids=[w[0] for w in WORKS])
def test_bom_and_crlf_work(name, what, make, ext, cli, tmp_path):
    path = tmp_path / f"in{ext}"
    path.write_bytes(make())
    if name == "bom-json":
        out = tmp_path / "out.json"
        plain = tmp_path / "plain.json"
        assert cli("convert", path, "-o", out).exit_code == 0
        assert cli("convert", EXPORT, "-o", plain).exit_code == 0
        assert out.read_bytes() == plain.read_bytes()
        assert cli("audit", path).exit_code == 1  # it is read, and its literals are found
    else:
        before = path.read_bytes()
        result = cli("convert", EXPORT, "-t", path, "--in-place")
        assert result.exit_code == 0, result.stderr
        after = path.read_bytes()
        assert after.startswith(b"\xef\xbb\xbf"), "the BOM was dropped"
        assert b"\n" not in after.replace(b"\r\n", b""), "a bare LF was written into a CRLF file"
        assert after.startswith(before[: before.index(b"Resources")])
        assert b"/hello" in after
        assert cli("audit", path, "--env", "dev").exit_code == 0


def test_docs_table_is_current():
    sys.path.insert(0, str(ROOT / "scripts"))
    from bad_input_table import render

    doc = ROOT / "docs" / "bad-input.md"
    assert doc.exists() and doc.read_text() == render(), "docs/bad-input.md is stale: run python scripts/bad_input_table.py"
