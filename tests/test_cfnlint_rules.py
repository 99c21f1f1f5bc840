"""The cfn-lint rule pack (exporter/cfnlint_rules.py), run by the real cfn-lint: its CLI as the README
shows it (and through a .cfnlintrc), and its Python runner over the raw corpus exports embedded in a
RestApi Body (it finds what `audit` finds) and over every converted output (what audit finds there:
in a standalone template, only the other accounts' and regions' literals convert keeps on purpose)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cases import cases, corpus_files
from conftest import FIXTURES, corpus_params
from exporter.audit import KINDS, scan
from exporter.io.load import load
from exporter.rules import load_rules

EXPORT = FIXTURES / "amplify-stepfunctions" / "export.json"
ID_OF = {k.cfn_lint_id: kind for kind, k in KINDS.items()}


@pytest.fixture(scope="module")
def pack():
    """lint(text) -> {(rule id, message, path)} from the pack alone, through cfn-lint's own runner."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.decode.decode import decode_str
    from cfnlint.rules import Rules
    from cfnlint.runner import run_template_by_data

    rules = Rules.create_from_module("exporter.cfnlint_rules")
    assert sorted(r.id for r in rules.values()) == sorted(ID_OF)

    def lint(text: str, filename: str | None = None) -> set[tuple[str, str, tuple]]:
        template, errors = decode_str(text)
        assert not errors, errors
        return {(m.rule.id, m.message, tuple(m.path)) for m in
                run_template_by_data(template, ConfigMixIn(regions=["us-east-1"], templates=[filename] if filename else []), rules)}

    return lint


def audit_of(data) -> set[tuple[str, str, tuple]]:
    """What `audit` reports, in the pack's terms."""
    out = set()
    for f in scan(data, rules=load_rules()):
        path = tuple(int(p) if p.isdigit() else p.replace("~1", "/").replace("~0", "~") for p in f.pointer.split("/")[1:])
        out.add((KINDS[f.kind].cfn_lint_id, f"{KINDS[f.kind].title}: {f.value}", path))
    return out


def embedded(export: dict) -> str:
    return json.dumps({"AWSTemplateFormatVersion": "2010-09-09",
                       "Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": export}}}}, indent=2)


def _cfn_lint(*args, cwd: Path) -> list[dict]:
    proc = subprocess.run([Path(sys.executable).parent / "cfn-lint", *map(str, args), "--format", "json"], cwd=cwd,
                          capture_output=True, text=True)
    assert proc.returncode in (0, 4, 8, 12), proc.stderr  # cfn-lint's bitmask: 4 warnings, 8 informational
    return [m for m in json.loads(proc.stdout) if m["Rule"]["Id"] in ID_OF]


@pytest.mark.slow
def test_the_cli_loads_the_pack_as_the_readme_says(tmp_path, pack):
    text = embedded(json.loads(EXPORT.read_text()))
    (tmp_path / "api.json").write_text(text)
    found = _cfn_lint("api.json", "--append-rules", "exporter.cfnlint_rules", cwd=tmp_path)
    assert {(m["Rule"]["Id"], m["Message"]) for m in found} == {(i, msg) for i, msg, _ in pack(text)}
    assert {m["Rule"]["Id"] for m in found} >= {"W9101", "W9102", "W9103", "W9104"}
    assert all(m["Level"] == "Warning" and m["Location"]["Start"]["LineNumber"] > 1 for m in found)
    (tmp_path / ".cfnlintrc").write_text("append_rules:\n  - exporter.cfnlint_rules\n")  # what editors read
    assert len(_cfn_lint("api.json", cwd=tmp_path)) == len(found)


@pytest.mark.parametrize("path", corpus_params(lambda corpus: corpus_files("export"), what="REST API export"))
def test_a_raw_corpus_export_in_a_body_gives_what_audit_gives(path, pack):
    text = embedded(load(path).data)
    want = audit_of(json.loads(text))
    assert pack(text) == want


def test_allow_rules_escapes_and_stage_variables_are_not_findings(pack):
    template = {"Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {}, "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AWSLambdaExecute"]}},
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": {"swagger": "2.0", "paths": {"/a": {"get": {
            "x-amazon-apigateway-integration": {
                "uri": {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:states:action/StartExecution"},
                "connectionId": "${stageVariables.vpcLinkId}",
                "requestTemplates": {"application/json": {"Fn::Sub": "{\"input\": \"${!input.body}\", \"arn\": \"${Machine}\"}"}}},
        }}}}}}}}
    assert pack(json.dumps(template)) == set()


@pytest.mark.slow
def test_the_project_config_gives_the_env(tmp_path, pack):
    (tmp_path / ".export-to-cfn.yaml").write_text("env: dev\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / "t.json").write_text(json.dumps({"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "jobs-dev"}}}}))
    found = _cfn_lint("t.json", "--append-rules", "exporter.cfnlint_rules", cwd=tmp_path)
    assert [(m["Rule"]["Id"], m["Message"]) for m in found] == [("W9108", "Environment name in a resource name: dev")]


@pytest.mark.slow
@pytest.mark.parametrize("case", cases())
def test_a_converted_output_gives_what_audit_gives_and_standalone_ones_nothing(case, converted, pack):
    conv = converted(case)
    assert conv.exit_code == 0, conv.stderr
    text = conv.out.read_text(encoding="utf-8")
    found = pack(text)
    assert found == audit_of(load(conv.out).data)
    if not case.merged:  # only what convert keeps on purpose: another account's or region's resources
        home = {"W9101": conv.values.get("AWS::AccountId"), "W9102": conv.values.get("AWS::Region")}
        foreign = {(i, m) for i, m, _ in found if i in home and m.rsplit(": ", 1)[1] != home[i]}
        assert {(i, m) for i, m, _ in found} == foreign, sorted(found)[:3]


def test_the_readme_table_lists_every_rule_of_the_pack():
    readme = (FIXTURES.parent / "README.md").read_text()
    section = readme[readme.index("### cfn-lint rule pack"):]
    listed = [line.split("|")[1].strip() for line in section.splitlines() if line.startswith("| W9")]
    assert listed == [k.cfn_lint_id for k in KINDS.values()]
