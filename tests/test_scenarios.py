"""Golden scenarios: the output matches fixtures/<name>/expected byte for byte, resolves to the
export (the semantic property), and passes cfn-lint."""

from __future__ import annotations

import json

import pytest

from exporter.load import load
from scenarios import run, scenarios
from semantic import differences, home_of

SCENARIOS = scenarios()


@pytest.mark.parametrize("sc", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario_golden_semantic_lint(sc, tmp_path, cfn_lint):
    result, out, work = run(sc, tmp_path)
    assert result.exit_code == 0, result.stderr
    golden = sc.expected_dir / sc.output_name
    assert golden.exists(), f"no golden {golden}; run python scripts/refresh_goldens.py"
    assert out.read_text() == golden.read_text(), f"{sc.name}: output differs from {golden} (refresh with scripts/refresh_goldens.py and review the diff)"
    export = load(work / sc.spec["export"]).data
    template = load(out).data
    values = home_of(export)
    values.update({n: p["Default"] for n, p in (template.get("Parameters") or {}).items() if isinstance(p, dict) and "Default" in p})
    values.update(sc.spec.get("values", {}))
    api = sc.spec.get("api") or next(k for k, r in template["Resources"].items() if r.get("Type") in ("AWS::ApiGateway::RestApi", "AWS::Serverless::Api"))
    props = template["Resources"][api]["Properties"]
    body = props.get("Body") or props.get("DefinitionBody")
    api_id = (export.get("host") or "").split(".")[0] or None
    diffs = differences(body, export, values, template, api_id)
    assert not diffs, "\n".join(diffs[:5])
    assert cfn_lint(out.read_text()) == []
