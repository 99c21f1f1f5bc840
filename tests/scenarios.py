"""Golden scenarios under fixtures/<name>/: scenario.json names the export, the optional template,
the CLI arguments and the parameter values used to resolve the result. Collected by glob."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"


@dataclass
class Scenario:
    name: str
    folder: Path
    spec: dict

    @property
    def expected_dir(self) -> Path:
        return self.folder / "expected"

    @property
    def tree_dir(self) -> Path:
        """expected/tree/<path>: every other file the run writes (dependsOn, override.ts, per-env values)."""
        return self.expected_dir / "tree"

    @property
    def output_name(self) -> str:
        t = self.spec.get("template")
        return Path(t).name if t else "template.json"


def scenarios() -> list[Scenario]:
    return [Scenario(f.parent.name, f.parent, json.loads(f.read_text())) for f in sorted(FIXTURES.glob("*/scenario.json"))]


def run(scenario: Scenario, workdir: Path):
    """Copy the scenario to workdir and convert it there. Returns (result, output path, work copy)."""
    work = workdir / scenario.name
    shutil.copytree(scenario.folder, work, ignore=shutil.ignore_patterns("expected"))
    args = ["convert", str(work / scenario.spec["export"])]
    if scenario.spec.get("template"):
        out = work / scenario.spec["template"]
        args += ["--template", str(out), "--in-place"]
    else:
        out = work / scenario.output_name
        args += ["-o", str(out)]
    args += [a.replace("{work}", str(work)) for a in scenario.spec.get("args", [])]  # {work}: a file of the scenario's copy
    result = run_cli(*args)
    return result, out, work


PREVIEW_FORMATS = {"text": "preview.txt", "markdown": "preview.md", "json": "preview.json"}


def run_diff(scenario: Scenario, workdir: Path, fmt: str):
    """Copy the scenario and run `diff --format FMT` on it from inside the copy, so the paths in
    the preview are the scenario's own relative paths. Returns the click result."""
    import contextlib

    work = workdir / f"{scenario.name}-diff-{fmt}"
    shutil.copytree(scenario.folder, work, ignore=shutil.ignore_patterns("expected"))
    args = ["diff", scenario.spec["export"], "--template", scenario.spec["template"], "--format", fmt]
    args += scenario.spec.get("args", [])
    with contextlib.chdir(work):
        return run_cli(*args)


def changed_files(scenario: Scenario, work: Path, out: Path) -> dict[str, bytes]:
    """Files of the work copy that differ from the scenario's own (other than the output template)."""
    changed = {}
    for f in sorted(work.rglob("*")):
        if not f.is_file() or f == out or "__pycache__" in f.parts:
            continue
        rel = f.relative_to(work)
        src = scenario.folder / rel
        if not src.is_file() or src.read_bytes() != f.read_bytes():
            changed[str(rel)] = f.read_bytes()
    return changed
