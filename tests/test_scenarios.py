"""Golden scenarios: the output matches fixtures/<name>/expected byte for byte (the template, and under
expected/tree/ every project file the run writes), resolves to the export with the parameter values
scenario.json gives (the semantic property), passes cfn-lint, and a second run changes nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exporter.load import load
from scenarios import changed_files, run, scenarios
from semantic import differences, home_of

SCENARIOS = scenarios()
APPLY_OVERRIDE = Path(__file__).parent / "js" / "apply_override.mjs"


def _api_of(sc, template: dict) -> str:
    return sc.spec.get("api") or next(k for k, r in template["Resources"].items() if r.get("Type") in ("AWS::ApiGateway::RestApi", "AWS::Serverless::Api"))


def deployed_template(sc, work: Path, out: Path) -> tuple[dict, str]:
    """The template as it deploys: the output itself, or for Amplify CLI >= 7 the build/ template
    with override.ts applied (by node, as `amplify override api` would)."""
    template = load(out).data
    override = sc.spec.get("override")
    if not override:
        return template, out.read_text()
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: cannot apply override.ts")
    api = _api_of(sc, template)
    p = subprocess.run([node, str(APPLY_OVERRIDE), str(out), str(work / override), api], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout), p.stdout


@pytest.mark.parametrize("sc", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario_golden_semantic_lint(sc, tmp_path, cfn_lint):
    result, out, work = run(sc, tmp_path)
    assert result.exit_code == 0, result.stderr
    golden = sc.expected_dir / sc.output_name
    assert golden.exists(), f"no golden {golden}; run python scripts/refresh_goldens.py"
    assert out.read_text() == golden.read_text(), f"{sc.name}: output differs from {golden} (refresh with scripts/refresh_goldens.py and review the diff)"
    want_tree = {str(f.relative_to(sc.tree_dir)): f.read_bytes() for f in sorted(sc.tree_dir.rglob("*")) if f.is_file()} if sc.tree_dir.exists() else {}
    got_tree = changed_files(sc, work, out)
    assert sorted(got_tree) == sorted(want_tree), f"{sc.name}: files written {sorted(got_tree)}, expected {sorted(want_tree)}"
    for rel, data in want_tree.items():
        assert got_tree[rel] == data, f"{sc.name}: {rel} differs from {sc.tree_dir / rel} (refresh and review)"
    for rel, needle in (sc.spec.get("stderr_has") or {}).items():
        assert needle in result.stderr, f"{sc.name}: stderr lacks {needle!r} ({rel})\n{result.stderr}"

    export = load(work / sc.spec["export"]).data
    template, text = deployed_template(sc, work, out)
    values = home_of(export)
    values.update({n: p["Default"] for n, p in (template.get("Parameters") or {}).items() if isinstance(p, dict) and "Default" in p})
    values.update(sc.spec.get("values", {}))  # written by hand: what Amplify passes for this env
    props = template["Resources"][_api_of(sc, template)]["Properties"]
    body = props.get("Body") or props.get("DefinitionBody")
    api_id = (export.get("host") or "").split(".")[0] or None
    diffs = differences(body, export, values, template, api_id)
    assert not diffs, "\n".join(diffs[:5])
    assert cfn_lint(text) == []


@pytest.mark.parametrize("sc", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario_second_run_changes_nothing(sc, tmp_path):
    from exporter.cli import app

    result, out, work = run(sc, tmp_path)
    assert result.exit_code == 0, result.stderr
    before = {str(f.relative_to(work)): f.read_bytes() for f in sorted(work.rglob("*")) if f.is_file()}
    args = ["convert", str(work / sc.spec["export"])]
    args += ["--template", str(out), "--in-place"] if sc.spec.get("template") else ["-o", str(out)]
    again = CliRunner().invoke(app, args + sc.spec.get("args", []), catch_exceptions=False)
    assert again.exit_code == 0, again.stderr
    after = {str(f.relative_to(work)): f.read_bytes() for f in sorted(work.rglob("*")) if f.is_file()}
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    assert changed == [], f"{sc.name}: the second run changed {changed}"
    if sc.spec.get("template"):
        assert "nothing to change" in again.stderr
