"""exporter.targets.template.TemplateMerge: the paths merged into a template the user gave; with a
changed RestApi Body its Deployments are renamed so the stack update redeploys the stage."""

from __future__ import annotations

import json
import re

from exporter.convert import Options, convert
from exporter.io.load import load_export, load_template
from exporter.targets.template import TemplateMerge

EXPORT = {"swagger": "2.0", "info": {"title": "inventory", "version": "1"}, "basePath": "/dev", "paths": {
    "/items": {"get": {"x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET",
                                                            "uri": "https://example.com/items"}}}}}


def _template(body_paths=None, api_type="AWS::ApiGateway::RestApi", deployment=True, outputs=None) -> dict:
    body_key = "Body" if api_type == "AWS::ApiGateway::RestApi" else "DefinitionBody"
    t = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {
        "Api": {"Type": api_type, "Properties": {body_key: {"swagger": "2.0", "info": {"title": "inventory", "version": "1"},
                                                           "paths": body_paths if body_paths is not None else {}}}}}}
    if api_type == "AWS::Serverless::Api":
        t["Transform"] = "AWS::Serverless-2016-10-31"
        t["Resources"]["Api"]["Properties"]["StageName"] = "dev"
    if deployment:
        t["Resources"]["ApiDeployment"] = {"Type": "AWS::ApiGateway::Deployment", "Properties": {"RestApiId": {"Ref": "Api"}}}
        t["Resources"]["ApiStage"] = {"Type": "AWS::ApiGateway::Stage", "Properties": {
            "RestApiId": {"Ref": "Api"}, "DeploymentId": {"Ref": "ApiDeployment"}, "StageName": "dev"}}
    if outputs:
        t["Outputs"] = outputs
    return t


def _conv(tmp_path, template: dict):
    (tmp_path / "export.json").write_text(json.dumps(EXPORT))
    (tmp_path / "template.json").write_text(json.dumps(template))
    return convert(load_export(tmp_path / "export.json"), load_template(tmp_path / "template.json"), Options())


def test_applies_with_a_target_outside_an_amplify_project(tmp_path):
    conv = _conv(tmp_path, _template())
    assert TemplateMerge.applies(conv)
    conv.project = object()  # an Amplify project has its own target
    assert not TemplateMerge.applies(conv)


def test_a_changed_body_renames_the_deployment_and_every_ref_to_it(tmp_path):
    built = TemplateMerge().build(_conv(tmp_path, _template()))
    res = built.template["Resources"]
    assert "ApiDeployment" not in res
    [new] = [k for k in res if k.startswith("ApiDeployment")]
    assert re.fullmatch(r"ApiDeployment[0-9a-f]{8}", new)
    assert res[new]["Type"] == "AWS::ApiGateway::Deployment"
    assert res["ApiStage"]["Properties"]["DeploymentId"] == {"Ref": new}
    assert "/items" in res["Api"]["Properties"]["Body"]["paths"]
    assert [n.rule for n in built.notes] == ["redeploy"] and built.warnings == []


def test_an_unchanged_body_keeps_the_deployment(tmp_path):
    paths = EXPORT["paths"]
    built = TemplateMerge().build(_conv(tmp_path, _template(body_paths=json.loads(json.dumps(paths)))))
    assert "ApiDeployment" in built.template["Resources"]
    assert built.notes == [] and built.warnings == []


def test_no_deployment_is_a_warning(tmp_path):
    built = TemplateMerge().build(_conv(tmp_path, _template(deployment=False)))
    assert [w.rule for w in built.warnings] == ["no-deployment"]


def test_a_deployment_an_exported_output_names_keeps_its_id_with_a_warning(tmp_path):
    t = _template(outputs={"Dep": {"Value": {"Ref": "ApiDeployment"}, "Export": {"Name": "dep"}}})
    built = TemplateMerge().build(_conv(tmp_path, t))
    assert "ApiDeployment" in built.template["Resources"]
    assert [w.rule for w in built.warnings] == ["deployment-in-outputs"]


def test_a_sam_api_is_left_to_sam(tmp_path):
    # SAM deploys a changed DefinitionBody itself: nothing renamed, nothing said
    conv = _conv(tmp_path, _template(api_type="AWS::Serverless::Api", deployment=False))
    built = TemplateMerge().build(conv)
    assert built.template is conv.template
    assert built.notes == [] and built.warnings == []
