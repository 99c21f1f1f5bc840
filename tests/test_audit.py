"""`audit`: every kind of environment-specific literal is found (in plain strings, Fn::Sub text,
Fn::Join pieces, inline Bodies, JSON and YAML), with file, pointer and line; allow rules and
--allow exempt text; exit 0 clean / 1 findings / 2 bad input. Corpus: raw exports fail, converted
outputs pass."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Iterator

import pytest

from conftest import EXAMPLE, FIXTURES, corpus_params, need_shared
from exporter.audit import scan
from exporter.io.load import export_version, find_intrinsic, is_template, load
from exporter.rules import load_rules

RULES = load_rules()
INTEGRATION = "/paths/~1a/get/x-amazon-apigateway-integration"

# (pointer, text, expected (kind, value) pairs): must-hit cases, one per kind and shape.
HITS = [
    ("partition-and-account-in-arn", f"{INTEGRATION}/credentials", "arn:aws:iam::123456789012:role/r",
     {("partition", "aws"), ("account", "123456789012")}),
    ("china-partition", "/x", "arn:aws-cn:sns:cn-north-1:123456789012:t",
     {("partition", "aws-cn"), ("region", "cn-north-1"), ("account", "123456789012")}),
    ("gov-region", "/x", "arn:aws-us-gov:s3:::b/us-gov-west-1",
     {("partition", "aws-us-gov"), ("region", "us-gov-west-1")}),
    ("sovereign-cloud", "/x", "arn:aws-eusc:sns:eusc-de-east-1:123456789012:t",
     {("partition", "aws-eusc"), ("region", "eusc-de-east-1"), ("account", "123456789012")}),
    ("iso-b-partition", "/x", "arn:aws-iso-b:sns:us-isob-east-1:123456789012:t",
     {("partition", "aws-iso-b"), ("region", "us-isob-east-1"), ("account", "123456789012")}),
    ("sqs-url", "/x", "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs",
     {("region", "eu-west-1"), ("account", "123456789012")}),
    ("ecr-host", "/x", "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1",
     {("account", "123456789012"), ("region", "us-east-1")}),
    ("api-host", "/host", "a1b2c3d4e5.execute-api.ap-northeast-1.amazonaws.com",
     {("api-id", "a1b2c3d4e5"), ("region", "ap-northeast-1")}),
    ("execute-api-arn", "/x", "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/GET/",
     {("partition", "aws"), ("region", "us-east-1"), ("account", "123456789012"), ("api-id", "a1b2c3d4e5")}),
    ("vpc-endpoint", "/x-amazon-apigateway-policy/Statement/0/Condition/StringEquals/aws:SourceVpce", "vpce-0a1b2c3d4e5f67890",
     {("vpc-endpoint-id", "vpce-0a1b2c3d4e5f67890")}),
    ("vpc-link", f"{INTEGRATION}/connectionId", "abc123", {("vpc-link-id", "abc123")}),
    ("user-pool-id-not-also-region", "/x", "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123",
     {("partition", "aws"), ("region", "us-east-1"), ("account", "123456789012"), ("user-pool-id", "us-east-1_AbCdEf123")}),
    ("bare-account-in-vtl", f"{INTEGRATION}/requestTemplates/application~1json", '{"AccountId": "123456789012"}',
     {("account", "123456789012")}),
    ("region-in-vtl", f"{INTEGRATION}/requestTemplates/application~1json", '{"region":"il-central-1"}',
     {("region", "il-central-1")}),
]

MISSES = [
    ("managed-policy-allowed-by-rule", "/Resources/R/Properties/ManagedPolicyArns/0", "arn:aws:iam::aws:policy/ReadOnlyAccess"),
    ("caller-credentials-allowed-by-rule", f"{INTEGRATION}/credentials", "arn:aws:iam::*:user/*"),
    ("thirteen-digits", "/x", '{"limit": "1234567890123"}'),
    ("decimal", "/x", "0.123456789012"),
    ("word-with-region-shape", "/x", "my-us-east-1x and xus-east-1"),
    ("not-an-endpoint", "/x", "vpce-service-name-that-is-not-an-id"),
    ("stage-variable-connection", f"{INTEGRATION}/connectionId", "${stageVariables.vpcLinkId}"),
    ("plain-url", "/x", "https://example.com/v1/items"),
    ("parameter-default-is-an-input", "/Parameters/AccountId/Default", "123456789012"),
]


def found(node, **kw) -> set[tuple[str, str]]:
    return {(f.kind, f.value) for f in scan(node, rules=RULES, **kw)}


def at(pointer: str, value):
    """A document holding `value` at `pointer` (built from the pointer's segments)."""
    segs = [s.replace("~1", "/").replace("~0", "~") for s in pointer.split("/")[1:]]
    node = value
    for s in reversed(segs):
        node = [node] if s == "0" else {s: node}
    return node


@pytest.mark.parametrize("name,pointer,text,want", HITS, ids=[h[0] for h in HITS])
def test_scan_finds(name, pointer, text, want):
    assert found(at(pointer, text)) == want


@pytest.mark.parametrize("name,pointer,text", MISSES, ids=[m[0] for m in MISSES])
def test_scan_leaves_alone(name, pointer, text):
    assert found(at(pointer, text)) == set()


def test_caller_credentials_allowed_only_where_its_rule_applies():
    # the rule's `where` is $..credentials: the same text in a description is reported
    assert found({"info": {"description": "arn:aws:iam::*:user/*"}}) == {("partition", "aws")}


def test_fn_sub_literal_text_is_scanned_and_its_variables_are_not():
    node = {"Fn::Sub": ["arn:${AWS::Partition}:sns:${AWS::Region}:999999999999:${Topic}-${!Literal}", {"Topic": "us-east-2"}]}
    assert found(node) == {("account", "999999999999"), ("region", "us-east-2")}
    assert found({"Fn::Sub": "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:orders"}) == set()


def test_fn_join_pieces_are_scanned_as_the_joined_string():
    # Amplify writes ARNs cut at their colons; the account is only an account in context
    join = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":states:", {"Ref": "AWS::Region"}, ":", "123456789012", ":stateMachine:x"]]}
    assert found(join) == {("account", "123456789012")}
    assert found({"Fn::Join": [":", ["arn", "aws", "sns", "us-east-1", "123456789012", "t"]]}) == {
        ("partition", "aws"), ("region", "us-east-1"), ("account", "123456789012")}


