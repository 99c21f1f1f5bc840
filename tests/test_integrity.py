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

from bad_inputs import PROJECT_CASE, PROJECT_CASES, PROJECT_TEMPLATE
from conftest import FIXTURES, ROOT
from conftest import snapshot
from test_write_failures import TEMPLATE

CASE = FIXTURES / "amplify-stepfunctions"
EXPORT = CASE / "export.json"


def run(*args, stdin=None, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=None, cwd=None, input=None):
    """The CLI as a user runs it: a fresh process (`python -m exporter`)."""
    return subprocess.run([sys.executable, "-m", "exporter", *map(str, args)], stdin=stdin, stdout=stdout, stderr=stderr,
                          input=input, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, cwd=cwd)


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


@pytest.mark.parametrize("where", [pytest.param("full", marks=pytest.mark.slow), "closed"])
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
    assert result.stderr.strip().splitlines()[-1] == "export-to-cfn: internal error: RuntimeError: injected (a bug; nothing was written)"
    monkeypatch.delenv("EXPORT_TO_CFN_DEBUG")  # unset: no traceback, and the line says how to get one
    result = cli("convert", EXPORT)
    assert result.exit_code == 123 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "export-to-cfn: internal error: RuntimeError: injected (a bug; nothing was written; set EXPORT_TO_CFN_DEBUG=1 for the traceback)"]


# ---- Multi-file writes under signals --------------------------------------------------------------

SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT]  # Ctrl-C, kill, the terminal gone, Ctrl-\


@pytest.mark.parametrize("sig", SIGNALS, ids=[s.name for s in SIGNALS])
def test_signal_at_the_rename_phase_rolls_back_every_file(project, tmp_path, sig):
    """A real process, stopped after its first rename (of two files: the template and backend-config.json):
    the rename already done is undone, temp files are removed, and the message says so. SIGHUP left the
    template new, backend-config.json old and five .tmp files behind."""
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


