"""Golden scenarios: the output matches fixtures/<name>/expected byte for byte and resolves to the
export (the semantic property). cfn-lint, the OpenAPI validator and moto check the same conversion
in test_engines.py and test_moto.py."""

from __future__ import annotations

import pytest

from cases import cases
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
    diffs = differences(conv.body, conv.export, conv.values, conv.template, conv.api_id)
    assert not diffs, "\n".join(diffs[:5])
