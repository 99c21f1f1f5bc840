"""The GitHub Action (action.yml), every step run for real, the install step included: the action's
folder is a clean copy of this tree (as `uses: <owner>/export-to-cfn@main` checks it out), `python3`
is a Python >= 3.11 as actions/setup-python leaves it, and the install goes into a fresh venv under
RUNNER_TEMP from that folder, non-editable, from the package index like on a runner."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from actionrunner import read_yaml, run_action
from installed import ROOT, clean_copy, clean_env, run

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("install")]

CASE = ROOT / "fixtures" / "amplify-stepfunctions"
TEMPLATE = "amplify/backend/api/HelloApi/HelloApi-cloudformation-template.json"
ACTION = read_yaml(ROOT / "action.yml")


@pytest.fixture(scope="module")
def action_dir(tmp_path_factory) -> Path:
    return clean_copy(tmp_path_factory.mktemp("actions") / "export-to-cfn")


def _python_on_path(folder: Path, script: str | None = None) -> dict[str, str]:
    """PATH with `python3` first: this interpreter (what setup-python provides), or a stand-in script."""
    folder.mkdir(parents=True, exist_ok=True)
    python3 = folder / "python3"
    if python3.exists():
        pass
    elif script is None:
        python3.symlink_to(sys.executable)
    else:
        python3.write_text(script)
        python3.chmod(0o755)
    env = clean_env()
    env["PATH"] = f"{folder}{os.pathsep}{env['PATH']}"
    return env


@pytest.fixture
def workspace(tmp_path) -> Path:
    """The user's repository as actions/checkout leaves it: the bundled example, not yet converted."""
    work = tmp_path / "workspace"
    shutil.copytree(CASE, work, ignore=shutil.ignore_patterns("expected"))
    return work


def action(action_dir: Path, workspace: Path, tmp_path: Path, env: dict | None = None, **inputs: str):
    return run_action(action_dir, inputs, workspace=workspace, runner_temp=tmp_path / "runner-temp",
                      env=env or _python_on_path(tmp_path / "setup-python"))


def test_action_is_a_composite_action_with_the_documented_inputs():
    assert ACTION["runs"]["using"] == "composite"
    assert {k for k, v in ACTION["inputs"].items() if v.get("required")} == {"export", "template"}
    assert set(ACTION["inputs"]) == {"export", "template", "args", "check", "preview-file", "version"}
    assert set(ACTION["outputs"]) == {"preview-file", "changed"}
    # inputs reach the scripts through env only (never pasted into the script: no injection)
    assert not any("${{" in s["run"] for s in ACTION["runs"]["steps"])


def test_fails_the_check_until_converted_then_passes(action_dir, workspace, tmp_path):
    first = action(action_dir, workspace, tmp_path, export="export.json", template=TEMPLATE, args="--env dev")
    assert first.code == 1, first.log
    assert first.outputs == {"preview-file": "export-to-cfn-preview.md", "changed": "true"}
    preview = (workspace / "export-to-cfn-preview.md").read_text()
    assert preview.startswith("<!-- export-to-cfn preview: HelloApi-cloudformation-template.json_HelloApi -->\n"
                              "### export-to-cfn: <code>HelloApi-cloudformation-template.json</code> (HelloApi)")
    assert "### Security (4)" in preview and first.summary == preview
    # the annotation repeats the user's own args, so the command it suggests is the one that fixes it
    assert (f"::error file={TEMPLATE}::export-to-cfn: the template does not match export.json; run export-to-cfn convert "
            f"export.json --template {TEMPLATE} --env dev --in-place") in first.log
    bin_dir = Path(first.steps["install"]["bin"])
    assert bin_dir.is_relative_to(tmp_path / "runner-temp")
    run([bin_dir / "export-to-cfn", "convert", "export.json", "--template", TEMPLATE, "--env", "dev", "--in-place"], cwd=workspace)
    again = action(action_dir, workspace, tmp_path, export="export.json", template=TEMPLATE, args="--env dev")
    assert (again.code, again.outputs["changed"]) == (0, "false"), again.log


def test_check_false_reports_without_failing(action_dir, workspace, tmp_path):
    result = action(action_dir, workspace, tmp_path, export="export.json", template=TEMPLATE, check="false")
    assert (result.code, result.outputs["changed"]) == (0, "true"), result.log
    assert (workspace / "export-to-cfn-preview.md").is_file()


def test_a_usage_error_fails_with_2_and_never_reads_as_changed(action_dir, workspace, tmp_path):
    result = action(action_dir, workspace, tmp_path, export="missing.json", template=TEMPLATE)
    assert result.code == 2, result.log
    assert result.outputs["changed"] == "" and "export-to-cfn: error: " in result.log


def test_an_old_python_gets_a_clear_annotation(action_dir, workspace, tmp_path):
    old = "#!/bin/sh\n[ \"$1\" = --version ] && { echo 'Python 3.10.12'; exit 0; }\nexit 1\n"  # ubuntu-22.04's python3
    result = action(action_dir, workspace, tmp_path, _python_on_path(tmp_path / "old", old), export="export.json", template=TEMPLATE)
    assert result.code == 2
    assert "::error::export-to-cfn needs Python >= 3.11, found Python 3.10.12; add actions/setup-python" in result.log