@pytest.mark.parametrize("sig", SIGNALS[1:], ids=[s.name for s in SIGNALS[1:]])
def test_sigterm_outside_the_write_is_like_sigint(tmp_path, sig):
    """SIGTERM (SIGHUP, SIGQUIT) while reading stdin (a long wait): unwinds like Ctrl-C, one line, exit 128 + n."""
    proc = subprocess.Popen([sys.executable, "-m", "exporter", "convert", "/dev/stdin"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    # Ready when it reads: 1 MB is 16 times a pipe's buffer, so this write returns only once the process
    # has read nearly all of it, i.e. it is in its read loop, waiting for bytes (or EOF) that never come.
    # (A fixed sleep raced with a slow start-up on a loaded machine.)
    proc.stdin.write(b" " * (1 << 20))
    proc.stdin.flush()
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + sig, err
    assert err.decode().strip() == f"export-to-cfn: interrupted ({sig.name}); nothing was written"


# ---- Control characters never reach a terminal raw ------------------------------------------------

# ESC, BEL, CR, CSI; a newline (a line of its own), a right-to-left override and an isolate (text shown
# reversed), a zero-width space and a BOM (invisible)
RAW = ("\x1b", "\x07", "\r", "\x9b", "\n", "\u202e", "\u2066", "\u200b", "\ufeff")
EVIL = "/evil\x1b]0;pwned\x07\r\x1b[2Kfine\x9b31m\nwrote everything\u202etxt.exe\u2066\u200b\ufeff"
EVIL_SHOWN = "/evil\\x1b]0;pwned\\x07\\r\\x1b[2Kfine\\x9b31m\\nwrote everything\\u202etxt.exe\\u2066\\u200b\\ufeff"


def _hostile_export(tmp_path) -> Path:
    import json

    data = json.loads(EXPORT.read_text())
    route = next(iter(data["paths"]))
    data["paths"][EVIL] = data["paths"][route]
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(data, ensure_ascii=False))
    return path


def _no_raw(text: str) -> None:
    """No raw control or invisible character from the route name, and no line the route name made."""
    for c in RAW:
        if c != "\n":
            assert c not in text, f"{c!r} reached the output"
    assert not [line for line in text.splitlines() if line.lstrip(" |`>+-").startswith("wrote everything")], "a forged line"


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_route_names_are_escaped_in_reports(project, tmp_path, cli, fmt):
    evil = _hostile_export(tmp_path)
    result = cli("diff", evil, "-t", project / TEMPLATE, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    _no_raw(result.stdout)
    _no_raw(result.stderr)
    if fmt == "text":
        assert f"+ ANY {EVIL_SHOWN}" in result.stdout
    else:  # Markdown escapes the rest of the route name its own way
        assert "evil\\x1b" in result.stdout and "\\nwrote everything\\u202etxt.exe" in result.stdout
    out = tmp_path / f"preview.{fmt}"
    assert cli("diff", evil, "-t", project / TEMPLATE, "--format", fmt, "-o", out).exit_code == 0
    _no_raw(out.read_text())


def test_route_names_are_escaped_in_the_audit_report(tmp_path, cli):
    result = cli("audit", _hostile_export(tmp_path))
    assert result.exit_code == 1, result.stderr
    _no_raw(result.stdout)
    assert f": /paths/{EVIL_SHOWN.replace('/', '~1')}/x-amazon-apigateway-any-method/" in result.stdout


def test_messages_escape_newlines_in_file_names_and_env(tmp_path, cli):
    forged = tmp_path / "x\nexport-to-cfn: error: forged line\x1b[1A.json"
    result = cli("convert", forged)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "\\nexport-to-cfn: error: forged line\\x1b[1A.json: no such file" in result.stderr
    result = cli("convert", EXPORT, "--env", "dev\nwrote everything\r")
    assert "\r" not in result.stderr and "\nwrote everything" not in result.stderr


# ---- Silently wrong output ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["my-param", "A.B", "x" * 256, "Ünïcode"])
def test_bind_names_are_cloudformation_parameter_names(cli, name, tmp_path):
    result = cli("convert", EXPORT, "--bind", f"{name}=123456789012", "-o", tmp_path / "out.json")
    assert result.exit_code == 2
    assert "is not a CloudFormation parameter name" in result.stderr
    assert not (tmp_path / "out.json").exists()
    (tmp_path / ".export-to-cfn.yaml").write_text(f"bindings:\n  '{name}': '123456789012'\n")
    (tmp_path / ".git").mkdir()
    shutil.copy(EXPORT, tmp_path / "export.json")
    result = cli("convert", tmp_path / "export.json")
    assert result.exit_code == 2 and "is not a CloudFormation parameter name" in result.stderr


def test_bind_good_name_still_works(cli):
    assert cli("convert", EXPORT, "--bind", "HelloStepArn9=HelloStep").exit_code == 0


RULE = ("id: team-name\ndescription: Team names that carry the env.\nmatch: 'HelloStep-(?P<env>dev)'\nexamples:\n"
        "  rewrites:\n    - input: 'HelloStep-dev'\n      output: {'Fn::Sub': 'HelloStep-${env}'}\n  unchanged: ['Other']\n")
# (command, -o, the extra arguments): every file a run reads is an input, whoever read it
OVER_AN_INPUT = {
    "diff-template": ("diff", TEMPLATE, ()),
    "diff-export": ("diff", "export.json", ()),
    "diff-backend-config": ("diff", "amplify/backend/backend-config.json", ()),
    "diff-rule-file": ("diff", "team-name.yaml", ("--rules", "team-name.yaml")),
    "diff-rule-in-a-folder": ("diff", "rules/team-name.yaml", ("--rules", "rules")),
    "diff-api-parameters": ("diff", "amplify/backend/api/HelloApi/parameters.json", ()),
    "diff-stack-of-another-resource": ("diff", "amplify/backend/stepFunction/HelloStep/HelloStep-cloudformation-template.json", ()),
    "diff-config": ("diff", ".export-to-cfn.yaml", ()),
    "convert-config": ("convert", ".export-to-cfn.yaml", ()),
    "convert-backend-config": ("convert", "amplify/backend/backend-config.json", ()),
    "convert-rule-file": ("convert", "team-name.yaml", ("--rules", "team-name.yaml")),
    "convert-a-hard-link-of-the-export": ("convert", "link.json", ()),
}


@pytest.mark.parametrize("which", list(OVER_AN_INPUT))
def test_report_never_replaces_an_input(project, cli, monkeypatch, which):
    """`-o` over any file the run read is refused, exit 2, every file as it was: the rule file, the project
    config and every Amplify file were replaced with exit 0 (only the export, template and stage were checked)."""
    command, target, extra = OVER_AN_INPUT[which]
    (project / "team-name.yaml").write_text(RULE)
    (project / "rules").mkdir()
    (project / "rules" / "team-name.yaml").write_text(RULE)
    (project / ".export-to-cfn.yaml").write_text("env: dev\n")
    os.link(project / "export.json", project / "link.json")
    monkeypatch.chdir(project)
    before = snapshot(project)
    result = cli(command, "export.json", "-t", TEMPLATE, *extra, "-o", target)
    assert result.exit_code == 2, result.stderr
    what = "the report" if command == "diff" else "the template"
    assert result.stderr.strip().splitlines()[-1].startswith(f"export-to-cfn: error: -o {target}: that is an input of this run (")
    assert result.stderr.strip().endswith(f"); {what} would replace it. Write it to another file")
    assert snapshot(project) == before


def test_convert_output_never_replaces_the_export(project, cli):
    before = snapshot(project)
    result = cli("convert", project / "export.json", "-o", project / "export.json")
    assert result.exit_code == 2 and "is an input of this run" in result.stderr
    assert snapshot(project) == before


def test_pyproject_with_a_scalar_tool_is_an_input_error(tmp_path, cli):
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text("tool = 5\n")
    shutil.copy(EXPORT, tmp_path / "export.json")
    result = cli("convert", tmp_path / "export.json")
    assert result.exit_code == 2, result.stderr
    assert result.stderr.strip() == f"export-to-cfn: error: {tmp_path / 'pyproject.toml'}: 'tool' is a number, expected a table ([tool.export-to-cfn] ...)"


def test_becomes_with_a_sub_escape_agrees_across_check_test_and_convert(tmp_path, cli):
    """`${!x}` in `becomes` is Fn::Sub's literal escape: valid to `rules check`; `rules test` and `convert`
    both say the rewrite changes the value (convert crashed with IndexError: exit 123)."""
    rule = tmp_path / "x.yaml"
    rule.write_text("id: x\ndescription: Makes a literal with a Sub escape.\nmatch: 'HelloStep-(?P<env>dev)'\nbecomes: '${!x}'\n"
                    "examples:\n  rewrites:\n    - input: 'HelloStep-dev'\n      output: '${!x}'\n  unchanged:\n    - 'Other'\n")
    assert cli("rules", "check", rule).exit_code == 0
    tested = cli("rules", "test", rule)
    assert tested.exit_code == 1 and "does not resolve back to the input" in tested.stdout
    converted = cli("convert", EXPORT, "--rules", rule, "-o", tmp_path / "out.json")
    assert converted.exit_code == 2, converted.stderr
    assert "rule 'x'" in converted.stderr and "does not resolve back to the input" in converted.stderr
    assert not (tmp_path / "out.json").exists()


# ---- Never returns: patterns the user passes to audit --------------------------------------------

SLOW = "a*a*a*a*a*a*b"  # passes the catastrophic check, but polynomial: O(n^6) on a run of a's before a stray "cb"


def _long_a(tmp_path):
    import json

    path = tmp_path / "t.json"
    path.write_text(json.dumps({"swagger": "2.0", "info": {"title": "a" * 1000 + "cb"}, "paths": {}}))
    return path


def test_audit_allow_refuses_a_catastrophic_pattern(tmp_path, cli):
    result = cli("audit", _long_a(tmp_path), "--allow", "(a+)+$")
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("export-to-cfn: error: --allow '(a+)+$': nested unbounded repeats")


@pytest.mark.slow
def test_audit_allow_and_allow_rules_run_under_the_time_limit(tmp_path, cli):
    doc = _long_a(tmp_path)
    t0 = time.monotonic()
    result = cli("audit", doc, "--allow", SLOW)
    assert result.exit_code == 2 and "ran longer than" in result.stderr, result.stderr
    rule = tmp_path / "slow-allow.yaml"
    rule.write_text(f"id: slow-allow\ndescription: An allow rule whose pattern is slow on long runs.\nmatch: '{SLOW}'\nallow: true\n"
                    "examples:\n  rewrites:\n    - input: 'arn:aws:iam::123456789012:role/api'\n"
                    "      output: {'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/api'}\n  unchanged: ['aab']\n")
    assert cli("rules", "check", rule).exit_code == 0
    result = cli("audit", doc, "--rules", rule)
    assert result.exit_code == 2, result.stderr
    assert "rule 'slow-allow'" in result.stderr and "ran longer than" in result.stderr
    assert time.monotonic() - t0 < 30


# ---- Reads and writes outside what the user named ------------------------------------------------

def _backend_config(project):
    import json

    path = project / "amplify" / "backend" / "backend-config.json"
    return path, json.loads(path.read_text())


@pytest.mark.parametrize("where", ["resource", "depends-on"])
def test_a_resource_name_that_is_a_path_is_refused(project, tmp_path, cli, where):
    """`../../../../outside` in backend-config.json: the tool read and evaluated a template outside the
    project and wrote ${function../../../../outsideArn} into the Body."""
    import json

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "outside-cloudformation-template.json").write_text(json.dumps(
        {"Resources": {}, "Outputs": {"Arn": {"Value": "arn:aws:states:ap-northeast-1:123456789012:stateMachine:HelloStep-dev"}}}))
    path, config = _backend_config(project)
    evil = os.path.relpath(outside, project / "amplify" / "backend" / "function")
    if where == "resource":
        config["function"][evil] = {"service": "Lambda", "providerPlugin": "awscloudformation"}
    else:
        config["api"]["HelloApi"]["dependsOn"].append({"category": "function", "resourceName": evil, "attributes": ["Arn"]})
    path.write_text(json.dumps(config, indent=2))
    before = snapshot(project)
    result = cli("convert", EXPORT, "-t", project / TEMPLATE, "--in-place")
    assert result.exit_code == 2, result.stderr
    assert f"backend-config.json: resource name '{evil}' is not an Amplify resource name" in result.stderr
    assert snapshot(project) == before


FIFO = "is a FIFO (named pipe), not a regular file; refusing to read it"
DEVICE = "is a device or special file, not a regular file; refusing to read it"
# (the file, what it is made, what read_bytes says): an is_file() test passed over each in silence
SPECIAL_PROJECT_FILES = {
    "backend-config-dev-zero": ("amplify/backend/backend-config.json", "/dev/zero", DEVICE),  # was: a plain template
    "team-provider-info-fifo": ("amplify/team-provider-info.json", "fifo", FIFO),
    "amplify-meta-fifo": ("amplify/backend/amplify-meta.json", "fifo", FIFO),
    "local-env-info-fifo": ("amplify/.config/local-env-info.json", "fifo", FIFO),
    "api-parameters-fifo": ("amplify/backend/api/HelloApi/parameters.json", "fifo", FIFO),
    "config-fifo": (".export-to-cfn.yaml", "fifo", FIFO),
    "pyproject-fifo": ("pyproject.toml", "fifo", FIFO),
    "rule-in-a-folder-fifo": ("rules/a.yaml", "fifo", FIFO),
}


@pytest.mark.parametrize("which", list(SPECIAL_PROJECT_FILES))
def test_a_project_file_that_is_a_fifo_or_a_device_is_refused(project, cli, which):
    """README: a named FIFO or a device is refused before a byte is read. Project files were looked for
    with is_file(), so such a file was skipped and the run went on in another mode with exit 0."""
    rel, kind, message = SPECIAL_PROJECT_FILES[which]
    path = project / rel
    (project / ".git").mkdir()  # the config's walk stops here
    (project / "rules").mkdir()
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to(kind)
    before = snapshot(project)
    args = ("--rules", project / "rules") if rel.startswith("rules/") else ()
    result = cli("convert", EXPORT, "-t", project / TEMPLATE, *args, "--in-place")
    assert result.exit_code == 2, result.stderr
    assert result.stderr.strip().splitlines()[-1] == f"export-to-cfn: error: {path}: {message}"
    assert snapshot(project) == before


def test_project_files_that_link_outside_are_not_written_through(project, tmp_path, cli):
    path, _ = _backend_config(project)
    elsewhere = tmp_path / "elsewhere.json"
    shutil.move(path, elsewhere)
    path.symlink_to(elsewhere)
    before, outside_before = snapshot(project), elsewhere.read_bytes()
    result = cli("convert", EXPORT, "-t", project / TEMPLATE, "--in-place")
    assert result.exit_code == 2, result.stderr
    assert f"{path}: is a symlink to {elsewhere}, outside the Amplify project" in result.stderr
    assert snapshot(project) == before and elsewhere.read_bytes() == outside_before
    # the template itself is what the user named: a link to it is still written through (README)


def _config_case(tmp_path):
    """A planted .export-to-cfn.yaml binding in a folder above the user's project (a shared parent)."""
    shared = tmp_path / "shared"
    app = shared / "app"
    (app / "api").mkdir(parents=True)
    shutil.copy(EXPORT, app / "api" / "export.json")
    planted = shared / ".export-to-cfn.yaml"
    planted.write_text("bindings:\n  Planted: '123456789012'\n")
    return app, planted


def test_config_above_the_project_root_is_not_read(tmp_path, cli):
    app, planted = _config_case(tmp_path)
    (app / ".git").mkdir()
    result = cli("convert", app / "api" / "export.json")
    assert result.exit_code == 0, result.stderr
    assert "Planted" not in result.stdout and "config:" not in result.stderr
    shutil.rmtree(app / ".git")  # the control: without a root, the walk reaches it
    assert "Planted" in cli("convert", app / "api" / "export.json").stdout


def test_config_stops_at_the_amplify_project_root(project, cli):
    (project.parent / ".export-to-cfn.yaml").write_text("bindings:\n  Planted: '123456789012'\n")
    result = cli("convert", EXPORT, "-t", project / TEMPLATE)
    assert result.exit_code == 0, result.stderr
    assert "Planted" not in result.stdout and "config:" not in result.stderr


@pytest.mark.parametrize("how", ["other-owner", "world-writable"])
def test_a_config_someone_else_controls_is_ignored_with_a_warning(tmp_path, cli, how):
    app, planted = _config_case(tmp_path)
    if how == "other-owner":
        if os.getuid() != 0:
            pytest.skip("chown to another user needs root")
        os.chown(planted, 12345, 12345)
    else:
        planted.chmod(0o666)
    result = cli("convert", app / "api" / "export.json")
    assert result.exit_code == 0, result.stderr
    assert "Planted" not in result.stdout
    why = "owned by another user" if how == "other-owner" else "writable by other users"
    assert f"warning: ignored config {planted} ({why})" in result.stderr


# ---- A new parameter never takes over a name the template already has ---------------------------

def _vpc_link_export(tmp_path) -> Path:
    import json

    data = json.loads(EXPORT.read_text())
    data["paths"]["/private"] = {"get": {"responses": {}, "x-amazon-apigateway-integration": {
        "type": "http_proxy", "connectionType": "VPC_LINK", "connectionId": "x1y2z3", "httpMethod": "GET",
        "uri": "http://internal.example.com/", "passthroughBehavior": "when_no_match"}}}
    path = tmp_path / "export.json"
    path.write_text(json.dumps(data, indent=2))
    return path


def _template_with(tmp_path, name, decl, section="Parameters") -> Path:
    import json

    api = {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "x", "Body": {}}}
    if section == "Resources":
        template = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Api": api, name: decl}}
    else:
        template = {"AWSTemplateFormatVersion": "2010-09-09", section: {name: decl}, "Resources": {"Api": api}}
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template, indent=2) + "\n")
    return path