def test_env_suffix_only_with_env():
    node = {"x": '{"stateMachineArn": "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:HelloStep-dev"}'}
    assert found(node) == set()
    assert found(node, env="dev") == {("env-suffix", "dev")}
    assert found({"x": "developer-devices"}, env="dev") == set()


def test_allow_pattern_masks_text():
    node = {"x": "arn:aws:sns:us-east-1:123456789012:shared-topic"}
    assert found(node, allow=[re.compile(r"123456789012:shared-topic")]) == {("partition", "aws"), ("region", "us-east-1")}


# ---------------------------------------------------------------------------------------------
# The command


def test_cli_json_export_has_positions(cli):
    path = FIXTURES / "amplify-stepfunctions" / "export.json"
    result = cli("audit", path)
    assert result.exit_code == 1
    lines = path.read_text().splitlines()
    host_line = next(i for i, line in enumerate(lines, 1) if '"host"' in line)
    assert f"{path}:{host_line}: /host: api-id a1b2c3d4e5" in result.stdout.splitlines()
    cred_line = next(i for i, line in enumerate(lines, 1) if '"credentials"' in line)
    assert f"{path}:{cred_line}: /paths/~1hello/x-amazon-apigateway-any-method/x-amazon-apigateway-integration/credentials: account 123456789012" in result.stdout
    assert "environment-specific literal" in result.stderr


TEMPLATE_YAML = """\ufeffAWSTemplateFormatVersion: '2010-09-09'\r
Resources:\r
  Api:\r
    Type: AWS::ApiGateway::RestApi\r
    Properties:\r
      Body:\r
        swagger: '2.0'\r
        paths:\r
          /a:\r
            get:\r
              x-amazon-apigateway-integration:\r
                type: aws\r
                uri: !Sub arn:${AWS::Partition}:apigateway:eu-west-1:states:action/StartExecution\r
                credentials: !Join ['', ['arn:aws:iam::', !Ref AWS::AccountId, ':role/x']]\r
"""


def test_cli_yaml_template_with_bom_crlf_short_tags_and_inline_body(cli, tmp_path):
    path = tmp_path / "template.yaml"
    path.write_bytes(TEMPLATE_YAML.encode("utf-8"))
    result = cli("audit", path, "--format", "json")
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    got = {(f["pointer"], f["kind"], f["value"], f["line"]) for f in report["findings"]}
    body = "/Resources/Api/Properties/Body/paths/~1a/get/x-amazon-apigateway-integration"
    assert got == {
        (f"{body}/uri/Fn::Sub", "region", "eu-west-1", 13),
        (f"{body}/credentials/Fn::Join/1", "partition", "aws", 14),
    }
    assert report["errors"] == []
    assert list(report["findings"][0]) == ["file", "line", "pointer", "kind", "value"]


def test_cli_clean_file_exits_0(cli, tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Topic", "Properties": {
        "TopicName": {"Fn::Sub": "orders-${env}"}, "KmsMasterKeyId": {"Fn::Sub": "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/x"}}}}}))
    result = cli("audit", path, "--env", "dev")
    assert (result.exit_code, result.stdout) == (0, "")


