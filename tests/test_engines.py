"""Independent engines on every converted case (bundled scenarios, every corpus export standalone,
a sample merged into Amplify templates; see cases.py). Each case is converted once per session.

- cfn-lint (its Python API, loaded once): the output template has no errors.
- openapi-spec-validator: on the input export and on the resolved Body. Real console exports are
  often not valid OpenAPI (OPTIONS methods without their path parameters, no `responses`, no
  `info.version`); the Body must not add a single error to those the export (and, for a merge, the
  template's own Body) already had. moto's deploy check lives in test_moto.py.
"""

from __future__ import annotations

import pytest

from cases import cases
from exporter.resolve import resolve

CASES = cases()


def _converted_ok(case, converted):  # noqa: ANN001, ANN202
    conv = converted(case)
    assert conv.exit_code == 0, conv.stderr
    return conv


@pytest.mark.slow  # cfn-lint takes about a second per template
@pytest.mark.parametrize("case", CASES)
def test_cfn_lint_finds_no_errors(case, converted, cfn_lint):
    conv = _converted_ok(case, converted)
    assert cfn_lint(conv.out.read_text(encoding="utf-8")) == []


class _AnyName(dict):
    """Values where every unknown name resolves to a placeholder."""

    def __contains__(self, name: object) -> bool:
        return True

    def __missing__(self, name: str) -> str:
        return f"placeholder-{name}"


@pytest.mark.parametrize("case", CASES)
def test_openapi_validator_finds_no_new_errors(case, converted, openapi_errors):
    conv = _converted_ok(case, converted)
    known = openapi_errors(conv.export)
    if conv.template_body_before:
        # the template's own Body may name its other resources (${OldFn.Arn}): any stand-in value
        # does, since only the errors the old Body already had are wanted here
        known |= openapi_errors(resolve(conv.template_body_before, _AnyName(conv.values), conv.template))
    body = resolve(conv.body, conv.values, conv.template)
    new = sorted(openapi_errors(body) - known)
    assert not new, f"{case.id}: the resolved Body has errors its inputs did not: " + "; ".join(f"{w or '/'}: {m}" for w, m in new[:5])