def _connection(template_path):
    import json

    t = json.loads(template_path.read_text())
    return t, t["Resources"]["Api"]["Properties"]["Body"]["paths"]["/private"]["get"]["x-amazon-apigateway-integration"]["connectionId"]


@pytest.mark.parametrize("name,decl,section,want", [
    ("VpcLinkId", {"Type": "String", "Default": "old999"}, "Parameters", "VpcLinkId2"),  # another value: a free name
    ("VpcLinkId", {"Type": "Number", "Default": 5}, "Parameters", "VpcLinkId2"),  # the `Stage` Number case
    ("VpcLinkId", {"Type": "AWS::SNS::Topic"}, "Resources", "VpcLinkId2"),  # a resource's Ref is its id
    ("VpcLinkId", {"Type": "String", "Default": "x1y2z3"}, "Parameters", "VpcLinkId"),  # the same value: reused
    # issue 11 C2, by name and shape: a String of the rule's name in any case that states no value is the deploy's
    ("VPCLinkID", {"Type": "String"}, "Parameters", "VPCLinkID"),
    ("VpcLinkId", {"Type": "String", "Description": "the link"}, "Parameters", "VpcLinkId"),
    ("VPCLinkId", {"Type": "String", "AllowedValues": ["x1y2z3", "a9b8c7"]}, "Parameters", "VPCLinkId"),
    ("VpcLinkId", {"Type": "String", "AllowedValues": ["a9b8c7"]}, "Parameters", "VpcLinkId2"),  # cannot hold it
    ("VPCLinkID", {"Type": "String", "Default": "old999"}, "Parameters", "VpcLinkId"),  # another value: not it
], ids=["other-value", "number-parameter", "resource", "same-value", "name-any-case", "name-no-default",
        "allowed-lists-it", "allowed-without-it", "other-case-other-value"])
