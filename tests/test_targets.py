"""The destinations seam: which target a conversion goes to, and the pieces they share."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from exporter import targets
from exporter.targets.shared import body_digest, content_hash, lambda_permission, source_arn, unique_id

BODY = {"paths": {"/b": {"get": {}}, "/a": {"post": {"x": [1, 2]}}}, "swagger": "2.0"}


def _conv(target, layout=None):
    return SimpleNamespace(target=target, project=None if layout is None else SimpleNamespace(layout=layout))


def test_each_conversion_has_exactly_one_destination():
    cases = {(None, None): "standalone", ("t", None): "template", ("t", "classic"): "amplify-classic", ("t", "cli7"): "amplify-cli7"}
    for (target, layout), name in cases.items():
        conv = _conv(target, layout)
        assert [t.name for t in targets.TARGETS if t.applies(conv)] == [name]
        assert targets.choose(conv).name == name
    adopt = SimpleNamespace(target=None, project=None, adopt_to="t.json")  # --adopt: standalone, cut for resource import
    assert [t.name for t in targets.TARGETS if t.applies(adopt)] == ["adopt"]


def test_content_hash_keeps_each_targets_historic_digest():
    standalone = hashlib.sha256(json.dumps(BODY, sort_keys=True).encode()).hexdigest()[:10]
    amplify = hashlib.sha256(json.dumps(BODY, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:8]
    assert content_hash(BODY, length=10, compact=False) == standalone
    assert body_digest(BODY) == content_hash(BODY, length=8, compact=True) == amplify
    assert standalone[:8] != amplify  # the two really differ: the parameter is not decoration


def test_unique_id_counts_from_two():
    assert unique_id("FnPermission", set()) == "FnPermission"
    assert unique_id("FnPermission", {"FnPermission", "FnPermission2"}) == "FnPermission3"


def test_lambda_permission_key_orders():
    fn, src = {"Ref": "fn"}, source_arn("Api", scope="/*/*/*", style="join")
    assert list(lambda_permission(fn, src)["Properties"]) == ["Action", "FunctionName", "Principal", "SourceArn"]
    assert list(lambda_permission(fn, src, function_first=True)["Properties"]) == ["FunctionName", "Action", "Principal", "SourceArn"]
    assert src["Fn::Join"][1][-2:] == [{"Ref": "Api"}, "/*/*/*"]
    assert source_arn("RestApi", scope="/*") == {"Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${RestApi}/*"}


# --- a plain template merge redeploys its stage (exporter.targets.shared.redeploy)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_a_changed_body_renames_the_templates_deployment_and_what_refs_it(tmp_path, cli):
    """CloudFormation leaves an unchanged Deployment alone, so the stage would keep the old API: the
    merge renames it after the Body's hash, the Stage follows, and a re-run changes nothing."""
    case = FIXTURES / "openapi3-yaml-into-yaml-template"
    template = tmp_path / "template.yaml"
    shutil.copy(case / "template.yaml", template)
    first = cli("convert", case / "export.yaml", "--template", template, "--in-place")
    assert first.exit_code == 0, first.stderr
    from exporter.io.load import load

    data = load(template).data
    deployments = [lid for lid, r in data["Resources"].items() if r["Type"] == "AWS::ApiGateway::Deployment"]
    body = data["Resources"]["PetsApi"]["Properties"]["Body"]
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:8]
    assert deployments == [f"PetsDeployment{digest}"]
    assert data["Resources"]["PetsStage"]["Properties"]["DeploymentId"] == {"Ref": f"PetsDeployment{digest}"}
    assert f"redeploy: renamed PetsDeployment -> PetsDeployment{digest}" in first.stderr
    assert "so the stack update creates a new deployment" in first.stderr
    before = template.read_bytes()
    again = cli("convert", case / "export.yaml", "--template", template, "--in-place")
    assert again.exit_code == 0 and "redeploy" not in again.stderr
    assert template.read_bytes() == before


def test_redeploy_keeps_the_id_an_export_names_and_says_so():
    from exporter.targets.shared import redeploy

    template = {"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi"},
                              "Dep": {"Type": "AWS::ApiGateway::Deployment", "Properties": {"RestApiId": {"Ref": "Api"}}}},
                "Outputs": {"D": {"Value": {"Ref": "Dep"}, "Export": {"Name": "dep"}}}}
    out, found = redeploy(template, "Api", {"paths": {"/a": {}}}, {"paths": {}}, update="the stack update")
    assert out is template
    assert [f.rule for f in found] == ["deployment-in-outputs"] and "after the stack update" in found[0].message
    same, none = redeploy(template, "Api", {"paths": {}}, {"paths": {}}, update="x")  # the Body did not change
    assert same is template and none == []
    template["Outputs"]["D"].pop("Export")  # a plain Output follows the new id
    out, found = redeploy(template, "Api", {"paths": {"/a": {}}}, {"paths": {}}, update="x")
    (new,) = [k for k in out["Resources"] if k.startswith("Dep")]
    assert out["Outputs"] == {"D": {"Value": {"Ref": new}}} and [f.rule for f in found] == ["redeploy"]