def test_cli_allow_and_user_allow_rule(cli, tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Subscription", "Properties": {
        "TopicArn": "arn:aws:sns:us-east-1:111122223333:shared"}}}}))
    assert cli("audit", path).exit_code == 1
    assert cli("audit", path, "--allow", r"arn:aws:sns:us-east-1:111122223333:shared").exit_code == 0
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "shared-topic.yaml").write_text(
        "id: shared-topic\ndescription: The organisation's shared topic lives in one account on purpose.\n"
        "allow: true\nmatch: 'arn:aws:sns:us-east-1:111122223333:shared'\n"
        "examples:\n  rewrites:\n    - input: 'arn:aws:sns:us-east-1:123456789012:mine'\n"
        "      output: {'Fn::Sub': 'arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:mine'}\n"
        "  unchanged:\n    - 'arn:aws:sns:us-east-1:111122223333:shared'\n")
    result = cli("audit", path, "--rules", rules)
    assert result.exit_code == 0, result.stdout + result.stderr


@pytest.mark.parametrize("args,message", [
    (["--format", "xml"], "--format 'xml': use text, json or sarif"),
    (["--allow", "(unclosed"], "--allow '(unclosed': invalid regular expression"),
])
def test_cli_bad_flags_exit_2(cli, args, message):
    result = cli("audit", FIXTURES / "amplify-stepfunctions" / "export.json", *args)
    assert result.exit_code == 2
    assert message in result.stderr and result.stdout == ""


