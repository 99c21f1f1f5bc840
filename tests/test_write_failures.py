"""A run that fails at any stage leaves every file byte-identical and no temp file behind; a run that
succeeds writes atomically, keeps the file's mode, writes through a symlink and keeps a backup."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

import exporter.convert
import exporter.io.load
import exporter.io.write
import exporter.pipeline
from conftest import FIXTURES, snapshot
from exporter.errors import UserError
from exporter.io.write import write_atomic

CASE = FIXTURES / "amplify-stepfunctions"
TEMPLATE = "amplify/backend/api/HelloApi/HelloApi-cloudformation-template.json"


@pytest.fixture
def work(tmp_path):
    root = tmp_path / "case"
    shutil.copytree(CASE, root, ignore=shutil.ignore_patterns("expected"))
    os.chmod(root / TEMPLATE, 0o640)
    return root


def boom(*_a, **_k):
    raise RuntimeError("injected failure")


def interrupt(*_a, **_k):
    raise KeyboardInterrupt


def fail_on_call(n: int, real):  # noqa: ANN001
    """A stand-in for `real` that raises OSError on its n-th call (1-based) and works otherwise."""
    calls = {"n": 0}

    def wrapper(*a, **k):
        calls["n"] += 1
        if calls["n"] == n:
            raise OSError(28, "No space left on device (injected)")
        return real(*a, **k)

    return wrapper


BUG = "export-to-cfn: internal error: RuntimeError: injected failure (a bug; nothing was written; set EXPORT_TO_CFN_DEBUG=1 for the traceback)"
FULL = "export-to-cfn: error: {file}: cannot write: No space left on device (injected); nothing was changed"

# (stage, where, what, a factory for the fake (fresh per test: fail_on_call counts its calls), exit code,
# the one error line, {file} the path it must name)
STAGES = [
    ("load-template", exporter.io.load, "load_template", lambda: boom, 123, BUG),
    ("rewrite", exporter.convert, "rewrite_tree", lambda: boom, 123, BUG),
    ("merge", exporter.convert, "merge_into_template", lambda: boom, 123, BUG),
    ("prove", exporter.convert, "prove", lambda: lambda *a, **k: (_ for _ in ()).throw(exporter.convert.InternalError("proof failed (injected)")), 123,
     "export-to-cfn: internal error: proof failed (injected)"),
    ("render", exporter.pipeline, "render_document", lambda: boom, 123, BUG),
    ("stage-temp-file", exporter.io.write, "_stage", lambda: boom, 123, BUG),
    ("fsync", os, "fsync", lambda: fail_on_call(1, os.fsync), 2, FULL.format(file="{template}.bak")),
    ("stage-previous-copy", exporter.io.write, "_stage", lambda: fail_on_call(2, exporter.io.write._stage), 2, FULL.format(file="{template}")),
    ("backup-rename", os, "replace", lambda: fail_on_call(1, os.replace), 2, FULL.format(file="{template}.bak")),
    ("final-rename", os, "replace", lambda: fail_on_call(2, os.replace), 2, FULL.format(file="{template}")),
    ("interrupted-rename", os, "replace", lambda: interrupt, 130, "export-to-cfn: interrupted; nothing was written"),
]


@pytest.mark.parametrize("name,module,attr,fake,code,message", STAGES, ids=[s[0] for s in STAGES])
def test_failure_at_each_stage_leaves_every_file_identical(name, module, attr, fake, code, message, work, cli, monkeypatch):
    before = snapshot(work)
    monkeypatch.setattr(module, attr, fake())
    result = cli("convert", work / "export.json", "-t", work / TEMPLATE, "--in-place", "--backup")
    monkeypatch.undo()
    assert result.exit_code == code, result.stderr
    assert snapshot(work) == before, "a file changed, or a temp/backup file was left"
    assert "Traceback" not in result.stderr
    # one message, on one line, the last thing printed, naming the file that could not be written
    lines = result.stderr.splitlines()
    assert [line for line in lines if line.startswith("export-to-cfn: ")] == lines[-1:], result.stderr
    assert lines[-1] == message.format(template=work / TEMPLATE), result.stderr


def test_the_same_run_without_failure_writes(work, cli):
    """The control for the test above: unpatched, this run does change the template."""
    before = (work / TEMPLATE).read_bytes()
    result = cli("convert", work / "export.json", "-t", work / TEMPLATE, "--in-place", "--backup")
    assert result.exit_code == 0, result.stderr
    assert (work / TEMPLATE).read_bytes() != before
    assert (work / (TEMPLATE + ".bak")).read_bytes() == before
    assert stat.S_IMODE((work / TEMPLATE).stat().st_mode) == 0o640
    assert stat.S_IMODE((work / (TEMPLATE + ".bak")).stat().st_mode) == 0o640
    leftovers = [p.name for p in (work / TEMPLATE).parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_symlinked_template_is_written_through(work, cli):
    real = work / TEMPLATE
    link = work / "template-link.json"
    link.symlink_to(real)
    result = cli("convert", work / "export.json", "-t", link, "--in-place")
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert b"/hello" in real.read_bytes() and b"Fn::Sub" in real.read_bytes()


@pytest.mark.parametrize("failing_call", [1, 2, 3])
def test_several_files_all_or_none(tmp_path, monkeypatch, failing_call):
    """write_atomic over three files (an Amplify run writes several): a rename failing at any point
    puts back the files already replaced and removes the one it created."""
    a, b, c = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "new.json"
    a.write_text("A0")
    b.write_text("B0")
    os.chmod(b, 0o600)
    before = snapshot(tmp_path)
    monkeypatch.setattr(os, "replace", fail_on_call(failing_call, os.replace))
    with pytest.raises(UserError, match="cannot write: No space left on device"):
        write_atomic({a: "A1", c: "C1", b: "B1"})
    monkeypatch.undo()
    assert snapshot(tmp_path) == before
    write_atomic({a: "A1", c: "C1", b: "B1"})
    assert (a.read_text(), b.read_text(), c.read_text()) == ("A1", "B1", "C1")
    assert stat.S_IMODE(b.stat().st_mode) == 0o600


def test_new_file_gets_the_umask_mode_not_mkstemps_0600(tmp_path):
    old = os.umask(0o022)
    try:
        write_atomic({tmp_path / "n.json": "{}"})
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "n.json").stat().st_mode) == 0o644


def test_bom_is_kept_when_rewriting(tmp_path):
    p = tmp_path / "t.json"
    p.write_bytes(b"\xef\xbb\xbf{}")
    write_atomic({p: '{"a": 1}'})
    assert p.read_bytes() == b'\xef\xbb\xbf{"a": 1}'