def test_new_parameter_never_collides(tmp_path, cli, name, decl, section, want):
    export = _vpc_link_export(tmp_path)
    template = _template_with(tmp_path, name, decl, section)
    result = cli("convert", export, "-t", template, "--in-place")
    assert result.exit_code == 0, result.stderr
    t, conn = _connection(template)
    assert conn == {"Ref": want}
    if section == "Parameters":
        assert t["Parameters"][name] == decl, "the template's own parameter changed"
        assert set(t["Parameters"]) == {name, want, "env"}, "a twin parameter was declared"
    if want != name:
        assert t["Parameters"][want] == {"Type": "String", "Default": "x1y2z3"}
        assert f"new parameter {want} = x1y2z3" in result.stderr
    again = cli("convert", export, "-t", template, "--in-place")  # a second run: nothing to change
    assert again.exit_code == 0 and "nothing to change" in again.stderr, again.stderr


def test_amplify_per_env_value_is_never_overwritten(tmp_path, cli):
    """team-provider-info.json already holds the user's VpcLinkId for this env: the run's id gets its own name."""
    import json

    root = tmp_path / "case"
    shutil.copytree(FIXTURES / "amplify-meta-storage-auth", root, ignore=shutil.ignore_patterns("expected"))
    tpi = root / "amplify" / "team-provider-info.json"
    data = json.loads(tpi.read_text())
    data["prod"]["categories"]["api"] = {"shopApi": {"VpcLinkId": "old999"}}
    tpi.write_text(json.dumps(data, indent=2))
    template = root / "amplify/backend/api/shopApi/shopApi-cloudformation-template.json"
    result = cli("convert", root / "export.json", "-t", template, "--in-place")
    assert result.exit_code == 0, result.stderr
    after = json.loads(tpi.read_text())["prod"]["categories"]["api"]["shopApi"]
    assert after == {"VpcLinkId": "old999", "VpcLinkId2": "x1y2z3"}
    body = json.loads(template.read_text())["Resources"]["shopApi"]["Properties"]["Body"]
    assert '{"Ref": "VpcLinkId2"}' in json.dumps(body) and "VpcLinkId\"}" not in json.dumps(body)


def test_bind_to_a_parameter_with_another_value_is_refused(tmp_path, cli):
    template = _template_with(tmp_path, "HelloStepName", {"Type": "String", "Default": "Other"})
    before = template.read_bytes()
    result = cli("convert", EXPORT, "-t", template, "--bind", "HelloStepName=HelloStep", "--in-place")
    assert result.exit_code == 2
    assert "the template already has parameter HelloStepName with the value 'Other'" in result.stderr
    assert template.read_bytes() == before


def _body_names(template: dict, api: str) -> set[str]:
    from exporter.resolve import names_used

    return {n for n in names_used(template["Resources"][api]["Properties"]["Body"]) if not n.startswith("AWS::")}


