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


@pytest.mark.slow
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


def _nested(levels: int) -> dict:
    """`levels` mappings one inside the other; the innermost holds an ARN a rule rewrites (one level more
    in the output: {"Fn::Sub": ...})."""
    node: dict = {"arn": "arn:aws:states:us-east-1:123456789012:stateMachine:deep"}
    for _ in range(levels - 1):
        node = {"k": node}
    return node


def _plain_leaf(node: dict) -> dict:
    inner = node
    while "k" in inner:
        inner = inner["k"]
    inner["arn"] = "plain text"
    return node


def _deep_file(folder, name: str, deepest: int, fmt: str):
    """An export or a template whose deepest mapping sits at depth `deepest` (the root is 0)."""
    import json as _json

    from exporter.io.yaml import dump_yaml

    if name == "export":
        data = _json.loads(EXPORT.read_text())
        route = next(iter(data["paths"].values()))
        next(op for op in route.values() if isinstance(op, dict))["x-deep"] = _nested(deepest - 3)  # /paths/r/m/x-deep: depth 4
    else:
        kept = _plain_leaf(_nested(deepest - 7))  # /Resources/Api/Properties/Body/paths/r/m/x-deep: depth 8
        body = {"swagger": "2.0", "info": {"title": "t", "version": "1"},
                "paths": {"/kept": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}, "x-deep": kept}}}}
        data = {"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": body}}}}
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.{fmt}"
    path.write_text(_json.dumps(data, indent=1) if fmt == "json" else dump_yaml(data))
    return path


def _plain_leaf(node: dict) -> dict:
    """`node` with its innermost value plain text: a template's own ARN, rewritten at the very limit,
    would take the output past what the tool reads (refused then, exit 2; not what this test is about)."""
    inner = node
    while "k" in inner:
        inner = inner["k"]
    inner["arn"] = "plain text"
    return node


@pytest.mark.parametrize("fmt", ["json", pytest.param("yaml", marks=pytest.mark.slow)])  # yaml: ~6 s, CI runs it
def test_the_depth_limit_holds_in_every_stage(cli, tmp_path, fmt):
    """Issue 11: a YAML template 240 levels deep (under the old limit of 256) hit Python's recursion
    limit in the YAML writer, exit 123. One level under its limit (EXPORT_DEPTH for an export,
    MAX_DEPTH for a template) every command works, JSON and YAML, whatever the output format, and what
    convert writes is read again; one level over, every command refuses the file."""
    from exporter.io.load import EXPORT_DEPTH, MAX_DEPTH, check_depth, load

    for delta in (-1, +1):
        folder = tmp_path / f"d{delta}"
        export = _deep_file(folder, "export", EXPORT_DEPTH + delta, fmt)
        template = _deep_file(folder, "template", MAX_DEPTH + delta, fmt)
        if delta < 0:  # the files are as deep as the test says: one level more is refused
            for path, limit in ((export, EXPORT_DEPTH), (template, MAX_DEPTH)):
                with pytest.raises(UserError):
                    check_depth({"one": {"more": load(path, limit + 2).data}}, "t", limit)
        out = folder / f"out.{fmt}"
        runs = [("convert", export, "-o", out, "--format", fmt), ("convert", export, "-t", template, "--in-place"),
                ("diff", export, "-t", template), ("diff", export, "-t", template, "--format", "markdown"),
                ("audit", export, template), ("audit", out)]
        for args in runs:
            if delta > 0 and args == ("audit", out):
                continue
            result = cli(*args)
            if delta < 0:
                assert result.exit_code in (0, 1), f"{args[0]} at limit-1: exit {result.exit_code}\n{result.stderr}"
            else:
                assert result.exit_code == 2, f"{args[0]} at limit+1: exit {result.exit_code}\n{result.stderr}"
                assert "levels deep" in result.stderr and result.stderr.count("\n") <= 2
        if delta < 0:  # the deep export was merged into the template, which the tool reads again
            route, item = next(iter(load(export).data["paths"].items()))
            method = next(k for k, v in item.items() if isinstance(v, dict))
            assert "x-deep" in load(template).data["Resources"]["Api"]["Properties"]["Body"]["paths"][route][method]
