"""exporter.pipeline: one run on plain data, a Request of loaded documents in, a Result out, with no
disk and no terminal. Expectations are CloudFormation facts checked on the result: the Body resolves
(with the home's pseudo parameters) to the export's paths, a Deployment id changes with the Body,
the execute-api URL of the home partition; files() names only what would change."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import pytest

from exporter import pipeline
from exporter.convert import Options
from exporter.io.load import Document, parse_text
from exporter.resolve import resolve

ARN = "arn:{p}:apigateway:{r}:lambda:path/2015-03-31/functions/arn:{p}:lambda:{r}:111122223333:function:orders-dev/invocations"


def export_of(partition: str = "aws", region: str = "eu-west-1", suffix: str = "amazonaws.com") -> dict:
    return {"swagger": "2.0", "info": {"title": "orders"}, "host": f"a1b2c3d4e5.execute-api.{region}.{suffix}", "basePath": "/dev",
            "paths": {"/orders": {"get": {"responses": {"200": {"description": "ok"}},
                                          "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST",
                                                                              "uri": ARN.format(p=partition, r=region)}}}}}


def doc(data: dict, path: str = "export.json", indent: int = 2, bom: bool = False) -> Document:
    return Document(path, data, json.dumps(data, indent=indent) + "\n", "json", bom=bom)


TEMPLATE = {"AWSTemplateFormatVersion": "2010-09-09",
            "Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi",
                                  "Properties": {"Name": "orders", "Body": {"swagger": "2.0", "info": {"title": "orders"}, "paths": {}}}}}}


@pytest.fixture(autouse=True)
def nowhere(tmp_path, monkeypatch):
    """Run where nothing exists: the pipeline must read and write no file."""
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    assert list(tmp_path.iterdir()) == []


def home_values(partition="aws", region="eu-west-1", suffix="amazonaws.com") -> dict:
    return {"AWS::Partition": partition, "AWS::Region": region, "AWS::AccountId": "111122223333", "AWS::URLSuffix": suffix, "env": "dev"}


def by_type(template: dict, type_: str) -> dict:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


# --- standalone


def test_standalone_result_is_a_template_whose_body_resolves_to_the_export():
    export = export_of()
    result = pipeline.run(pipeline.Request(doc(export), None, Options()))
    template = result.conversion.template
    assert json.loads(result.text) == template  # the text is the template
    (api,) = by_type(template, "AWS::ApiGateway::RestApi").values()
    body = api["Properties"]["Body"]
    uri = body["paths"]["/orders"]["get"]["x-amazon-apigateway-integration"]["uri"]
    assert "arn:aws:" not in json.dumps(uri) and "111122223333" not in json.dumps(uri)  # literals became intrinsics
    assert resolve(body["paths"], home_values()) == export["paths"]
    assert result.files() == {} and result.template_path is None


def test_standalone_deployment_is_named_by_the_bodys_hash_and_the_stage_uses_it():
    result = pipeline.run(pipeline.Request(doc(export_of()), None, Options()))
    template = result.conversion.template
    (body,) = [r["Properties"]["Body"] for r in by_type(template, "AWS::ApiGateway::RestApi").values()]
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:10]
    assert list(by_type(template, "AWS::ApiGateway::Deployment")) == [f"Deployment{digest}"]
    (stage,) = by_type(template, "AWS::ApiGateway::Stage").values()
    assert stage["Properties"]["DeploymentId"] == {"Ref": f"Deployment{digest}"}


def test_standalone_grants_api_gateway_the_function():
    template = pipeline.run(pipeline.Request(doc(export_of()), None, Options())).conversion.template
    (perm,) = by_type(template, "AWS::Lambda::Permission").values()
    props = perm["Properties"]
    assert (props["Action"], props["Principal"]) == ("lambda:InvokeFunction", "apigateway.amazonaws.com")
    values = {**home_values(), "RestApi": "a1b2c3d4e5"}
    assert resolve(props["FunctionName"], values) == "arn:aws:lambda:eu-west-1:111122223333:function:orders-dev"
    assert resolve(props["SourceArn"], values) == "arn:aws:execute-api:eu-west-1:111122223333:a1b2c3d4e5/*"


@pytest.mark.parametrize("partition,region,suffix", [("aws-eusc", "eusc-de-east-1", "amazonaws.eu"),
                                                     ("aws-iso", "us-iso-east-1", "c2s.ic.gov"),
                                                     ("aws-cn", "cn-north-1", "amazonaws.com.cn")])
def test_a_partitions_export_is_homed_there_and_its_url_uses_its_suffix(partition, region, suffix):
    export = export_of(partition, region, suffix)
    result = pipeline.run(pipeline.Request(doc(export), None, Options()))
    conv = result.conversion
    assert (conv.home.partition, conv.home.region) == (partition, region)
    assert conv.ctx.values()["AWS::URLSuffix"] == suffix
    values = {**home_values(partition, region, suffix), "RestApi": "a1b2c3d4e5", "Stage": "dev"}
    assert resolve(conv.template["Outputs"]["RootUrl"]["Value"], values) == f"https://a1b2c3d4e5.execute-api.{region}.{suffix}/dev"
    (body,) = [r["Properties"]["Body"] for r in by_type(conv.template, "AWS::ApiGateway::RestApi").values()]
    assert f"arn:{partition}:" not in json.dumps(body)
    assert resolve(body["paths"], values) == export["paths"]


def test_options_override_what_is_inferred():
    result = pipeline.run(pipeline.Request(doc(export_of()), None, Options(region="us-west-2", account="444455556666")))
    ctx = result.conversion.ctx
    assert (ctx.region, ctx.account) == ("us-west-2", "444455556666")
    # the export's own region and account are not the home: they stay literal
    assert "eu-west-1" in result.text and "111122223333" in result.text


def test_compact_is_one_line_of_json():
    result = pipeline.run(pipeline.Request(doc(export_of()), None, Options(), compact=True))
    assert "\n" not in result.text.rstrip("\n") and json.loads(result.text) == result.conversion.template


def test_a_standalone_template_in_yaml():
    result = pipeline.run(pipeline.Request(doc(export_of()), None, Options(), fmt="yaml"))
    data, fmt = parse_text(result.text, "out")
    assert fmt == "yaml" and data == result.conversion.template


# --- into a template


def test_into_a_template_the_body_is_replaced_and_the_file_keeps_its_layout():
    export = export_of()
    tdoc = doc(TEMPLATE, "nowhere/template.json", indent=4)
    result = pipeline.run(pipeline.Request(doc(export), tdoc, Options()))
    assert result.template_path == Path("nowhere/template.json")
    files = result.files()
    assert list(files) == [Path("nowhere/template.json")] and files[Path("nowhere/template.json")] == result.text
    assert result.text.startswith('{\n    "AWSTemplateFormatVersion": "2010-09-09",\n')  # its 4-space indent
    body = json.loads(result.text)["Resources"]["Api"]["Properties"]["Body"]
    assert resolve(body["paths"], home_values()) == export["paths"]
    assert TEMPLATE["Resources"]["Api"]["Properties"]["Body"]["paths"] == {}  # the request's data is not changed


def test_a_template_already_converted_is_not_written_again():
    first = pipeline.run(pipeline.Request(doc(export_of()), doc(TEMPLATE, "t.json"), Options()))
    again = Document("t.json", json.loads(first.text), first.text, "json")
    second = pipeline.run(pipeline.Request(doc(export_of()), again, Options()))
    assert second.text == first.text and second.files() == {}


def test_a_bom_is_written_back_as_found():
    first = pipeline.run(pipeline.Request(doc(export_of()), doc(TEMPLATE, "t.json"), Options()))
    again = Document("t.json", json.loads(first.text), first.text, "json", bom=True)
    second = pipeline.run(pipeline.Request(doc(export_of()), again, Options()))
    assert second.text == "\ufeff" + first.text
    assert second.files() == {}  # the BOM is the file's own: nothing changed


def test_a_template_written_in_another_format():
    tdoc = doc(TEMPLATE, "t.json")
    result = pipeline.run(pipeline.Request(doc(export_of()), tdoc, Options(), fmt="yaml"))
    data, fmt = parse_text(result.text, "out")
    assert fmt == "yaml" and data == result.conversion.template


def test_render_template_of_unchanged_data_is_the_files_own_text():
    text = '{ "AWSTemplateFormatVersion" : "2010-09-09",\n\t"Resources": {} }\n'
    tdoc = Document("t.json", json.loads(text), text, "json")
    assert pipeline.render_template(copy.deepcopy(tdoc.data), tdoc, None) == text
    assert pipeline.render_template({"a": 1}, None, None) == '{\n  "a": 1\n}\n'
