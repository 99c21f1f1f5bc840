"""--adopt (exporter/targets/adopt.py) checked against CloudFormation's resource import rules:
- every resource of the import template has a DeletionPolicy (Retain; UpdateReplacePolicy too);
- an IMPORT change set only imports: no resource it cannot import, no Outputs;
- each resources-to-import entry names a resource of the template, of the same type, by exactly the
  primary identifier of the type's registry schema (the schemas cfn-lint ships), with the live ids;
- the types are ones whose schema has the handlers import uses (read, and list for discovery)."""

from __future__ import annotations

import json
from functools import lru_cache

import pytest

from conftest import FIXTURES

SCENARIO = FIXTURES / "stage-settings"
EXPORT, STAGE = SCENARIO / "export.json", SCENARIO / "stage.json"
API_ID = "k3x9p2m7qa"  # the export's host


@lru_cache(maxsize=None)
def registry_schema(kind: str) -> dict:
    """The CloudFormation registry schema of a resource type, as cfn-lint ships it (us-east-1), read
    through cfn-lint's own schema manager: its on-disk layout changed between releases (1.52)."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", kind).schema
    # cfn-lint < 1.52 stripped "handlers"; pyproject's test extra asks for a newer one
    assert "handlers" in schema, f"cfn-lint's {kind} schema has no handlers: cfn-lint too old"
    return schema


def adopt(cli, tmp_path, *args, export=EXPORT):
    out = tmp_path / "import.json"
    result = cli("convert", export, "-o", out, "--adopt", *args)
    assert result.exit_code == 0, result.stderr
    rti = tmp_path / "import-resources-to-import.json"
    after = tmp_path / "import-after-import.json"
    return json.loads(out.read_text()), json.loads(rti.read_text()), json.loads(after.read_text()), result


def check_import_rules(template: dict, rti: list[dict]) -> None:
    assert "Outputs" not in template, "an import cannot add Outputs"
    resources = template["Resources"]
    assert sorted(r["LogicalResourceId"] for r in rti) == sorted(resources), "the template holds the imported resources, nothing else"
    for entry in rti:
        res = resources[entry["LogicalResourceId"]]
        assert res["Type"] == entry["ResourceType"]
        assert res.get("DeletionPolicy") == "Retain" and res.get("UpdateReplacePolicy") == "Retain", entry["LogicalResourceId"]
        schema = registry_schema(entry["ResourceType"])
        want = [p.rsplit("/", 1)[1] for p in schema["primaryIdentifier"]]
        assert sorted(entry["ResourceIdentifier"]) == sorted(want), f"{entry['ResourceType']}: identifier {want}"
        assert all(isinstance(v, str) and v for v in entry["ResourceIdentifier"].values())
        assert {"read", "list"} <= set(schema["handlers"]), f"{entry['ResourceType']} cannot be imported"
        # an identifier that is a writable property must be what the template says (StageName)
        read_only = {p.rsplit("/", 1)[1] for p in schema.get("readOnlyProperties", [])}
        for name, value in entry["ResourceIdentifier"].items():
            if name not in read_only and name != "RestApiId":
                assert res["Properties"][name] == value, f"{entry['LogicalResourceId']}.{name}"
            if name == "RestApiId" and entry["ResourceType"] != "AWS::ApiGateway::RestApi":
                assert res["Properties"]["RestApiId"] == {"Ref": "RestApi"}


@pytest.mark.slow
def test_adopt_with_stage_imports_api_deployment_and_stage(cli, tmp_path, cfn_lint):
    template, rti, after, result = adopt(cli, tmp_path, "--stage", STAGE)
    check_import_rules(template, rti)
    live = json.loads(STAGE.read_text())
    ids = {r["ResourceType"]: r["ResourceIdentifier"] for r in rti}
    assert ids == {"AWS::ApiGateway::RestApi": {"RestApiId": API_ID},
                   "AWS::ApiGateway::Deployment": {"DeploymentId": live["deploymentId"], "RestApiId": API_ID},
                   "AWS::ApiGateway::Stage": {"RestApiId": API_ID, "StageName": live["stageName"]}}
    stage = template["Resources"]["Stage"]["Properties"]
    assert stage["StageName"] == "prod"  # a literal: the identifier
    assert stage["CanarySetting"]["DeploymentId"] == live["canarySettings"]["deploymentId"]  # the live canary stays
    assert "canarySettings deploymentId" not in result.stderr  # carried with --adopt
    # the after-import template: same logical ids, Retain kept, plus what the import could not hold
    for entry in rti:
        res = after["Resources"][entry["LogicalResourceId"]]
        assert res["Type"] == entry["ResourceType"] and res["DeletionPolicy"] == "Retain"
    assert "Outputs" in after
    plain = tmp_path / "plain.json"
    assert cli("convert", EXPORT, "--stage", STAGE, "-o", plain).exit_code == 0
    assert sorted(json.loads(plain.read_text())["Resources"]) == sorted(after["Resources"]), \
        "converting later without --adopt keeps the logical ids the import gave"
    for t in (template, after):
        assert cfn_lint(json.dumps(t)) == []
    assert "adopt: import RestApi (AWS::ApiGateway::RestApi), Deployment" in result.stderr


@pytest.mark.slow
def test_adopt_without_stage_imports_the_rest_api_only_and_says_so(cli, tmp_path, cfn_lint):
    template, rti, after, result = adopt(cli, tmp_path, export=FIXTURES / "service-integrations" / "export.json")
    check_import_rules(template, rti)
    assert [r["ResourceType"] for r in rti] == ["AWS::ApiGateway::RestApi"]
    assert "--adopt without --stage imports the RestApi only" in result.stderr
    assert "not in the import template: " in result.stderr and "Stage" in result.stderr
    assert "Parameters" not in template or all(p != "StageVariableAlias" for p in template["Parameters"])  # used only by the Stage
    assert cfn_lint(json.dumps(template)) == []


def test_adopt_leaves_lambda_permissions_to_the_update(cli, tmp_path):
    export = FIXTURES / "service-integrations" / "export.json"
    plain = tmp_path / "plain.json"
    assert cli("convert", export, "-o", plain).exit_code == 0
    permissions = [k for k, r in json.loads(plain.read_text())["Resources"].items() if r["Type"] == "AWS::Lambda::Permission"]
    template, rti, after, result = adopt(cli, tmp_path, export=export)
    check_import_rules(template, rti)
    assert permissions, "the case needs a Lambda permission"
    for lid in permissions:
        assert lid not in template["Resources"] and lid in after["Resources"]
        assert lid in result.stderr
    # AWS::Lambda::Permission is identified by its statement Id, read-only: nothing in the export names it
    schema = registry_schema("AWS::Lambda::Permission")
    assert "/properties/Id" in schema["primaryIdentifier"] and "/properties/Id" in schema["readOnlyProperties"]


@pytest.mark.parametrize("args,message", [
    (("--adopt",), "--adopt needs -o FILE"),
    (("--adopt", "-t", FIXTURES / "multi-api" / "template.json", "-o", "x.json"), "--adopt writes a standalone template"),
])
def test_adopt_refusals(cli, tmp_path, args, message):
    result = cli("convert", EXPORT, *args)
    assert result.exit_code == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_adopt_needs_the_api_id_from_the_host(cli, tmp_path):
    export = json.loads(EXPORT.read_text())
    del export["host"]
    path = tmp_path / "nohost.json"
    path.write_text(json.dumps(export))
    out = tmp_path / "o.json"
    result = cli("convert", path, "--adopt", "-o", out)
    assert result.exit_code == 2 and "--adopt needs the live API's id" in result.stderr
    assert not out.exists() and not (tmp_path / "o-resources-to-import.json").exists()


def test_adopt_says_the_live_api_keeps_its_address(cli, tmp_path):
    *_, result = adopt(cli, tmp_path, "--stage", STAGE)
    assert "dropped host (the API's own address, not part of the Body: with --adopt the live API keeps its id and URL)" in result.stderr
    assert "CloudFormation assigns a new one" not in result.stderr
    plain = cli("convert", EXPORT, "-o", tmp_path / "plain.json")  # without --adopt a new API gets a new address
    assert "dropped host (the API's own address; CloudFormation assigns a new one)" in plain.stderr
