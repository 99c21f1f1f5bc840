"""The 1 MB template limit: convert warns near it and --compact writes the smallest JSON."""

from __future__ import annotations

import json

from exporter.limits import NEAR, TEMPLATE_LIMIT, compact_json, size_warning


def big_export(paths: int) -> dict:
    """A console-shaped export whose converted template is roughly paths * 4 KB."""
    item = {
        "get": {
            "responses": {"200": {"description": "200 response " + "x" * 3000}},
            "x-amazon-apigateway-integration": {
                "type": "aws", "httpMethod": "POST", "uri": "arn:aws:apigateway:eu-west-1:states:action/StartExecution",
                "credentials": "arn:aws:iam::123456789012:role/api-role",
                "requestTemplates": {"application/json": '{"stateMachineArn": "arn:aws:states:eu-west-1:123456789012:stateMachine:m"}'},
                "responses": {"default": {"statusCode": "200"}}, "passthroughBehavior": "when_no_templates"},
        }
    }
    return {"swagger": "2.0", "info": {"title": "Big", "version": "1"}, "paths": {f"/p{i}": item for i in range(paths)}}


def test_no_warning_well_under_the_limit():
    assert size_warning("{}", {}, fmt="json", compact=False) is None


def test_warning_near_the_limit_offers_compact_with_its_size():
    template = {"k": "v" * int(NEAR * TEMPLATE_LIMIT)}
    text = json.dumps(template, indent=4)
    msg = size_warning(text, template, fmt="json", compact=False)
    assert msg is not None and "near CloudFormation's 1,000,000-byte template limit" in msg
    assert f"--compact writes it as {len(compact_json(template).encode()):,} bytes, which fits" in msg


def test_yaml_output_is_told_to_switch_to_json():
    template = {"k": "v" * TEMPLATE_LIMIT}
    msg = size_warning("x" * (TEMPLATE_LIMIT + 1), template, fmt="yaml", compact=False)
    assert msg.startswith(f"output is {TEMPLATE_LIMIT + 1:,} bytes, over")
    assert "--format json --compact" in msg and "is still too big" in msg


def test_compact_output_over_the_limit_says_split():
    template = {"k": "v" * TEMPLATE_LIMIT}
    msg = size_warning(compact_json(template), template, fmt="json", compact=True)
    assert "even compact: split the API" in msg


def test_convert_warns_near_the_limit_and_compact_writes_the_same_template(cli, tmp_path):
    export = tmp_path / "export.json"
    export.write_text(json.dumps(big_export(250), indent=2))
    pretty, small = tmp_path / "pretty.json", tmp_path / "small.json"
    result = cli("convert", export, "-o", pretty)
    assert result.exit_code == 0, result.stderr
    size = pretty.stat().st_size
    assert size > NEAR * TEMPLATE_LIMIT, f"the test export is too small ({size:,} bytes) to reach the warning"
    assert f"warning: output is {size:,} bytes" in result.stderr
    assert "--compact writes it as" in result.stderr
    result = cli("convert", export, "--compact", "-o", small)
    assert result.exit_code == 0, result.stderr
    assert json.loads(small.read_text()) == json.loads(pretty.read_text())
    assert small.stat().st_size < size and "\n" not in small.read_text().rstrip("\n")


def test_compact_refuses_yaml(cli, tmp_path):
    export = tmp_path / "export.json"
    export.write_text(json.dumps(big_export(1)))
    result = cli("convert", export, "--compact", "--format", "yaml")
    assert result.exit_code == 2
    assert "--compact writes JSON" in result.stderr
