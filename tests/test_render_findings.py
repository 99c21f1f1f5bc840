"""exporter.render.findings: the audit's findings as text lines and as a json report."""

from __future__ import annotations

import json

from exporter.audit import AuditReport
from exporter.errors import UserError
from exporter.model import Finding
from exporter.render import findings


def _report():
    return AuditReport(
        findings=[
            Finding("account-id", "account-id 123456789012 is hardcoded", "/Resources/Api/Properties/Body/paths/~1o/get",
                    "123456789012", file="template.json", line=12),
            Finding("region", "region eu-west-1 is hardcoded", "", "eu-west-1", file="export.yaml", line=None),
        ],
        errors=[UserError("not JSON", file="broken.json", line=3)],
    )


def test_text_one_line_per_finding_with_file_line_pointer_kind_value():
    assert findings.text(_report()) == (
        "template.json:12: /Resources/Api/Properties/Body/paths/~1o/get: account-id 123456789012\n"
        "export.yaml: /: region eu-west-1\n"  # no line: file alone; the whole file: pointer /
    )


def test_text_nothing_found_is_empty():
    assert findings.text(AuditReport()) == ""


def test_json_report_has_findings_and_errors():
    out = findings.json(_report())
    assert out.endswith("\n")
    data = json.loads(out)
    assert data == {
        "findings": [
            {"file": "template.json", "line": 12, "pointer": "/Resources/Api/Properties/Body/paths/~1o/get",
             "kind": "account-id", "value": "123456789012"},
            {"file": "export.yaml", "line": None, "pointer": "", "kind": "region", "value": "eu-west-1"},
        ],
        "errors": [{"file": "broken.json", "line": 3, "message": "not JSON"}],
    }


def test_json_keeps_non_ascii_as_is():
    report = AuditReport(findings=[Finding("env", "x", "/a", "café", file="f.json", line=1)])
    out = findings.json(report)
    assert "café" in out and "\\u00e9" not in out
    assert json.loads(out)["findings"][0]["value"] == "café"


def test_json_empty_report():
    assert json.loads(findings.json(AuditReport())) == {"findings": [], "errors": []}
