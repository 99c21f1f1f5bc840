"""Issue 16, integrity and trust: no silently wrong template, no write outside what was named, no
hang; output-stream failures and signals end in a clean exit code with every file as it was.
Bad *files* are rows of bad_inputs.py (docs/bad-input.md); this module holds what needs a process,
a signal, a stream or a project of its own."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT
from test_write_failures import TEMPLATE, snapshot

CASE = FIXTURES / "amplify-stepfunctions"
EXPORT = CASE / "export.json"


def run(*args, stdin=None, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=None, cwd=None, input=None):
    """The CLI as a user runs it: a fresh process (`python -m exporter`)."""
    return subprocess.run([sys.executable, "-m", "exporter", *map(str, args)], stdin=stdin, stdout=stdout, stderr=stderr,
                          input=input, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, cwd=cwd)


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "case"
    shutil.copytree(CASE, root, ignore=shutil.ignore_patterns("expected"))
    return root


# ---- Never returns: stdin is read with the same byte cap as files -------------------------------

def test_stdin_is_read_and_capped(tmp_path):
    ok = run("convert", "/dev/stdin", input=EXPORT.read_bytes())
    assert ok.returncode == 0, ok.stderr
    assert b'"AWS::ApiGateway::RestApi"' in ok.stdout
    # the cap is checked on the bytes read, not on st_size (a pipe has none): 64 MB + 1 of spaces
    big = run("convert", "/dev/stdin", input=b" " * (64 * 1024 * 1024 + 1))
    assert big.returncode == 2
    assert big.stderr.decode().strip() == "export-to-cfn: error: /dev/stdin: more than 67,108,864 bytes, larger than the 67,108,864-byte limit"


# ---- Exit codes and output streams --------------------------------------------------------------

def _closed_pipe():
    r, w = os.pipe()
    os.close(r)  # the reader went away: every write is EPIPE
    return w


@pytest.mark.parametrize("where", ["full", "closed", "epipe"])
def test_stdout_failure_is_exit_2_and_claims_nothing(where):
    if where == "full" and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    if where == "full":
        with open("/dev/full", "wb") as full:
            proc = run("convert", EXPORT, stdout=full)
    elif where == "closed":
        proc = subprocess.run([sys.executable, "-c", "import os, sys; os.close(1); sys.argv[1:] = sys.argv[1:];"
                               "from exporter.cli import main; sys.argv = ['export-to-cfn', 'convert', sys.argv[1]]; main()", str(EXPORT)],
                              stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    else:
        w = _closed_pipe()
        proc = run("convert", EXPORT, stdout=w)
        os.close(w)
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert "Traceback" not in err and "Exception ignored" not in err
    assert err.strip().splitlines()[-1].startswith("export-to-cfn: error: cannot write to stdout: ")
    assert "wrote" not in err


@pytest.mark.parametrize("where", ["full", "closed"])
def test_stderr_failure_is_never_read_as_would_change(where, project):
    """diff --check on an up-to-date template: a broken stderr is exit 2 (an error), never 1 (would change)."""
    expected = project / TEMPLATE
    assert run("convert", EXPORT, "-t", expected, "--in-place").returncode == 0
    if where == "full":
        if not os.path.exists("/dev/full"):
            pytest.skip("no /dev/full")
        with open("/dev/full", "wb") as full:
            proc = run("diff", EXPORT, "-t", expected, "--check", stderr=full)
    else:
        proc = subprocess.run([sys.executable, "-c", "import os, sys; os.close(2); from exporter.cli import main; "
                               "sys.argv = ['export-to-cfn', 'diff', sys.argv[1], '-t', sys.argv[2], '--check']; main()",
                               str(EXPORT), str(expected)], stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 2
    assert run("diff", EXPORT, "-t", expected, "--check").returncode == 0  # the control: it does match


def test_debug_shows_the_traceback(monkeypatch, cli):
    import exporter.convert

    def boom(*a, **k):
        raise RuntimeError("injected")

    monkeypatch.setattr(exporter.convert, "convert", boom)
    monkeypatch.setenv("EXPORT_TO_CFN_DEBUG", "1")
    result = cli("convert", EXPORT)
    assert result.exit_code == 123
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("export-to-cfn: internal error: RuntimeError: injected")


# ---- Multi-file writes under signals --------------------------------------------------------------

@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_at_the_rename_phase_rolls_back_every_file(project, tmp_path, sig):
    """A real process, stopped after its first rename (of two files: the template and backend-config.json):
    the rename already done is undone, temp files are removed, and the message says so."""
    before = snapshot(project)
    marker = tmp_path / "renamed"
    proc = subprocess.Popen([sys.executable, "-m", "exporter", "convert", str(EXPORT), "-t", str(project / TEMPLATE), "--in-place"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "EXPORT_TO_CFN_TEST_PAUSE_AT_RENAME": str(marker)})
    deadline = time.monotonic() + 60
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert marker.exists(), proc.communicate()
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + sig, err
    assert err.decode().strip().splitlines()[-1] == (
        f"export-to-cfn: interrupted ({signal.Signals(sig).name}); every file was put back as it was; nothing was written")
    assert snapshot(project) == before, "a file changed, or a temp file was left"


def test_sigterm_outside_the_write_is_like_sigint(tmp_path):
    """SIGTERM while reading stdin (a long wait): unwinds like Ctrl-C, one line, exit 143."""
    proc = subprocess.Popen([sys.executable, "-m", "exporter", "convert", "/dev/stdin"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    time.sleep(1.5)  # importing and opening stdin; then it waits for bytes that never come
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    assert err.decode().strip() == "export-to-cfn: interrupted (SIGTERM); nothing was written"
