"""Every REST API export in ../shared/corpus converts standalone: the output resolves to the export,
no home account id is left, and cfn-lint reports no errors. Collected by glob, one test per file."""

from __future__ import annotations

import json
import re

import pytest

from conftest import CORPUS, need_shared
from exporter.load import export_version, find_intrinsic, is_template, load
from semantic import differences, home_of


def _corpus_files(kind: str) -> list:
    if not CORPUS.exists():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{CORPUS} is absent (CI lays ../shared beside the clone)"))]
    out = []
    for f in sorted(CORPUS.rglob("*")):
        if f.suffix not in (".json", ".yaml", ".yml") or not f.is_file():
            continue
        data = load(f).data
        if not isinstance(data, dict):
            continue
        if is_template(data):
            found = "template"
        elif export_version(data) and find_intrinsic(data):
            found = "body"
        elif export_version(data):
            found = "export"
        else:
            continue
        if found == kind:
            out.append(pytest.param(f, id=f"{f.parent.name}/{f.name}"))
    return out


@pytest.mark.parametrize("path", _corpus_files("export"))
def test_corpus_export_converts_standalone(path, cli, cfn_lint, tmp_path):
    need_shared(CORPUS)
    out = tmp_path / "out.json"
    result = cli("convert", path, "-o", out)
    assert result.exit_code == 0, result.stderr
    export = load(path).data
    template = json.loads(out.read_text())
    values = home_of(export)
    values.update({name: p["Default"] for name, p in template.get("Parameters", {}).items() if "Default" in p})
    body = template["Resources"]["RestApi"]["Properties"]["Body"]
    api_id = (export.get("host") or "").split(".")[0] or None
    diffs = differences(body, export, values, template, api_id)
    assert not diffs, "\n".join(diffs[:5])
    account = values.get("AWS::AccountId")
    if account:
        text = out.read_text()
        leaks = [m.start() for m in re.finditer(account, text)]
        assert not leaks, f"home account {account} left at offsets {leaks[:5]}"
    assert cfn_lint(out.read_text()) == []


@pytest.mark.parametrize("path", _corpus_files("body"))
def test_corpus_converted_body_is_refused_as_export(path, cli):
    """Hand-converted Bodies (already full of Fn::Sub) are not exports: a clear exit 2."""
    result = cli("convert", path)
    assert result.exit_code == 2
    assert "already holds CloudFormation intrinsics" in result.stderr
    assert "Traceback" not in result.stderr
