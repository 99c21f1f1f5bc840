"""Golden scenarios: the output matches fixtures/<name>/expected byte for byte (the template, and under
expected/tree/ every project file the run writes), resolves to the export with the parameter values
scenario.json gives (the semantic property), and a second run changes nothing. cfn-lint, the
OpenAPI validator and moto check the same conversions in test_engines.py and test_moto.py."""

from __future__ import annotations

import pytest

from exporter.audit import scan
from exporter.rules import load_rules

from cases import cases
from conftest import run_cli
from scenarios import changed_files, run, scenarios
from semantic import differences

SCENARIOS = cases(("scenario",))


@pytest.mark.parametrize("case", SCENARIOS)
def test_scenario_golden_and_semantic(case, converted):
    conv = converted(case)
    assert conv.exit_code == 0, conv.stderr
    sc = case.scenario
    golden = sc.expected_dir / sc.output_name
    assert golden.exists(), f"no golden {golden}; run python scripts/refresh_goldens.py"
    assert conv.out.read_text() == golden.read_text(), f"{sc.name}: output differs from {golden} (refresh with scripts/refresh_goldens.py and review the diff)"
    want_tree = {str(f.relative_to(sc.tree_dir)): f.read_bytes() for f in sorted(sc.tree_dir.rglob("*")) if f.is_file()} if sc.tree_dir.exists() else {}
    got_tree = changed_files(sc, conv.work, conv.out)
    assert sorted(got_tree) == sorted(want_tree), f"{sc.name}: files written {sorted(got_tree)}, expected {sorted(want_tree)}"
    for rel, data in want_tree.items():
        assert got_tree[rel] == data, f"{sc.name}: {rel} differs from {sc.tree_dir / rel} (refresh and review)"
    for rel, needle in (sc.spec.get("stderr_has") or {}).items():
        assert needle in conv.stderr, f"{sc.name}: stderr lacks {needle!r} ({rel})\n{conv.stderr}"
    diffs = differences(conv.body, conv.export, conv.values, conv.template, conv.api_id)
    assert not diffs, "\n".join(diffs[:5])
    # nothing of home left literal in what convert wrote (the export's routes; template routes it
    # kept are the template's own): the export's account, region and partition
    home = {"account": conv.values.get("AWS::AccountId"), "region": conv.values.get("AWS::Region"),
            "partition": conv.values.get("AWS::Partition")}
    export_paths = conv.export.get("paths") or {}
    written = {**conv.body, "paths": {p: {m: op for m, op in v.items() if m in export_paths[p]}
                                      for p, v in (conv.body.get("paths") or {}).items() if p in export_paths}}
    left = [f"{f.pointer}: {f.kind} {f.value}" for f in scan(written, rules=load_rules()) if home.get(f.kind) == f.value]
    assert not left, f"{sc.name}: home values left literal in the Body: {left[:5]}"


SCENARIO_LIST = scenarios()


@pytest.mark.parametrize("sc", SCENARIO_LIST, ids=[s.name for s in SCENARIO_LIST])
def test_scenario_second_run_changes_nothing(sc, tmp_path):
    result, out, work = run(sc, tmp_path)
    assert result.exit_code == 0, result.stderr
    before = {str(f.relative_to(work)): f.read_bytes() for f in sorted(work.rglob("*")) if f.is_file()}
    args = ["convert", str(work / sc.spec["export"])]
    args += ["--template", str(out), "--in-place"] if sc.spec.get("template") else ["-o", str(out)]
    again = run_cli(*args, *[a.replace("{work}", str(work)) for a in sc.spec.get("args", [])])
    assert again.exit_code == 0, again.stderr
    after = {str(f.relative_to(work)): f.read_bytes() for f in sorted(work.rglob("*")) if f.is_file()}
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    assert changed == [], f"{sc.name}: the second run changed {changed}"
    if sc.spec.get("template"):
        assert "nothing to change" in again.stderr
