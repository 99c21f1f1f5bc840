"""--target amplify-gen2: fixtures/gen2/<name>/ holds a Gen 2 project (amplify/backend.ts...), case.json
(the export and arguments, paths from the repository root) and expected/ (every file the run writes,
relative to the project). The run's files match the goldens, a second run changes nothing, an
unrecognised backend.ts is never written (the lines are printed), a foreign resource.ts is never
replaced, and the generated TypeScript type-checks against the real @aws-amplify/backend and
aws-cdk-lib (refresh the goldens: python scripts/refresh_goldens.py --gen2)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from cdk_apps import NODE_MODULES, need_toolchain
from cases import CORPUS, corpus_files
from conftest import run_cli


def corpus_exports() -> list[Path]:
    return corpus_files("export") if CORPUS.exists() else []

ROOT = Path(__file__).resolve().parents[1]
GEN2 = ROOT / "fixtures" / "gen2"
CASES = sorted(p.parent for p in GEN2.glob("*/case.json"))


def project_files(folder: Path) -> dict[str, bytes]:
    return {str(f.relative_to(folder)): f.read_bytes() for f in sorted((folder / "amplify").rglob("*")) if f.is_file()
            and "node_modules" not in f.parts}


def run_case(case: Path, tmp: Path, *extra: str):  # noqa: ANN201
    spec = json.loads((case / "case.json").read_text())
    work = tmp / case.name
    shutil.copytree(case / "amplify", work / "amplify")
    args = ["convert", str(ROOT / spec["export"]), "--target", "amplify-gen2", "-o", str(work)]
    args += [str(ROOT / a) if "/" in a else a for a in spec.get("args", [])]
    result = run_cli(*args, *extra)
    return spec, work, result


def changed(case: Path, work: Path) -> dict[str, bytes]:
    before, after = project_files(case), project_files(work)
    return {k: v for k, v in after.items() if before.get(k) != v}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_gen2_golden(case, tmp_path):
    spec, work, result = run_case(case, tmp_path)
    assert result.exit_code == 0, result.stderr
    want = {str(f.relative_to(case / "expected")): f.read_bytes() for f in sorted((case / "expected").rglob("*")) if f.is_file()}
    got = changed(case, work)
    assert sorted(got) == sorted(want), f"{case.name}: wrote {sorted(got)}, expected {sorted(want)} (refresh: scripts/refresh_goldens.py --gen2)"
    for rel, data in want.items():
        assert got[rel] == data, f"{case.name}: {rel} differs from {case / 'expected' / rel} (refresh and review the diff)"
    for needle in spec.get("stderr_has", []):
        assert needle in result.stderr, f"{case.name}: stderr lacks {needle!r}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_gen2_second_run_changes_nothing(case, tmp_path):
    spec, work, result = run_case(case, tmp_path)
    assert result.exit_code == 0, result.stderr
    first = project_files(work)
    args = ["convert", str(ROOT / spec["export"]), "--target", "amplify-gen2", "-o", str(work)]
    again = run_cli(*args, *[str(ROOT / a) if "/" in a else a for a in spec.get("args", [])])
    assert again.exit_code == 0, again.stderr
    assert project_files(work) == first
    assert "nothing to change" in again.stderr


def test_gen2_unrecognised_backend_is_left_alone(tmp_path):
    case = GEN2 / "hello"
    work = tmp_path / "odd"
    shutil.copytree(case / "amplify", work / "amplify")
    odd = "import { defineBackend } from '@aws-amplify/backend';\nimport { helloFunc } from './functions/HelloFunc/resource';\n\ndefineBackend({\n  helloFunc,\n});\n"
    (work / "amplify" / "backend.ts").write_text(odd)
    result = run_cli("convert", str(ROOT / "fixtures/amplify-stepfunctions/export.json"), "--target", "amplify-gen2",
                     "-o", str(work))
    assert result.exit_code == 0, result.stderr
    assert (work / "amplify" / "backend.ts").read_text() == odd
    assert "shape not recognised" in result.stderr and "backend.createStack(\"HelloApi\")" in result.stderr
    assert (work / "amplify" / "custom" / "HelloApi" / "resource.ts").is_file()


def test_gen2_foreign_resource_is_never_replaced(tmp_path):
    case = GEN2 / "hello"
    work = tmp_path / "foreign"
    shutil.copytree(case / "amplify", work / "amplify")
    mine = work / "amplify" / "custom" / "HelloApi" / "resource.ts"
    mine.parent.mkdir(parents=True)
    mine.write_text("// my own construct\n")
    backend = (work / "amplify" / "backend.ts").read_text()
    result = run_cli("convert", str(ROOT / "fixtures/amplify-stepfunctions/export.json"), "--target", "amplify-gen2",
                     "-o", str(work))
    assert result.exit_code == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "not written by export-to-cfn" in result.stderr
    assert mine.read_text() == "// my own construct\n" and (work / "amplify" / "backend.ts").read_text() == backend
    assert not (work / "amplify" / "custom" / "HelloApi" / "body.json").exists()


def test_gen2_needs_backend_ts(tmp_path):
    result = run_cli("convert", str(ROOT / "fixtures/amplify-stepfunctions/export.json"), "--target", "amplify-gen2",
                     "-o", str(tmp_path))
    assert result.exit_code == 2 and "no amplify/backend.ts" in result.stderr


@pytest.mark.slow
def test_gen2_type_checks_against_amplify_backend(tmp_path):
    """Every case's project after the run, and every corpus REST export converted into a copy of the
    hello project, type-checked by the real tsc with @aws-amplify/backend and aws-cdk-lib (one program)."""
    need_toolchain()  # a missing @aws-amplify/backend is a missing toolchain: skipped with the reason, failed in CI
    tsconfigs = []
    for case in CASES:
        _, work, result = run_case(case, tmp_path)
        assert result.exit_code == 0, result.stderr
        tsconfigs.append(work / "amplify" / "tsconfig.json")
    for i, export in enumerate(corpus_exports()):  # every corpus REST export, into a copy of the hello project
        work = tmp_path / f"corpus{i}"
        shutil.copytree(GEN2 / "hello" / "amplify", work / "amplify")
        result = run_cli("convert", str(export), "--target", "amplify-gen2", "-o", str(work))
        assert result.exit_code == 0, f"{export}: {result.stderr}"
        assert "export-to-cfn: " in (work / "amplify" / "backend.ts").read_text(), export
        tsconfigs.append(work / "amplify" / "tsconfig.json")
    (tmp_path / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
    # one tsc program over every project (aws-cdk-lib's types load once)
    root = {"compilerOptions": json.loads(tsconfigs[0].read_text())["compilerOptions"] | {"noEmit": True},
            "include": [f"{t.parent.parent.name}/amplify/**/*.ts" for t in tsconfigs]}
    (tmp_path / "tsconfig.json").write_text(json.dumps(root))
    tsc = subprocess.run(["node", str(NODE_MODULES / "typescript" / "bin" / "tsc"), "-p", str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert tsc.returncode == 0, (tsc.stdout + tsc.stderr)[-4000:]


def test_missing_amplify_backend_is_a_missing_toolchain(tmp_path, monkeypatch):
    """A node_modules installed whole but without @aws-amplify/backend: need_toolchain's reason names it,
    so the type-check and synth tests skip saying so, and fail under CI=true (never a quiet skip)."""
    import cdk_apps

    modules = tmp_path / "node_modules"
    for name in json.loads((cdk_apps.JS / "package.json").read_text())["devDependencies"]:
        if name != "@aws-amplify/backend":
            (modules / name).mkdir(parents=True)
            (modules / name / "package.json").write_text("{}")
    (modules / cdk_apps.MARKER).write_text(cdk_apps._lock_digest())
    monkeypatch.setattr(cdk_apps, "NODE_MODULES", modules)
    assert cdk_apps.toolchain_reason() == f"@aws-amplify/backend missing from {modules}: run `npm install --prefix tests/js/cdk`"
    monkeypatch.setattr(cdk_apps, "ensure_toolchain", cdk_apps.toolchain_reason)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the CDK checks: @aws-amplify/backend missing"):
        cdk_apps.need_toolchain()