@pytest.mark.parametrize("first", ["PetsDeployment", "DeploymentAPIGWPetsApi", "Deployment30065cf445"])
def test_each_redeploy_replaces_the_hash_instead_of_growing_the_id(first):
    """Three exports in a row: the id keeps one 8-character hash (was: +8 characters per change,
    past CloudFormation's 255 after ~30 updates). The standalone target's own id loses its 10."""
    from exporter.targets.shared import redeploy

    template = {"Resources": {"PetsApi": {"Type": "AWS::ApiGateway::RestApi"},
                              first: {"Type": "AWS::ApiGateway::Deployment", "Properties": {"RestApiId": {"Ref": "PetsApi"}}},
                              "Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": {"DeploymentId": {"Ref": first}}}}}
    stem = "Deployment" if first.startswith("Deployment3") else first
    before: dict = {"paths": {}}
    for n in range(3):
        body = {"paths": {f"/v{n}": {}}}
        template, _ = redeploy(template, "PetsApi", body, before, update="x")
        digest = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:8]
        assert [k for k in template["Resources"] if k not in ("PetsApi", "Stage")] == [stem + digest]
        assert template["Resources"]["Stage"]["Properties"]["DeploymentId"] == {"Ref": stem + digest}
        before = body


def test_a_malformed_sub_near_the_id_is_left_alone_not_a_crash():
    from exporter.targets.shared import rename_logical_id

    node = {"A": {"Fn::Sub": ["dep ${Dep}"]}, "B": {"Fn::Sub": []}, "C": {"Fn::Sub": "${Dep.Arn}"}}
    assert rename_logical_id(node, "Dep", "Dep1") == {"A": {"Fn::Sub": ["dep ${Dep}"]}, "B": {"Fn::Sub": []}, "C": {"Fn::Sub": "${Dep1.Arn}"}}


def test_a_sam_definitionbody_is_left_to_sam(tmp_path, cli):
    """AWS::Serverless::Api deploys a changed DefinitionBody itself: no Deployment to rename."""
    case = FIXTURES / "sam-definitionbody"
    out = tmp_path / "out.yaml"
    names = sorted(p.name for p in case.iterdir())
    export = next(case / n for n in names if n.startswith("export"))
    template = next(case / n for n in names if n.startswith("template"))
    result = cli("convert", export, "--template", template, "-o", out)
    assert result.exit_code == 0, result.stderr
    assert "redeploy" not in result.stderr


def test_redeploy_renames_a_reference_inside_the_body_too():
    """The Body is judged by the text its hash was taken of: a ${Dep} in it still follows the rename."""
    from exporter.targets.shared import redeploy

    body = {"paths": {"/a": {"get": {"description": {"Fn::Sub": "deployed as ${Dep}"}}}}}
    template = {"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "x", "Body": body}},
                              "Dep": {"Type": "AWS::ApiGateway::Deployment", "Properties": {"RestApiId": {"Ref": "Api"}}},
                              "Other": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "Dep-like"}}}}
    out, found = redeploy(template, "Api", body, {"paths": {}}, update="the stack update")
    new = next(k for k in out["Resources"] if k.startswith("Dep") and k != "Dep")
    assert out["Resources"]["Api"]["Properties"]["Body"]["paths"]["/a"]["get"]["description"] == {"Fn::Sub": f"deployed as ${{{new}}}"}
    assert out["Resources"]["Other"] is template["Resources"]["Other"]  # names nothing: not walked, not copied
    assert template["Resources"]["Api"]["Properties"]["Body"] is body and "Dep" in template["Resources"]  # input untouched


def test_routes_built_as_resources_beside_the_new_body_are_warned_about(tmp_path, cli):
    template = {"Resources": {
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "orders"}},
        "Orders": {"Type": "AWS::ApiGateway::Resource", "Properties": {"RestApiId": {"Ref": "Api"}, "PathPart": "orders",
                                                                          "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]}}},
        "GetOrders": {"Type": "AWS::ApiGateway::Method", "Properties": {"RestApiId": {"Ref": "Api"}, "ResourceId": {"Ref": "Orders"},
                                                                           "HttpMethod": "GET", "AuthorizationType": "NONE"}},
        "Other": {"Type": "AWS::ApiGateway::Method", "Properties": {"RestApiId": {"Ref": "OtherApi"}}}}}
    path = tmp_path / "t.json"
    path.write_text(json.dumps(template, indent=2))
    result = cli("convert", FIXTURES / "service-integrations" / "export.json", "-t", path, "-o", tmp_path / "out.json")
    assert result.exit_code == 0, result.stderr
    assert "warning: Api also has routes as AWS::ApiGateway::Resource/Method resources (GetOrders, Orders)" in result.stderr
    assert "Other" not in result.stderr.split("resources (")[1].split(")")[0]
