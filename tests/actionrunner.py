"""Run a composite GitHub Action (action.yml) the way the runner does, on this machine.

What the runner does for a composite action, and so what this does: each step's `env:` and the
action's `outputs:` are evaluated from `${{ inputs.* }}`, `${{ github.* }}`, `${{ runner.* }}` and
`${{ steps.<id>.outputs.* }}`; a `shell: bash` step runs as `bash --noprofile --norc -eo pipefail
<script file>` in GITHUB_WORKSPACE, with the variables the runner sets (CI, GITHUB_ACTIONS,
GITHUB_ACTION_PATH, GITHUB_WORKSPACE, GITHUB_OUTPUT/GITHUB_ENV/GITHUB_PATH/GITHUB_STEP_SUMMARY files of
its own, RUNNER_TEMP, RUNNER_OS); a failing step stops the steps after it. An expression this does not
know is an error, so an action that starts using one fails its tests instead of passing untried.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass
class ActionRun:
    code: int  # the exit code of the last step that ran (0: every step passed)
    outputs: dict[str, str]  # the action's outputs, as a workflow reads them
    steps: dict[str, dict[str, str]] = field(default_factory=dict)  # step id -> its outputs
    log: str = ""  # what the steps printed, stdout and stderr, as the job log shows it
    summary: str = ""  # GITHUB_STEP_SUMMARY


def read_yaml(path: Path) -> dict:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def _read_env_file(path: Path) -> dict[str, str]:
    """name=value lines and name<<DELIM heredocs, as the runner reads GITHUB_OUTPUT."""
    out: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            end = lines.index(delim, i + 1)
            out[name] = "\n".join(lines[i + 1:end])
            i = end + 1
            continue
        if "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
        i += 1
    return out


def run_action(action_dir: Path, inputs: dict[str, str], *, workspace: Path, runner_temp: Path,
               env: dict[str, str]) -> ActionRun:
    action = read_yaml(action_dir / "action.yml")
    assert action["runs"]["using"] == "composite"
    declared = action.get("inputs") or {}
    unknown = set(inputs) - set(declared)
    assert not unknown, f"inputs the action does not declare: {unknown}"
    missing = [k for k, v in declared.items() if v.get("required") and not inputs.get(k)]
    assert not missing, f"required inputs missing: {missing}"
    values = {k: str(inputs.get(k, v.get("default", ""))) for k, v in declared.items()}
    steps: dict[str, dict[str, str]] = {}
    context = {"github.action_path": str(action_dir), "github.workspace": str(workspace),
               "runner.temp": str(runner_temp), "runner.os": "Linux"}

    def expand(text: Any) -> str:
        def value(m: re.Match) -> str:
            expr = m.group(1)
            if expr.startswith("inputs."):
                return values[expr[len("inputs."):]]
            if expr in context:
                return context[expr]
            step = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
            if step:
                return steps.get(step.group(1), {}).get(step.group(2), "")
            raise AssertionError(f"expression the test runner does not know: ${{{{ {expr} }}}}")

        return EXPR.sub(value, str(text))

    runner_temp.mkdir(parents=True, exist_ok=True)
    summary = runner_temp / "step_summary.md"
    summary.touch()
    code, log = 0, []
    for n, step in enumerate(action["runs"]["steps"]):
        assert "if" not in step, "step conditions are not simulated"
        assert step.get("shell") == "bash", "only bash steps are simulated"
        files = {name: runner_temp / f"{name.lower()}_{n}" for name in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH")}
        for f in files.values():
            f.write_text("")
        script = runner_temp / f"step_{n}.sh"
        script.write_text(expand(step["run"]), encoding="utf-8")
        step_env = {**env, "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_ACTION_PATH": str(action_dir),
                    "GITHUB_WORKSPACE": str(workspace), "GITHUB_STEP_SUMMARY": str(summary),
                    "RUNNER_TEMP": str(runner_temp), "RUNNER_OS": "Linux",
                    **{k: str(v) for k, v in files.items()}}
        step_env.update({k: expand(v) for k, v in (step.get("env") or {}).items()})
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace,
                              env=step_env, capture_output=True, text=True, timeout=600)
        log.append(proc.stdout + proc.stderr)
        if "id" in step:
            steps[step["id"]] = _read_env_file(files["GITHUB_OUTPUT"])
        code = proc.returncode
        if code != 0:
            break
    outputs = {k: expand(v["value"]) for k, v in (action.get("outputs") or {}).items()}
    return ActionRun(code, outputs, steps, "".join(log), summary.read_text(encoding="utf-8"))
