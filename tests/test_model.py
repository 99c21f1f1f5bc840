"""One Finding type for every report, and one renderer registry per report."""

from __future__ import annotations

import pytest

from exporter import model
from exporter.render import REPORTS, formats, renderer


def test_every_producer_makes_the_same_type():
    made = [model.literal("/a", "123456789012", "account-id", "arn:...:123456789012:x"),
            model.security("GET", "/a", model.HIGH, "authorizer removed"),
            model.note("redeploy", "renamed"), model.warning("no-deployment", "redeploy yourself")]
    assert {type(f) for f in made} == {model.Finding}
    assert [f.kind for f in made] == ["account-id", "security", "note", "warning"]
    assert made[0].message == "account-id 123456789012 is hardcoded"


def test_security_findings_print_their_route():
    assert str(model.security("GET", "/a", model.HIGH, "x")) == "GET /a: x"
    assert str(model.security(model.API_WIDE, model.API_WIDE, model.MEDIUM, "y")) == "API: y"
    assert str(model.note("n", "plain")) == "plain"


@pytest.mark.parametrize("report,fmt", [(r, f) for r in REPORTS for f in REPORTS[r]])
def test_every_registered_renderer_exists(report, fmt):
    assert callable(renderer(fmt, report))
    assert fmt in formats(report)