def test_cli_bad_file_among_good_ones_exits_2_and_still_audits_the_rest(cli, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"Resources": ')
    good = FIXTURES / "amplify-stepfunctions" / "export.json"
    result = cli("audit", good, bad)
    assert result.exit_code == 2
    assert f"{bad}:1: invalid JSON" in result.stderr
    assert str(good) in result.stdout


def test_cli_refuses_a_document_that_is_neither(cli, tmp_path):
    path = tmp_path / "package.json"
    path.write_text('{"name": "x", "version": "1.0.0"}')
    result = cli("audit", path)
    assert result.exit_code == 2
    assert f"{path}: neither a CloudFormation template" in result.stderr


def test_strict_convert_uses_the_same_check(cli, tmp_path):
    export = json.loads((FIXTURES / "amplify-stepfunctions" / "export.json").read_text())
    integ = export["paths"]["/hello"]["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]
    integ["requestTemplates"]["application/json"] += " arn:aws:sns:us-east-1:999999999999:shared"
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    out = tmp_path / "out.json"
    result = cli("convert", path, "--strict", "-o", out)
    assert result.exit_code == 1
    assert "account 999999999999 is hardcoded" in result.stderr
    assert not out.exists()


# ---------------------------------------------------------------------------------------------
# The corpus: raw exports fail, converted outputs pass.


def _raw_exports(corpus: Path) -> Iterator[Path]:
    for f in sorted(corpus.rglob("*")):
        if f.suffix in (".json", ".yaml", ".yml") and f.is_file():
            data = load(f).data
            if isinstance(data, dict) and export_version(data) and not is_template(data) and not find_intrinsic(data):
                yield f


# Independent of the audit's patterns: does the export's text hold anything account- or env-bound at all?
ENV_BOUND = re.compile(r"arn:aws|\d{12}|amazonaws\.com|execute-api|connectionId|vpce-|[a-z]{2}-[a-z]+-\d")


@pytest.mark.parametrize("path", corpus_params(_raw_exports, what="raw export"))
def test_corpus_raw_export_fails_audit_and_converted_output_passes(path, cli, tmp_path):
    raw = cli("audit", path)
    if ENV_BOUND.search(path.read_text(encoding="utf-8-sig")):
        assert raw.exit_code == 1, f"audit found nothing in {path}"
    else:  # hand-tidied exports with no host and no ARN (e.g. MOCK only): nothing to find
        assert (raw.exit_code, raw.stdout) == (0, "")
    for fmt, style in (("json", "sub"), ("yaml", "join")):
        out = tmp_path / f"out.{fmt}"
        conv = cli("convert", path, "-o", out, "--format", fmt, "--style", style)
        assert conv.exit_code == 0, conv.stderr
        result = cli("audit", out)
        assert (result.exit_code, result.stdout) == (0, ""), f"{fmt}/{style}: {result.stdout}"


def test_canonical_example_converted_is_audit_clean_and_strict_agrees(cli, tmp_path):
    """The merged Amplify template is audit-clean: Amplify's own `arn:aws:` in the Lambda permission
    becomes arn:${AWS::Partition}: (same value); --keep-template-literals leaves it, and then
    --strict refuses exactly what audit reports."""
    import shutil

    for keep in (False, True):
        work = tmp_path / f"case-{keep}"
        shutil.copytree(FIXTURES / "amplify-stepfunctions", work, ignore=shutil.ignore_patterns("expected"))
        template = work / "amplify/backend/api/HelloApi/HelloApi-cloudformation-template.json"
        args = ["--keep-template-literals"] if keep else []
        converted = cli("convert", work / "export.json", "--template", template, "--in-place", *args)
        assert converted.exit_code == 0
        findings = json.loads(cli("audit", template, "--env", "dev", "--format", "json").stdout)["findings"]
        strict = cli("convert", work / "export.json", "--template", template, "--strict", *args)
        if not keep:
            assert findings == [] and "audit:" not in converted.stderr
            assert strict.exit_code == 0
            continue
        permission = "/Resources/functionHelloFuncPermissionHelloApi/Properties/SourceArn/Fn::Join/1"
        assert [(f["pointer"], f["kind"], f["value"]) for f in findings] == [(permission, "partition", "aws")]
        assert f"audit: 1 environment-specific literal(s) left in the output, first at {permission} (partition aws)" in converted.stderr
        assert strict.exit_code == 1 and f"  {permission}: partition aws is hardcoded" in strict.stderr


def _amplify_scenarios() -> list:
    from cases import cases

    return [p for p in cases(("scenario",)) if (p.values[0].scenario.folder / "amplify").is_dir()]


@pytest.mark.parametrize("case", _amplify_scenarios())
def test_every_amplify_scenario_converted_in_place_is_audit_clean(case, converted, cli, tmp_path):
    """convert --in-place (with the scenario's args) leaves nothing for audit, with every env of the
    project: Amplify's own permissions and kept routes are made portable. For Amplify CLI >= 7 what is
    audited is the template Amplify builds from build/ and the written override.ts (applied by node,
    as `amplify build` does); build/ itself keeps the last build until then."""
    conv = converted(case)
    assert conv.exit_code == 0, conv.stderr
    audited = conv.out
    if case.scenario.spec.get("override"):
        audited = tmp_path / "built-by-amplify.json"
        audited.write_text(json.dumps(conv.template, indent=2))
    providers = conv.work / "amplify" / "team-provider-info.json"
    envs = [e for e in (json.loads(providers.read_text()) if providers.exists() else {})] or ["dev"]
    result = cli("audit", audited, *[a for e in envs for a in ("--env", e)], "--format", "json")
    assert json.loads(result.stdout)["findings"] == [], result.stdout
    assert result.exit_code == 0
    assert "audit:" not in conv.stderr  # and convert, which runs the same scan, agrees


def test_shared_example_export_fails_audit(cli):
    export = need_shared(EXAMPLE / "export.json")
    assert cli("audit", export).exit_code == 1


def test_env_prefix_and_every_env_of_the_project(cli, tmp_path):
    template = {"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "dev-churn-model"}},
                              "T": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "orders-prod"}},
                              "U": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "developer-devices"}}}}
    (tmp_path / "t.json").write_text(json.dumps(template, indent=2))
    one = cli("audit", tmp_path / "t.json", "--env", "dev", "--format", "json")
    assert [(f["pointer"], f["kind"], f["value"]) for f in json.loads(one.stdout)["findings"]] == [
        ("/Resources/Q/Properties/QueueName", "env-prefix", "dev")]
    both = cli("audit", tmp_path / "t.json", "--env", "dev", "--env", "prod", "--format", "json")
    assert sorted((f["kind"], f["value"]) for f in json.loads(both.stdout)["findings"]) == [("env-prefix", "dev"), ("env-suffix", "prod")]


def test_strict_convert_checks_every_env_the_amplify_project_has(cli, tmp_path):
    work = tmp_path / "p"
    shutil.copytree(FIXTURES / "amplify-stepfunctions", work, ignore=shutil.ignore_patterns("expected"))
    export = json.loads((work / "export.json").read_text())
    integration = export["paths"]["/hello"]["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]
    integration["requestTemplates"]["application/json"] = integration["requestTemplates"]["application/json"].replace("HelloStep-dev", "HelloStep-prod")
    (work / "export.json").write_text(json.dumps(export, indent=2))
    template = work / "amplify/backend/api/HelloApi/HelloApi-cloudformation-template.json"
    assert cli("convert", work / "export.json", "-t", template, "--strict", "--env", "dev").exit_code == 0  # prod: unknown here
    (work / "amplify" / "team-provider-info.json").write_text(json.dumps({"dev": {"awscloudformation": {}}, "prod": {"awscloudformation": {}}}))
    before = template.read_bytes()
    strict = cli("convert", work / "export.json", "-t", template, "--strict", "--env", "dev", "--in-place")
    assert strict.exit_code == 1 and "env-suffix prod is hardcoded" in strict.stderr, strict.stderr
    assert template.read_bytes() == before
