"""The GitHub Action (action.yml) and the pre-commit hooks (.pre-commit-hooks.yaml), tested offline:
their structure is validated (pre-commit's own schema for the hooks), and the commands they run
are run, with `export-to-cfn` on PATH pointing at this checkout, on a copy of the bundled example."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT
from exporter.io.load import load

CASE = FIXTURES / "amplify-stepfunctions"
TEMPLATE = "amplify/backend/api/HelloApi/HelloApi-cloudformation-template.json"
ACTION = load(ROOT / "action.yml").data
HOOKS = load(ROOT / ".pre-commit-hooks.yaml").data


@pytest.fixture
def env(tmp_path) -> dict:
    """An environment whose `export-to-cfn` is this checkout (the installed one may be another)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "export-to-cfn"
    shim.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m exporter \"$@\"\n")
    shim.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}


@pytest.fixture
def case(tmp_path) -> Path:
    work = tmp_path / "repo"
    shutil.copytree(CASE, work, ignore=shutil.ignore_patterns("expected"))
    return work


# ---------------------------------------------------------------------------------------------
# action.yml


def test_action_is_a_composite_action_with_the_documented_inputs():
    assert ACTION["runs"]["using"] == "composite"
    assert {k for k, v in ACTION["inputs"].items() if v.get("required")} == {"export", "template"}
    assert set(ACTION["inputs"]) == {"export", "template", "args", "check", "preview-file", "version"}
    for step in ACTION["runs"]["steps"]:
        assert step["shell"] == "bash" and step["run"].strip() and step["name"]
    runs = [s["run"] for s in ACTION["runs"]["steps"]]
    assert "pip install" in runs[0]
    assert "export-to-cfn diff" in runs[1] and "--format markdown" in runs[1]
    assert "export-to-cfn diff" in runs[2] and "--check" in runs[2]
    # inputs reach the scripts through env only (never pasted into the script: no injection)
    assert not any("${{" in s["run"] for s in ACTION["runs"]["steps"])


def _expand(text: str, inputs: dict) -> str:
    def value(m: re.Match) -> str:
        expr = m.group(1).strip()
        if expr.startswith("inputs."):
            name = expr[len("inputs."):]
            return inputs.get(name, ACTION["inputs"][name].get("default", ""))
        if expr == "github.action_path":
            return str(ROOT)
        raise AssertionError(f"unexpected expression {expr}")

    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def run_action(inputs: dict, cwd: Path, env: dict, tmp_path: Path) -> tuple[int, dict, Path]:
    """Run the action's steps as the runner would (bash -eo pipefail, env from `env:`), except the
    install step, which needs the network: its command is checked instead."""
    out_file, summary = tmp_path / "github_output", tmp_path / "step_summary"
    out_file.write_text("")
    install, *steps = ACTION["runs"]["steps"]
    assert _expand(install["env"]["E2C_ACTION_PATH"], inputs) == str(ROOT)
    code = 0
    for step in steps:
        step_env = {**env, "GITHUB_OUTPUT": str(out_file), "GITHUB_STEP_SUMMARY": str(summary)}
        step_env.update({k: _expand(str(v), inputs) for k, v in (step.get("env") or {}).items()})
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=cwd, env=step_env,
                              capture_output=True, text=True)
        code = proc.returncode
        if code != 0:
            break
    outputs = dict(line.split("=", 1) for line in out_file.read_text().splitlines() if "=" in line)
    return code, outputs, summary


def test_action_posts_the_preview_and_fails_the_check_until_converted(case, env, tmp_path):
    inputs = {"export": "export.json", "template": TEMPLATE}
    code, outputs, summary = run_action(inputs, case, env, tmp_path)
    assert code == 1
    assert outputs == {"preview-file": "export-to-cfn-preview.md", "changed": "true"}
    preview = (case / "export-to-cfn-preview.md").read_text()
    assert preview.startswith("### export-to-cfn: `HelloApi-cloudformation-template.json` (HelloApi)")
    assert "### Security (4)" in preview and summary.read_text() == preview
    subprocess.run(["export-to-cfn", "convert", "export.json", "--template", TEMPLATE, "--in-place"], cwd=case, env=env, check=True,
                   capture_output=True)
    code, outputs, _ = run_action(inputs, case, env, tmp_path)
    assert (code, outputs["changed"]) == (0, "false")


def test_action_check_false_reports_without_failing(case, env, tmp_path):
    code, outputs, _ = run_action({"export": "export.json", "template": TEMPLATE, "check": "false", "args": "--env dev"}, case, env, tmp_path)
    assert (code, outputs["changed"]) == (0, "true")


def test_action_passes_a_usage_error_through(case, env, tmp_path):
    code, _, _ = run_action({"export": "missing.json", "template": TEMPLATE}, case, env, tmp_path)
    assert code == 2


# ---------------------------------------------------------------------------------------------
# .pre-commit-hooks.yaml


def test_hooks_pass_pre_commits_own_manifest_schema():
    clientlib = pytest.importorskip("pre_commit.clientlib")
    hooks = clientlib.load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))
    assert [h["id"] for h in hooks] == ["export-to-cfn-check", "export-to-cfn-convert"]


def test_hook_entries_use_the_installed_console_script():
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    for hook in HOOKS:
        assert shlex.split(hook["entry"])[0] in scripts
        assert hook["language"] == "python" and hook["pass_filenames"] is False


def _hook(hook_id: str, case: Path, env: dict) -> subprocess.CompletedProcess:
    hook = next(h for h in HOOKS if h["id"] == hook_id)
    args = ["export.json", "--template", TEMPLATE]  # what the README tells users to put in `args:`
    return subprocess.run(shlex.split(hook["entry"]) + args, cwd=case, env=env, capture_output=True, text=True)


def test_check_hook_fails_then_passes_after_convert_hook(case, env):
    assert _hook("export-to-cfn-check", case, env).returncode == 1
    template_before = (case / TEMPLATE).read_bytes()
    converted = _hook("export-to-cfn-convert", case, env)
    assert converted.returncode == 0, converted.stderr
    assert "~ ANY /hello" in converted.stdout  # the preview, since the template went to a file
    assert (case / TEMPLATE).read_bytes() != template_before  # pre-commit fails a hook that modifies files
    assert _hook("export-to-cfn-check", case, env).returncode == 0
    again = (case / TEMPLATE).read_bytes()
    assert _hook("export-to-cfn-convert", case, env).returncode == 0 and (case / TEMPLATE).read_bytes() == again


def test_readme_documents_both():
    readme = (ROOT / "README.md").read_text()
    for hook in HOOKS:
        assert f"id: {hook['id']}" in readme
    assert "uses: " in readme and "action.yml" in readme