def _deploys_to_the_export(template: dict, api: str, export: Path, env_param: str | None, env: str = "dev") -> None:
    """Resolved with what the output deploys with (its parameters' Defaults; the env parameter given the
    env), the Body is the export: nothing resolves with a value the run only had in mind."""
    import json

    from semantic import differences, home_of

    data = json.loads(export.read_text())
    values = {**home_of(data), **{n: str(p["Default"]) for n, p in (template.get("Parameters") or {}).items() if "Default" in p}}
    if env_param:
        values[env_param] = env
    assert differences(template["Resources"][api]["Properties"]["Body"], data, values, template) == []


@pytest.mark.parametrize("decl,want", [
    ({"Type": "String", "Default": "prod"}, "env2"),  # another env's Default, nothing saying it takes dev
    ({"Type": "Number", "Default": 5}, "env2"),
    ({"Type": "String", "AllowedValues": ["prod", "test"]}, "env2"),  # no deploy can give it dev
    ({"Type": "String"}, "env"),  # states no value: the deploy of dev passes dev
    ({"Type": "String", "Default": "dev"}, "env"),
    ({"Type": "String", "Default": "prod", "AllowedValues": ["dev", "prod"]}, "env"),  # made for several envs
], ids=["string-other-default", "number", "allowed-without-env", "no-default", "default-env", "allowed-with-env"])
def test_the_env_parameter_never_takes_over_one_that_cannot_carry_the_env(tmp_path, cli, decl, want):
    """A template `env` Default prod (or a Number) and an export from dev: the Body used ${env} while env
    kept Default prod / stayed a Number, and the run said 'proof' (exit 0)."""
    import json

    template = _template_with(tmp_path, "env", decl)
    result = cli("convert", EXPORT, "-t", template, "--in-place")
    assert result.exit_code == 0, result.stderr
    t = json.loads(template.read_text())
    assert t["Parameters"]["env"] == decl, "the template's own parameter changed"
    integration = t["Resources"]["Api"]["Properties"]["Body"]["paths"]["/hello"]["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]
    assert integration["credentials"] == {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/exampleamplifyapiwitStatesExecutionRole-${%s}" % want}
    assert _body_names(t, "Api") == {want}
    if want != "env":
        assert t["Parameters"][want] == {"Type": "String"}
    _deploys_to_the_export(t, "Api", EXPORT, want)


HELLO_STEP = "arn:aws:states:ap-northeast-1:123456789012:stateMachine:HelloStep-dev"


@pytest.mark.parametrize("name,message", [
    ("RestApi", "--bind RestApi=%s: RestApi is already a resource the standalone template writes (AWS::ApiGateway::RestApi), "
                "not a String parameter that could hold it; pick another name" % HELLO_STEP),
    ("Stage", "--bind Stage=%s: Stage is already a resource the standalone template writes (AWS::ApiGateway::Stage)" % HELLO_STEP),
], ids=["RestApi", "Stage"])
def test_bind_to_a_standalone_resource_is_refused(tmp_path, cli, name, message):
    """--bind RestApi=<arn> made the standalone Body Ref its own API (E3004, a circular reference), exit 0."""
    out = tmp_path / "out.json"
    result = cli("convert", EXPORT, "--bind", f"{name}={HELLO_STEP}", "-o", out)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith(f"export-to-cfn: error: {message}"), result.stderr
    assert not out.exists()


@pytest.mark.parametrize("name,decl,section,message", [
    ("N", {"Type": "Number", "Default": 3}, "Parameters", "N is already a Number parameter, not a String parameter"),
    ("Q", {"Type": "AWS::SQS::Queue"}, "Resources", "Q is already a resource (AWS::SQS::Queue), not a String parameter"),
    ("L", {"Type": "String", "AllowedValues": ["a", "b"]}, "Parameters", "parameter L allows only 'a', 'b'"),
    ("IsProd", {"Fn::Equals": ["a", "b"]}, "Conditions", "IsProd is already a condition"),
], ids=["number-parameter", "resource", "allowed-values", "condition"])
def test_bind_to_a_name_the_template_uses_for_something_else_is_refused(tmp_path, cli, name, decl, section, message):
    """--bind N=<arn> wrote ${N} resolving to 3, --bind Q=<arn> a Ref to the queue, both with exit 0."""
    template = _template_with(tmp_path, name, decl, section)
    before = template.read_bytes()
    result = cli("convert", EXPORT, "-t", template, "--bind", f"{name}={HELLO_STEP}", "--in-place")
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith(f"export-to-cfn: error: --bind {name}={HELLO_STEP}: {message}"), result.stderr
    assert template.read_bytes() == before


def test_bind_to_the_env_parameter_name(tmp_path, cli):
    """A --bind named like the env parameter with another value: the env moves to a free name, except in an
    Amplify project, whose `env` Amplify passes: refused there (it was a rewrite blamed on a rule)."""
    import json

    out = tmp_path / "out.json"
    result = cli("convert", EXPORT, "--bind", f"env={HELLO_STEP}", "-o", out)
    assert result.exit_code == 0, result.stderr
    t = json.loads(out.read_text())
    assert t["Parameters"]["env"] == {"Type": "String", "Default": HELLO_STEP}
    assert t["Parameters"]["env2"] == {"Type": "String", "Default": "dev"}
    _deploys_to_the_export(t, "RestApi", EXPORT, "env2")
    project = tmp_path / "project"
    shutil.copytree(CASE, project, ignore=shutil.ignore_patterns("expected"))
    template = project / TEMPLATE
    before = template.read_bytes()
    result = cli("convert", project / "export.json", "-t", template, "--bind", f"env={HELLO_STEP}", "--in-place")
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith(f"export-to-cfn: error: --bind env={HELLO_STEP}: env is the environment parameter, "
                                    "dev in this run; pick another name"), result.stderr
    assert template.read_bytes() == before


def test_bind_to_a_string_parameter_stating_no_value_uses_it(tmp_path, cli):
    """The user names the template's own value-less parameter: a deploy passes it the literal."""
    import json

    template = _template_with(tmp_path, "HelloStepArn", {"Type": "String", "Description": "the state machine"})
    result = cli("convert", EXPORT, "-t", template, "--bind", f"HelloStepArn={HELLO_STEP}", "--in-place")
    assert result.exit_code == 0, result.stderr
    t = json.loads(template.read_text())
    assert t["Parameters"]["HelloStepArn"] == {"Type": "String", "Description": "the state machine"}
    assert _body_names(t, "Api") == {"HelloStepArn", "env"}


def test_the_standalone_ids_give_way_to_a_bound_name(tmp_path, cli):
    """A bound name equal to an id the standalone template invents (a Lambda permission, a stage variable's
    parameter): the invented id moves (it was a Ref to the permission, or the stage proof's exit 123)."""
    import json

    case = FIXTURES / "multi-account"
    out = tmp_path / "out.json"
    result = cli("convert", case / "export.json", "--bind", "ListInvoicesInvokePermission=list-invoices", "-o", out)
    assert result.exit_code == 0, result.stderr
    t = json.loads(out.read_text())
    assert t["Parameters"]["ListInvoicesInvokePermission"] == {"Type": "String", "Default": "list-invoices"}
    assert t["Resources"]["ListInvoicesInvokePermission2"]["Type"] == "AWS::Lambda::Permission"
    assert "ListInvoicesInvokePermission" not in t["Resources"]
    case = FIXTURES / "stage-settings"
    result = cli("convert", case / "export.json", "--stage", case / "stage.json", "--bind", "StageVariableBackendHost=pets-api-invoke",
                 "-o", out)
    assert result.exit_code == 0, result.stderr
    t = json.loads(out.read_text())
    assert t["Parameters"]["StageVariableBackendHost"] == {"Type": "String", "Default": "pets-api-invoke"}
    assert t["Parameters"]["StageVariableBackendHost2"]["Default"] == "pets.internal.example.com"
    assert t["Resources"]["Stage"]["Properties"]["Variables"]["backendHost"] == {"Ref": "StageVariableBackendHost2"}


@pytest.mark.parametrize("group,want", [("param_RestApi", "RestApi2"), ("param_Stage", "Stage2")])
def test_a_rule_parameter_never_takes_a_standalone_resource_id(tmp_path, cli, group, want):
    """(?P<param_RestApi>...) made the standalone Body reference its own RestApi (E3004, circular), exit 0."""
    import json

    rule = tmp_path / "state-machine-name.yaml"
    rule.write_text("id: state-machine-name\ndescription: The state machine's name becomes a parameter, for the test.\n"
                    f"priority: 95\nmatch: 'stateMachine:(?P<{group}>HelloStep-dev)(?![A-Za-z0-9-])'\nexamples:\n  rewrites:\n"
                    "    - input: 'arn:aws:states:us-east-1:123456789012:stateMachine:HelloStep-dev'\n"
                    f"      output: {{'Fn::Sub': 'arn:${{AWS::Partition}}:states:${{AWS::Region}}:${{AWS::AccountId}}:stateMachine:${{{group[6:]}}}'}}\n"
                    "  unchanged: ['Other']\n")
    out = tmp_path / "out.json"
    result = cli("convert", EXPORT, "--rules", rule, "-o", out)
    assert result.exit_code == 0, result.stderr
    t = json.loads(out.read_text())
    assert t["Parameters"][want] == {"Type": "String", "Default": "HelloStep-dev"}
    assert want in _body_names(t, "RestApi") and group[6:] not in _body_names(t, "RestApi")
    assert t["Resources"][group[6:]]["Type"].startswith("AWS::ApiGateway::")
    _deploys_to_the_export(t, "RestApi", EXPORT, "env")


# ---- Issue 11, robustness: unbounded runs, encodings ------------------------------------------------

def test_a_user_rule_has_a_matching_budget_for_the_whole_run(tmp_path, cli, monkeypatch):
    """Each match under the 1 s limit, but over many strings a slow pattern ran past 60 s: the run's
    total per rule is capped, and the message names the rule."""
    import exporter.rules.patterns

    rule = tmp_path / "team-name.yaml"
    rule.write_text("id: team-name\ndescription: Team names that carry the env, for the budget test.\n"
                    "match: 'HelloStep-(?P<env>dev)'\nexamples:\n  rewrites:\n    - input: 'HelloStep-dev'\n"
                    "      output: {'Fn::Sub': 'HelloStep-${env}'}\n  unchanged: ['Other']\n")
    assert cli("convert", EXPORT, "--rules", rule).exit_code == 0  # the control: within budget
    monkeypatch.setattr(exporter.rules.patterns, "MATCH_BUDGET", 0.0)
    result = cli("convert", EXPORT, "--rules", rule, "-o", tmp_path / "out.json")
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith(f"export-to-cfn: error: {rule}: rule 'team-name': its 'match' pattern has run")
    assert not (tmp_path / "out.json").exists()


def _rule_file(folder: Path, rule_id: str, allow: bool = False) -> Path:
    """A user rule that matches nothing in the export (so each one runs on the same strings, alone or not)."""
    path = folder / f"{rule_id}.yaml"
    body = ("allow: true\nexamples:\n  rewrites:\n    - input: 'arn:aws:iam::123456789012:role/api'\n"
            "      output: {'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/api'}\n  unchanged: ['Other']\n"
            if allow else
            "examples:\n  rewrites:\n    - input: 'Nowhere-dev'\n      output: {'Fn::Sub': 'Nowhere-${env}'}\n  unchanged: ['Other']\n")
    path.write_text(f"id: {rule_id}\ndescription: A rule for the shared budget test.\nmatch: 'Nowhere-(?P<env>dev)'\n{body}")
    return path


class _FakeClock:
    """Each reading one step later: every charged match costs the same, so a budget test needs no real time."""

    def __init__(self) -> None:
        self.readings = 0

    def __call__(self) -> float:
        self.readings += 1
        return self.readings * 0.001

    def cost(self) -> float:  # of what ran since the last reset: two readings (start, end) per match
        return self.readings // 2 * 0.001


def _charged(monkeypatch, cli, *args) -> float:
    import exporter.rules.patterns

    clock = _FakeClock()
    monkeypatch.setattr(exporter.rules.patterns, "_clock", clock)
    result = cli(*args)
    assert result.exit_code in (0, 1), result.stderr
    return clock.cost()


@pytest.mark.parametrize("command", ["convert", "audit"])
def test_every_user_pattern_shares_one_matching_budget(tmp_path, cli, monkeypatch, command):
    """One budget per run for every user rule and --allow pattern together: with a budget each, four slow
    rules ran 80 s. Each pattern alone fits the budget; together they do not, and the message names the
    one that used it up."""
    import re

    import exporter.rules.patterns

    a = _rule_file(tmp_path, "team-a", allow=command == "audit")
    b = _rule_file(tmp_path, "team-b", allow=command == "audit")
    first = ("--rules", a) if command == "convert" else ("--allow", "Nowhere-dev")
    second = ("--rules", b)
    alone = [_charged(monkeypatch, cli, command, EXPORT, *first), _charged(monkeypatch, cli, command, EXPORT, *second)]
    assert min(alone) > 0, "a user pattern was not charged"
    monkeypatch.setattr(exporter.rules.patterns, "MATCH_BUDGET", max(alone) + 0.0005)  # room for either alone
    for args in (first, second):
        monkeypatch.setattr(exporter.rules.patterns, "_clock", _FakeClock())
        assert cli(command, EXPORT, *args).exit_code in (0, 1)
    monkeypatch.setattr(exporter.rules.patterns, "_clock", _FakeClock())
    result = cli(command, EXPORT, *first, *second, "-o" if command == "convert" else "--format", tmp_path / "out.json" if command == "convert" else "text")
    assert result.exit_code == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()[-1:]
    who = r"--allow 'Nowhere-dev': the pattern" if command == "audit" else None
    named = re.match(r"export-to-cfn: error: (?:(?P<file>\S+): )?(?P<who>rule '(?P<id>[\w-]+)': its 'match' pattern|--allow '[^']+': the pattern) "
                     r"has run [\d.]+ s in this run and, with the other user patterns, used up the [\d.]+ s budget all user rules "
                     r"and --allow patterns share", line)
    assert named, line
    if named["id"]:  # a rule: its file named too
        assert named["file"] == str({"team-a": a, "team-b": b}[named["id"]])
    else:
        assert named["who"] == who
    assert not (tmp_path / "out.json").exists()


@pytest.mark.parametrize("encoding", ["ascii", pytest.param("latin-1", marks=pytest.mark.slow)])
def test_non_ascii_paths_and_values_under_a_narrow_encoding(tmp_path, encoding):
    import json

    folder = tmp_path / "ünï☕"
    folder.mkdir()
    data = json.loads(EXPORT.read_text())
    data["info"]["description"] = "café ☕"
    (folder / "export.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    env = {"PYTHONIOENCODING": encoding, "LC_ALL": "C"}
    converted = run("convert", folder / "export.json", env=env)
    assert converted.returncode == 0, converted.stderr
    assert "café ☕".encode() in converted.stdout  # a template is UTF-8 whatever the locale
    audited = run("audit", folder / "export.json", env=env)
    assert audited.returncode == 1, audited.stderr
    assert f"{folder}/export.json:".encode() in audited.stdout
    missing = run("convert", folder / "nope.json", env=env)
    assert missing.returncode == 2
    assert b"Traceback" not in missing.stderr and missing.stderr.decode(encoding).count("\n") == 1


ASCII_LOCALE = {"PYTHONUTF8": "0", "LC_ALL": "C", "PYTHONIOENCODING": ""}  # argv and paths: ASCII + surrogateescape


@pytest.fixture
def ascii_locale_case(tmp_path, project):
    """A folder named ünï☕ holding the export, and the Amplify project under ünï☕ too, run from tmp_path with
    relative paths: Python keeps each non-ASCII byte of argv as a lone surrogate (PEP 383)."""
    probe = subprocess.run(
        [sys.executable, "-c", "import sys; print(sys.getfilesystemencoding())"], capture_output=True, text=True,
        env={**os.environ, **ASCII_LOCALE})
    if probe.stdout.strip() != "ascii":
        pytest.skip(f"LC_ALL=C PYTHONUTF8=0 gives file system encoding {probe.stdout.strip()} here, not ascii")
    folder = tmp_path / "ünï☕"
    shutil.copytree(project, folder)
    return folder


@pytest.mark.parametrize("fmt", ["text", pytest.param("json", marks=pytest.mark.slow), "sarif"])
def test_audit_of_a_non_ascii_path_under_an_ascii_locale(ascii_locale_case, tmp_path, fmt):
    """`audit ünï☕/export.json --format sarif` was exit 123 (UnicodeEncodeError: surrogates); text said
    'cannot write to stdout' (exit 2). The path must come out as the name it is, in every format."""
    from urllib.parse import quote
    import json

    proc = run("audit", "ünï☕/export.json", "--format", fmt, env=ASCII_LOCALE, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.decode("ascii").endswith(" environment-specific literal(s) in 1 of 1 file(s)\n")
    if fmt == "text":
        assert proc.stdout.decode("utf-8").startswith("ünï☕/export.json:")
    elif fmt == "json":
        assert {f["file"] for f in json.loads(proc.stdout)["findings"]} == {"ünï☕/export.json"}
    else:
        uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in json.loads(proc.stdout)["runs"][0]["results"]}
        assert uris == {quote("ünï☕/export.json")}
    missing = run("audit", "ünï☕/nope.json", env=ASCII_LOCALE, cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.decode("ascii") == "export-to-cfn: error: \\xfcn\\xef\\u2615/nope.json: no such file\n"


@pytest.mark.parametrize("fmt", [pytest.param(f, marks=pytest.mark.slow) for f in ("text", "markdown", "json")])  # (audit's text runs in the quick loop)
def test_diff_of_a_non_ascii_path_under_an_ascii_locale(ascii_locale_case, tmp_path, fmt):
    import json

    template = f"ünï☕/{TEMPLATE}"
    proc = run("diff", "ünï☕/export.json", "-t", template, "--format", fmt, env=ASCII_LOCALE, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode("utf-8")
    if fmt == "text":
        assert out.startswith(f"export-to-cfn diff: {template} (HelloApi)\n")
    elif fmt == "json":
        assert json.loads(out)["template"] == template
    else:
        assert f"<code>{template}</code>" in out  # Files that would change
    report = tmp_path / "ünï☕" / f"report.{fmt}"
    written = run("diff", "ünï☕/export.json", "-t", template, "--format", fmt, "-o", f"ünï☕/report.{fmt}", env=ASCII_LOCALE, cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    assert report.read_text(encoding="utf-8") == out


# ---- Issue 11, robustness: Amplify files of the wrong shape (one guard: SHAPES, checked at load) ----
# The cases are data in bad_inputs.PROJECT_CASES (docs/bad-input.md lists them).


@pytest.mark.parametrize("case", PROJECT_CASES, ids=[c.id for c in PROJECT_CASES])
def test_amplify_file_of_the_wrong_shape_is_exit_2_naming_file_and_pointer(tmp_path, cli, case):
    import json

    root = tmp_path / "case"
    shutil.copytree(FIXTURES / PROJECT_CASE, root, ignore=shutil.ignore_patterns("expected"))
    path = root / case.file
    path.write_text(json.dumps(case.change(json.loads(path.read_text())), indent=2))
    before = snapshot(root)
    for args in (("convert", root / "export.json", "-t", root / PROJECT_TEMPLATE, "--in-place"),
                 ("diff", root / "export.json", "-t", root / PROJECT_TEMPLATE)):
        result = cli(*args)
        assert result.exit_code == 2, result.stderr
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith(f"export-to-cfn: error: {path}")
        assert f"{case.expect} (not the shape Amplify writes)" in line
        assert snapshot(root) == before


def test_process_substitution_is_read_like_stdin():
    """`convert <(aws apigateway get-export ...)`: a pipe handed to this process (/dev/fd/N) is read, capped;
    only a named FIFO in the file system is refused (bad_inputs: fifo)."""
    proc = subprocess.run(["bash", "-c", f'"{sys.executable}" -m exporter convert <(cat "{EXPORT}")'], capture_output=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert b'"AWS::ApiGateway::RestApi"' in proc.stdout


# ---- The README's threat model: every promise names a test that exists --------------------------------

def test_every_threat_model_promise_names_a_test_that_exists():
    """README 'Threat model' names, after each promise, the tests that hold it: each must exist (a renamed
    or deleted test would leave a promise without one), and each paragraph must name at least one."""
    import re

    import bad_inputs

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Threat model"):readme.index("## How it works")]
    paragraphs = [p for p in section.split("\n\n") if p.startswith("**")]
    assert [p.split("**")[1] for p in paragraphs] == ["Reads.", "Writes.", "Trusts.", "Says."]
    here = Path(__file__).read_text(encoding="utf-8")
    rows = {case.id for case in bad_inputs.CASES}
    for paragraph in paragraphs:
        text = " ".join(paragraph.split())
        named = 0
        for module, name in re.findall(r"`tests/(\w+\.py)(?:::(\w+))?`", text):
            source = (ROOT / "tests" / module).read_text(encoding="utf-8")
            assert not name or re.search(rf"^def {name}\(", source, re.M), f"{module}::{name} does not exist"
            named += 1
        for name in re.findall(r"(?<![:\w])`(test_\w+)`", text):
            assert re.search(rf"^def {name}\(", here, re.M), f"{name} is not in tests/test_integrity.py"
            named += 1
        for ids in re.findall(r"bad-input ((?:`[\w-]+`(?:, )?)+)", text):
            for row in re.findall(r"`([\w-]+)`", ids):
                assert row in rows, f"bad-input {row} is not a row of tests/bad_inputs.py"
                named += 1
        assert named, f"no test named for: {text[:60]}..."


# ---- Files and folders the user may not read: one line, exit 2 (issue 11) ---------------------------------
# Root reads anything, so as root the run drops the two capabilities that let it (capsh, from libcap2-bin);
# as another user mode 000 is enough.

def _without_read_override() -> list[str] | None:
    if not hasattr(os, "geteuid"):
        return None
    if os.geteuid() != 0:
        return []
    capsh = shutil.which("capsh")
    return [capsh, "--drop=cap_dac_override,cap_dac_read_search", "--"] if capsh else None


UNREADABLE = [("export", "export.json", "export.json' is not readable"),
              ("project-file", "amplify/backend/backend-config.json", "amplify/backend/backend-config.json: permission denied"),
              ("category-folder", "amplify/backend/stepFunction", "amplify/backend/stepFunction/HelloStep: cannot read: Permission denied")]


@pytest.mark.parametrize("what,rel,want", UNREADABLE, ids=[u[0] for u in UNREADABLE])
def test_what_cannot_be_read_is_one_line_and_exit_2(tmp_path, what, rel, want):
    prefix = _without_read_override()
    if prefix is None:
        pytest.skip("running as root without capsh: root reads every file, so nothing here is unreadable")
    project = tmp_path / "p"
    shutil.copytree(FIXTURES / "amplify-stepfunctions", project, ignore=shutil.ignore_patterns("expected"))
    target = project / rel
    target.chmod(0)
    try:
        cmd = [sys.executable, "-m", "exporter", "convert", "export.json", "-t", TEMPLATE, "-o", str(tmp_path / "out.json")]
        if prefix and prefix[0].endswith("capsh"):
            import shlex

            cmd = [*prefix, "-c", shlex.join(cmd)]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=project, env={**os.environ, "PYTHONPATH": str(ROOT)})
    finally:
        target.chmod(0o755 if target.is_dir() else 0o644)
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("export-to-cfn: error: ") and want in line, line
    assert not (tmp_path / "out.json").exists()


def test_stdout_redirected_over_an_input_is_named(tmp_path):
    """`convert export.json -t t.json > t.json`: the shell empties t.json before the run, which then could
    only say the template is empty; it says what happened (found by a new-user trial). diff the same."""
    shutil.copy(EXPORT, tmp_path / "export.json")
    for command in ("convert", "diff"):
        shutil.copy(FIXTURES / "amplify-stepfunctions" / TEMPLATE, tmp_path / "t.json")
        with open(tmp_path / "t.json", "w") as stdout:  # as `> t.json` opens it
            proc = subprocess.run([sys.executable, "-m", "exporter", command, "export.json", "-t", "t.json"], stdout=stdout,
                                  stderr=subprocess.PIPE, text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr == ("export-to-cfn: error: stdout is t.json, an input of this run: the shell emptied it before the run "
                               "started. Restore it (e.g. git checkout), then use --in-place or -o ANOTHER_FILE\n")