def _readme_workflow() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### GitHub Action"):readme.index("### pre-commit")]
    return section.split("```yaml\n", 1)[1].split("```", 1)[0]


def _check_jsonschema(schema: str, path: Path) -> subprocess.CompletedProcess:
    """check-jsonschema with its vendored SchemaStore schema (offline), as its pre-commit hooks run it."""
    return run([Path(sys.executable).parent / "check-jsonschema", "--builtin-schema", schema, path], cwd=path.parent, check=False)


def test_action_yml_is_valid_against_schemastores_action_schema():
    proc = _check_jsonschema("vendor.github-actions", ROOT / "action.yml")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_readme_workflow_is_a_valid_workflow(tmp_path):
    path = tmp_path / "api-preview.yml"
    path.write_text(_readme_workflow())
    proc = _check_jsonschema("vendor.github-workflows", path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    steps = read_yaml(path)["jobs"]["api-preview"]["steps"]
    ours = next(s for s in steps if s.get("id") == "e2c")
    assert set(ours["with"]) <= set(ACTION["inputs"]) and {"export", "template"} <= set(ours["with"])
    # the sticky-comment action finds its comment by `header`, not by our marker: one per API, or two
    # API previews in one pull request overwrite each other
    sticky = next(s for s in steps if s.get("uses", "").startswith("marocchino/sticky-pull-request-comment@"))
    api = Path(ours["with"]["template"]).parent.name
    assert api in sticky["with"]["header"]


def test_readme_workflow_sets_up_python_3_11_or_newer_before_the_action():
    workflow = _readme_workflow()
    assert "uses: actions/setup-python@" in workflow
    version = workflow.split("python-version:", 1)[1].split()[0].strip("\"'")
    assert tuple(int(x) for x in version.split(".")) >= (3, 11)
    assert workflow.index("actions/setup-python") < workflow.index("id: e2c")


def _readme_sarif_workflow() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### GitHub code scanning (SARIF)"):readme.index("### cfn-lint rule pack")]
    return section.split("```yaml\n", 1)[1].split("```", 1)[0]


def _steps_of(workflow: dict) -> list[dict]:
    (job,) = workflow["jobs"].values()
    return job["steps"]


def test_readme_sarif_workflow_is_a_complete_valid_workflow(tmp_path):
    path = tmp_path / "audit-sarif.yml"
    path.write_text(_readme_sarif_workflow())
    proc = _check_jsonschema("vendor.github-workflows", path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    workflow = read_yaml(path)
    assert workflow["permissions"]["security-events"] == "write"
    steps = _steps_of(workflow)
    at = {name: next(i for i, s in enumerate(steps) if name in (s.get("uses", "") + s.get("run", "")))
          for name in ("actions/checkout@", "actions/setup-python@", "pip install", "export-to-cfn audit --format sarif",
                       "github/codeql-action/upload-sarif@")}
    assert list(at.values()) == sorted(at.values()), at  # checkout, Python, install, audit, upload: in that order
    version = steps[at["actions/setup-python@"]]["with"]["python-version"]
    assert tuple(int(x) for x in str(version).split(".")) >= (3, 11)
    upload = steps[at["github/codeql-action/upload-sarif@"]]
    assert f"> {upload['with']['sarif_file']} " in steps[at["export-to-cfn audit --format sarif"]]["run"]


def test_readme_sarif_audit_step_lets_findings_through_and_fails_on_bad_input(tmp_path):
    """The audit step's own shell line, run as the runner runs it (bash -eo pipefail) in a checkout of an
    Amplify project: exit 0 with findings in the SARIF (raw), exit 0 and none (converted), failed (a bad file)."""
    import json

    (tmp_path / "audit-sarif.yml").write_text(_readme_sarif_workflow())
    (step,) = [s for s in _steps_of(read_yaml(tmp_path / "audit-sarif.yml")) if "export-to-cfn audit" in s.get("run", "")]
    shim = tmp_path / "bin" / "export-to-cfn"  # the package as the workflow's pip install gives it
    shim.parent.mkdir()
    shim.write_text(f"#!/bin/sh\nexec {sys.executable} -m exporter \"$@\"\n")
    shim.chmod(0o755)
    env = clean_env(PATH=f"{shim.parent}{os.pathsep}{os.environ['PATH']}", PYTHONPATH=str(ROOT))
    checkout = tmp_path / "checkout"
    shutil.copytree(CASE, checkout, ignore=shutil.ignore_patterns("expected"))

    def audit_step() -> tuple[int, list]:
        proc = run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=checkout, env=env, check=False)
        results = json.loads((checkout / "audit.sarif").read_text())["runs"][0]["results"]
        return proc.returncode, results

    code, results = audit_step()  # Amplify's own arn:aws:execute-api: in its Lambda permission
    assert code == 0 and results, "findings must reach code scanning without failing the step"
    run([sys.executable, "-m", "exporter", "convert", "export.json", "--template", TEMPLATE, "--in-place"], cwd=checkout, env=env)
    assert audit_step() == (0, [])
    (checkout / TEMPLATE).write_text("{")
    assert audit_step()[0] != 0  # audit's 2 fails the `[ $? -eq 1 ]` test: the step fails
