"""`export-to-cfn convert` end to end through the CLI: refusals exit 2 with one line and leave the
template byte-identical; --strict exits 1 and writes nothing; what the output holds at given pointers."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys

import pytest

from conftest import EXAMPLE, FIXTURES, ROOT, need_shared

SERVICE = FIXTURES / "service-integrations" / "export.json"
MULTI_ACCOUNT = FIXTURES / "multi-account" / "export.json"
OAS3 = FIXTURES / "openapi3-yaml-into-yaml-template" / "export.yaml"
MULTI_API = FIXTURES / "multi-api"


def at(doc, pointer: str):
    """The value at a JSON pointer (RFC 6901)."""
    node = doc
    for raw in pointer.lstrip("/").split("/"):
        key = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def copy_to(tmp_path, src):
    dst = tmp_path / src.name
    shutil.copyfile(src, dst)
    return dst


def assert_refused(result, code: int, *needles: str) -> None:
    assert result.exit_code == code, f"expected exit {code}, got {result.exit_code}; stderr:\n{result.stderr}"
    lines = [l for l in result.stderr.splitlines() if l.startswith("export-to-cfn:")]
    assert len(lines) == 1, f"expected one error line, got:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], f"expected {needle!r} in {lines[0]!r}"


def test_openapi3_into_swagger2_template_is_refused_and_file_untouched(cli, tmp_path):
    tpl = copy_to(tmp_path, MULTI_API / "template.json")
    before = tpl.read_bytes()
    result = cli("convert", OAS3, "--template", tpl, "--api", "AdminApi", "--in-place")
    assert_refused(result, 2, "Swagger 2.0 but the export is OpenAPI 3", "export the stage again as Swagger 2.0")
    assert tpl.read_bytes() == before


def test_several_rest_apis_without_api_is_refused(cli, tmp_path):
    tpl = copy_to(tmp_path, MULTI_API / "template.json")
    before = tpl.read_bytes()
    result = cli("convert", MULTI_API / "export.json", "--template", tpl, "--in-place")
    assert_refused(result, 2, "several REST APIs (PublicApi, AdminApi); pick one with --api")
    assert tpl.read_bytes() == before


def test_template_without_rest_api_is_refused(cli, tmp_path):
    tpl = tmp_path / "queue.json"
    tpl.write_text(json.dumps({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}, indent=2))
    before = tpl.read_bytes()
    result = cli("convert", MULTI_API / "export.json", "--template", tpl, "--in-place")
    assert_refused(result, 2, "no AWS::ApiGateway::RestApi")
    assert tpl.read_bytes() == before


def test_binding_the_api_id_to_its_own_logical_id_is_refused_as_circular(cli, tmp_path):
    # The export's resource policy names its own API id; binding that id to the RestApi's logical
    # id would make the Body Ref its own resource: a --bind name is never a resource of the output.
    tpl = tmp_path / "t.json"
    tpl.write_text(json.dumps({"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": {"swagger": "2.0", "paths": {}}}}}}, indent=2))
    before = tpl.read_bytes()
    result = cli("convert", SERVICE, "--template", tpl, "--in-place", "--env", "dev", "--bind", "Api=k3x9p2m7qa")
    assert_refused(result, 2, "--bind Api=k3x9p2m7qa: Api is already a resource (AWS::ApiGateway::RestApi), not a String parameter")
    assert tpl.read_bytes() == before


def test_strict_with_other_accounts_exits_1_and_writes_nothing(cli, tmp_path):
    out = tmp_path / "out.json"
    result = cli("convert", MULTI_ACCOUNT, "--strict", "-o", out)
    assert result.exit_code == 1, result.stderr
    assert not out.exists(), "--strict wrote the output anyway"
    assert result.stdout == ""
    assert "999988887777" in result.stderr and "555566667777" in result.stderr


def test_strict_in_place_leaves_template_byte_identical(cli, tmp_path):
    tpl = tmp_path / "t.json"
    # CRLF and odd spacing: any rewrite would show.
    tpl.write_bytes(b'{\r\n  "Resources" : {\r\n    "Api" : {"Type" : "AWS::ApiGateway::RestApi", "Properties" : {"Body" : {}}}\r\n  }\r\n}\r\n')
    before = tpl.read_bytes()
    result = cli("convert", MULTI_ACCOUNT, "--template", tpl, "--in-place", "--strict")
    assert result.exit_code == 1, result.stderr
    assert tpl.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["t.json"], "a temp file was left behind"


def test_multi_account_keeps_foreign_ids_and_rewrites_home(cli, tmp_path):
    out = tmp_path / "out.json"
    result = cli("convert", MULTI_ACCOUNT, "-o", out)
    assert result.exit_code == 0, result.stderr
    body = json.loads(out.read_text())["Resources"]["RestApi"]["Properties"]["Body"]
    cases = {
        "/paths/~1rates/get/x-amazon-apigateway-integration/uri": {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/arn:${AWS::Partition}:lambda:${AWS::Region}:999988887777:function:shared-fx-rates/invocations"},
        "/paths/~1audit/post/x-amazon-apigateway-integration/credentials": {"Fn::Sub": "arn:${AWS::Partition}:iam::555566667777:role/central-audit-writer"},
        "/paths/~1invoices/post/x-amazon-apigateway-integration/credentials": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/billing-api-sns"},
    }
    for pointer, want in cases.items():
        assert at(body, pointer) == want, f"{pointer}\nexpected {want}\n     got {at(body, pointer)}"
    assert "111122223333" not in out.read_text()
    assert "account 999988887777 is not the home account (111122223333)" in result.stderr
    assert ("security: Lambda arn:aws:lambda:eu-central-1:999988887777:function:shared-fx-rates is in another account or region: "
            "grant apigateway.amazonaws.com lambda:InvokeFunction on it there") in result.stderr, result.stderr
    # A function in another account cannot get a permission from this stack.
    perms = [r for r in json.loads(out.read_text())["Resources"].values() if r["Type"] == "AWS::Lambda::Permission"]
    assert [p["Properties"]["FunctionName"] for p in perms] == [{"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:list-invoices"}]


def test_cache_namespace_dropped_cache_key_parameters_kept(cli, tmp_path):
    out = tmp_path / "out.yaml"
    result = cli("convert", OAS3, "--format", "yaml", "-o", out)
    assert result.exit_code == 0, result.stderr
    from exporter.io.load import load

    body = load(out).data["Resources"]["RestApi"]["Properties"]["Body"]
    integ = at(body, "/paths/~1pets~1{petId}/get/x-amazon-apigateway-integration")
    assert "cacheNamespace" not in integ, integ
    assert integ["cacheKeyParameters"] == ["method.request.path.petId"]


def test_standalone_service_integrations_deploy_shape(cli, tmp_path):
    out = tmp_path / "out.json"
    result = cli("convert", SERVICE, "--env", "dev", "-o", out)
    assert result.exit_code == 0, result.stderr
    tpl = json.loads(out.read_text())
    assert at(tpl, "/Parameters/env") == {"Type": "String", "Default": "dev"}
    assert at(tpl, "/Resources/RestApi/Properties/Name") == {"Fn::Sub": "integrations-${env}"}
    assert at(tpl, "/Parameters/VpcEndpointId/Default") == "vpce-0a1b2c3d4e5f67890"
    body = at(tpl, "/Resources/RestApi/Properties/Body")
    assert at(body, "/x-amazon-apigateway-policy/Statement/1/Resource") == "execute-api:/*"
    assert at(body, "/x-amazon-apigateway-policy/Statement/1/Condition/StringNotEquals/aws:SourceVpce") == {"Ref": "VpcEndpointId"}
    assert at(body, "/paths/~1whoami/get/x-amazon-apigateway-integration/credentials") == "arn:aws:iam::*:user/*"
    assert at(body, "/paths/~1jobs~1legacy/post/x-amazon-apigateway-integration/requestParameters/integration.request.querystring.QueueUrl") == {
        "Fn::Sub": "'https://sqs.${AWS::Region}.${AWS::URLSuffix}/${AWS::AccountId}/jobs-${env}.fifo'"}
    # the Lambda proxy (no credentials) gets a permission; the TOKEN authorizer has its own role
    perms = {k: r["Properties"]["FunctionName"] for k, r in tpl["Resources"].items() if r["Type"] == "AWS::Lambda::Permission"}
    assert perms == {"HelloInvokePermission": {"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:hello-${env}:live"}}
    assert "cacheNamespace" not in out.read_text()


@pytest.mark.slow
def test_join_style_passes_the_acceptance_check(tmp_path):
    need_shared(EXAMPLE)
    tool = EXAMPLE.parent.parent / "tools" / "check_case.py"
    truth = json.loads((EXAMPLE / "truth.json").read_text())
    truth["extra_args"] = ["--style", "join"]
    (tmp_path / "truth.json").write_text(json.dumps(truth))
    wrapper = tmp_path / "e2c"
    wrapper.write_text(f"#!/bin/sh\nPYTHONPATH={ROOT} exec {sys.executable} -m exporter \"$@\"\n")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    p = subprocess.run([sys.executable, str(tool), str(EXAMPLE), str(tmp_path / "truth.json"), "--cli", str(wrapper)],
                       capture_output=True, text=True, timeout=300, env={**os.environ, "NO_COLOR": "1"})
    failed = [l for l in p.stdout.splitlines() if l.startswith("FAIL")]
    # Binding to Amplify outputs (must_ref) is a separate issue; everything else must pass.
    assert all("Body references" in l for l in failed), "\n".join(failed) + p.stderr[-2000:]
    assert any(l.startswith("FIGURE") for l in p.stdout.splitlines()), p.stdout[-2000:] + p.stderr[-2000:]


def test_in_place_refuses_another_format(cli, tmp_path):
    tpl = copy_to(tmp_path, FIXTURES / "sam-definitionbody" / "template.yaml")
    before = tpl.read_bytes()
    result = cli("convert", FIXTURES / "sam-definitionbody" / "export.json", "--template", tpl, "--in-place", "--format", "json")
    assert_refused(result, 2, "--in-place keeps the template's own format (yaml)")
    assert tpl.read_bytes() == before


WRONG_RULE = """\
id: {id}
description: A wrong user rule that changes what the export means; the proof must stop it.
priority: 99
where: "$..x-amazon-apigateway-integration"
match: '{match}'
becomes: '{becomes}'
examples:
  rewrites:
    - name: changes
      input: "{example}"
      pointer: /paths/~1a/get/x-amazon-apigateway-integration/uri
      output: "x"
  unchanged:
    - name: other
      input: "nothing here"
      pointer: /paths/~1a/get/x-amazon-apigateway-integration/uri
"""


@pytest.mark.parametrize("rule", [
    # no intrinsic left in the output
    dict(id="drop-table-suffix", match="(?P<x_t>orders)-dev", becomes="${x_t}", example="orders-dev"),
    # with intrinsics
    dict(id="drop-alias", match="(?P<x_fn>function:[a-z-]+):live", becomes="${x_fn}", example="function:hello-dev:live"),
], ids=lambda r: r["id"])
def test_a_rule_that_changes_meaning_is_refused_and_writes_nothing(cli, tmp_path, rule):
    """Every rewritten string is resolved back on the spot: a user rule that changes a value is a
    user error naming the rule (exit 2), caught before the whole-Body proof (which would say 123)."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / f"{rule['id']}.yaml").write_text(WRONG_RULE.format(**rule))
    tpl = tmp_path / "t.json"
    tpl.write_text(json.dumps({"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": {"swagger": "2.0", "paths": {}}}}}}, indent=2))
    before = tpl.read_bytes()
    result = cli("convert", SERVICE, "--template", tpl, "--in-place", "--env", "dev", "--rules", rules)
    assert_refused(result, 2, f"rule '{rule['id']}'")
    assert "does not resolve back to the input" in result.stderr
    assert tpl.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rules", "t.json"], "a temp file was left behind"


def test_in_place_keeps_a_byte_order_mark_and_untouched_bytes(cli, tmp_path):
    tpl = tmp_path / "t.json"
    head = b'\xef\xbb\xbf{\r\n  "Description" : "caf\\u00e9",\r\n  "Resources" : {\r\n    "Api" : {"Type" : "AWS::ApiGateway::RestApi", "Properties" : {"Body" : {"swagger" : "2.0", "paths" : {}}}}\r\n  }\r\n}\r\n'
    tpl.write_bytes(head)
    result = cli("convert", MULTI_API / "export.json", "--template", tpl, "--in-place")
    assert result.exit_code == 0, result.stderr
    out = tpl.read_bytes()
    assert out.startswith(b'\xef\xbb\xbf{\r\n  "Description" : "caf\\u00e9",\r\n  "Resources" : {\r\n'), out[:120]
    assert b"\n" not in out.replace(b"\r\n", b""), "a bare LF was written"
    from exporter.io.load import load

    assert "/users" in load(tpl).data["Resources"]["Api"]["Properties"]["Body"]["paths"]


@pytest.mark.parametrize("prune", [False, True])
def test_template_only_routes_are_reported_kept_or_pruned(cli, tmp_path, prune):
    tpl = copy_to(tmp_path, MULTI_API / "template.json")
    result = cli("convert", MULTI_API / "export.json", "--template", tpl, "--api", "AdminApi", "--in-place", *(["--prune"] if prune else []))
    assert result.exit_code == 0, result.stderr
    from exporter.io.load import load

    paths = load(tpl).data["Resources"]["AdminApi"]["Properties"]["Body"]["paths"]
    if prune:
        assert "pruned 2 route(s): DELETE /users, GET /legacy" in result.stderr, result.stderr
        assert sorted(paths) == ["/users"] and sorted(paths["/users"]) == ["get"]
    else:
        assert "kept 2 template route(s) the export does not have (--prune removes them): DELETE /users, GET /legacy" in result.stderr, result.stderr
        assert sorted(paths) == ["/legacy", "/users"] and sorted(paths["/users"]) == ["delete", "get"]
    # the other RestApi is untouched
    assert load(tpl).data["Resources"]["PublicApi"] == load(MULTI_API / "template.json").data["Resources"]["PublicApi"]


BAD_EXPORTS = {
    "empty": ("", "file is empty"),
    "invalid-json": ('{"swagger": "2.0", "paths": {', "invalid JSON"),
    "python-tag": ("swagger: '2.0'\npaths: !!python/object/apply:os.system ['echo hi']\n", "unsafe or unknown YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' refused"),
    "http-api": (json.dumps({"openapi": "3.0.1", "x-amazon-apigateway-importexport-version": "1.0", "paths": {}}), "HTTP API (v2) export"),
    "template-as-export": (json.dumps({"Resources": {}}), "pass it with --template"),
    "no-version": (json.dumps({"paths": {}}), "not a Swagger 2.0 or OpenAPI 3 document"),
    "list": ("[1, 2]", "expected an API Gateway export (a mapping)"),
}


@pytest.mark.parametrize("name", sorted(BAD_EXPORTS))
def test_bad_export_is_one_line_and_exit_2(cli, tmp_path, name):
    text, needle = BAD_EXPORTS[name]
    export = tmp_path / ("export.yaml" if "tag" in name else "export.json")
    export.write_text(text)
    out = tmp_path / "out.json"
    result = cli("convert", export, "-o", out)
    assert_refused(result, 2, needle)
    assert not out.exists()


def test_explicit_account_overrides_the_inferred_home(cli, tmp_path):
    out = tmp_path / "out.json"
    result = cli("convert", MULTI_ACCOUNT, "--account", "999988887777", "-o", out)
    assert result.exit_code == 0, result.stderr
    body = json.loads(out.read_text())["Resources"]["RestApi"]["Properties"]["Body"]
    assert at(body, "/paths/~1rates/get/x-amazon-apigateway-integration/uri") == {"Fn::Sub": (
        "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
        "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:shared-fx-rates/invocations")}
    assert at(body, "/paths/~1invoices/post/x-amazon-apigateway-integration/credentials") == {
        "Fn::Sub": "arn:${AWS::Partition}:iam::111122223333:role/billing-api-sns"}
    assert "account 111122223333 is not the home account (999988887777)" in result.stderr


def test_env_that_no_name_carries_is_warned_about(cli, tmp_path):
    """`--env prod` on a dev export rewrites nothing to ${env}: say so instead of passing silently."""
    example = FIXTURES / "amplify-stepfunctions" / "export.json"
    result = cli("convert", example, "--env", "prod", "-o", tmp_path / "out.json")
    assert result.exit_code == 0, result.stderr
    assert "warning: --env prod: no name in the export carries it, so nothing became ${env} (the export's stage is /dev)" in result.stderr
    quiet = cli("convert", example, "--env", "dev", "-o", tmp_path / "out2.json")
    assert "no name in the export carries it" not in quiet.stderr


def test_output_dash_means_stdout(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("convert", FIXTURES / "multi-api" / "export.json", "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["Resources"]["RestApi"]["Type"] == "AWS::ApiGateway::RestApi"
    assert not (tmp_path / "-").exists()


def test_help_has_no_markup_escapes(cli):
    """Plain help: '[required]', never rich's escaped '\\[required]'."""
    result = cli("rules", "show", "--help")  # RULE_ID is required
    assert result.exit_code == 0
    assert "[required]" in result.stdout and "\\[" not in result.stdout


def test_the_templates_own_parameters_are_reused_whatever_their_names(cli, tmp_path):
    """VPCLinkId (not a twin VpcLinkId) for the VPC link id it holds, Env (not a second env) for the env
    suffix: nothing declared twice, nothing left unused (cfn-lint W2001)."""
    from cfnlint.api import lint

    work = tmp_path / "p"
    shutil.copytree(FIXTURES / "own-parameters", work, ignore=shutil.ignore_patterns("expected"))
    result = cli("convert", work / "export.json", "-t", work / "template.json", "-o", work / "out.json")
    assert result.exit_code == 0, result.stderr
    out = json.loads((work / "out.json").read_text())
    assert list(out["Parameters"]) == ["Env", "VPCLinkId"]
    route = out["Resources"]["InventoryApi"]["Properties"]["Body"]["paths"]["/items/{proxy+}"]["x-amazon-apigateway-any-method"]
    assert route["x-amazon-apigateway-integration"]["connectionId"] == {"Ref": "VPCLinkId"}
    assert route["x-amazon-apigateway-integration"]["uri"] == {"Fn::Sub": "http://inventory-${Env}.internal.example.com/{proxy}"}
    assert "new parameter" not in result.stderr
    assert [m.rule.id for m in lint((work / "out.json").read_text()) if m.rule.id in ("W2001", "E3012")] == []
    # a parameter with another value is never taken for the literal; the env parameter is, whatever its
    # Default, when its AllowedValues list the env (a deploy of dev passes Env=dev): no second `env`
    template = json.loads((work / "template.json").read_text())
    template["Parameters"]["VPCLinkId"]["Default"] = "other1"
    template["Parameters"]["Env"]["Default"] = "prod"
    (work / "template.json").write_text(json.dumps(template, indent=2))
    again = cli("convert", work / "export.json", "-t", work / "template.json", "-o", work / "out2.json")
    assert again.exit_code == 0, again.stderr
    out2 = json.loads((work / "out2.json").read_text())
    assert out2["Parameters"] == {**template["Parameters"], "VpcLinkId": {"Type": "String", "Default": "x1y2z3"}}
    route = out2["Resources"]["InventoryApi"]["Properties"]["Body"]["paths"]["/items/{proxy+}"]["x-amazon-apigateway-any-method"]
    assert route["x-amazon-apigateway-integration"]["connectionId"] == {"Ref": "VpcLinkId"}
    assert route["x-amazon-apigateway-integration"]["uri"] == {"Fn::Sub": "http://inventory-${Env}.internal.example.com/{proxy}"}
    # without dev among its AllowedValues no deploy of dev can give Env the env: the env gets its own parameter
    template["Parameters"]["Env"]["AllowedValues"] = ["prod", "test"]
    (work / "template.json").write_text(json.dumps(template, indent=2))
    third = cli("convert", work / "export.json", "-t", work / "template.json", "-o", work / "out3.json")
    assert third.exit_code == 0, third.stderr
    out3 = json.loads((work / "out3.json").read_text())
    assert out3["Parameters"]["Env"] == template["Parameters"]["Env"] and out3["Parameters"]["env"] == {"Type": "String"}
    route = out3["Resources"]["InventoryApi"]["Properties"]["Body"]["paths"]["/items/{proxy+}"]["x-amazon-apigateway-any-method"]
    assert route["x-amazon-apigateway-integration"]["uri"] == {"Fn::Sub": "http://inventory-${env}.internal.example.com/{proxy}"}


def test_a_hand_written_yaml_templates_own_parameters_get_no_twins(cli, tmp_path):
    """Issue 11 C2's own example: VPCLinkID without a Default got a twin VpcLinkId (cfn-lint W2001: VPCLinkID
    unused), and Env (Default dev, AllowedValues dev/prod) a second `env` for an export from prod."""
    from cfnlint.api import lint

    from exporter.io.load import load

    work = tmp_path / "p"
    shutil.copytree(FIXTURES / "hand-written-own-parameters", work, ignore=shutil.ignore_patterns("expected"))
    before = load(work / "template.yaml").data
    result = cli("convert", work / "export.json", "-t", work / "template.yaml", "--in-place")
    assert result.exit_code == 0, result.stderr
    out = load(work / "template.yaml").data
    assert out["Parameters"] == before["Parameters"]
    stock = out["Resources"]["WarehouseApi"]["Properties"]["Body"]["paths"]["/stock/{proxy+}"]["x-amazon-apigateway-any-method"]
    integration = stock["x-amazon-apigateway-integration"]
    assert integration["connectionId"] == {"Ref": "VPCLinkID"}
    assert integration["uri"] == {"Fn::Sub": "http://stock-${Env}.internal.example.com/{proxy}"}
    assert integration["requestParameters"]["integration.request.header.x-assets-bucket"] == {"Fn::Sub": "'${AssetsBucket}'"}
    assert "new parameter" not in result.stderr and "declared parameters" not in result.stderr
    assert [str(m) for m in lint((work / "template.yaml").read_text())] == []


def test_output_over_the_export_is_refused_before_any_work(cli, tmp_path):
    export = tmp_path / "export.json"
    shutil.copyfile(FIXTURES / "amplify-stepfunctions" / "export.json", export)
    before = export.read_bytes()
    result = cli("convert", export, "-o", export)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"export-to-cfn: error: -o {export}: that is an input of this run ({export}); the template would replace it. Write it to another file"]
    assert export.read_bytes() == before


def test_a_yaml_body_anchored_and_aliased_elsewhere_changes_only_the_body(cli, tmp_path):
    # the Body is `&body`, another resource shows it as `*body`: the merge changes the Body only, and
    # the alias keeps what it showed (it was an internal error: the writer patched both)
    template = tmp_path / "t.yaml"
    template.write_text(
        "Resources:\n"
        "  Api:  # the API\n"
        "    Type: AWS::ApiGateway::RestApi\n"
        "    Properties:\n"
        "      Body: &body\n"
        "        swagger: '2.0'\n"
        "        info: {title: HelloApi}\n"
        "        paths: {}\n"
        "  Other:\n"
        "    Type: AWS::SNS::Topic\n"
        "    Properties:\n"
        "      DisplayName: *body\n", encoding="utf-8")
    out = tmp_path / "out.yaml"
    result = cli("convert", FIXTURES / "amplify-stepfunctions" / "export.json", "-t", template, "-o", out)
    assert result.exit_code == 0, result.stderr
    from exporter.io.load import load

    written = load(out).data
    assert written["Resources"]["Other"]["Properties"]["DisplayName"] == {"swagger": "2.0", "info": {"title": "HelloApi"}, "paths": {}}
    assert "/hello" in written["Resources"]["Api"]["Properties"]["Body"]["paths"]
    assert "  Api:  # the API\n" in out.read_text(encoding="utf-8")


def test_a_key_a_yaml_merge_supplies_is_not_written_out(cli, tmp_path):
    template = tmp_path / "t.yaml"
    template.write_text(
        "Resources:\n"
        "  Api:\n"
        "    Type: AWS::ApiGateway::RestApi\n"
        "    Properties:\n"
        "      <<: &defaults\n"
        "        Description: shared\n"
        "      Body:\n"
        "        swagger: '2.0'\n"
        "        info: {title: HelloApi}\n"
        "        paths: {}\n", encoding="utf-8")
    out = tmp_path / "out.yaml"
    result = cli("convert", FIXTURES / "amplify-stepfunctions" / "export.json", "-t", template, "-o", out)
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert text.count("Description: shared") == 1 and text.startswith(template.read_text(encoding="utf-8")[:80])


def test_a_flag_whose_value_the_export_never_holds_is_said(cli, tmp_path):
    """A typo in --bind's value or in --region made a run that bound nothing look like any other (found by
    a new-user trial): each is one warning; a value the export holds gives none."""
    export = FIXTURES / "amplify-stepfunctions" / "export.json"
    out = tmp_path / "out.json"
    typo = cli("convert", export, "--bind", "Foo=HelloStep-de", "--region", "eu-wst-1", "-o", out)
    assert typo.exit_code == 0, typo.stderr
    assert "warning: --bind Foo=HelloStep-de: the value is nowhere in the export, so nothing was bound to Foo\n" in typo.stderr
    assert ("warning: --region eu-wst-1: no ARN or host of the export is in it, so nothing became ${AWS::Region} "
            "(the export has ap-northeast-1, kept literal)\n") in typo.stderr
    right = cli("convert", export, "--bind", "Foo=HelloStep-dev", "--region", "ap-northeast-1", "-o", out)
    assert right.exit_code == 0 and "warning" not in right.stderr, right.stderr


def test_an_unknown_api_names_the_ones_there_are(cli, tmp_path):
    """--api with a typo: the line lists the template's REST APIs (found by a new-user trial)."""
    template = FIXTURES / "multi-api" / "template.json"
    result = cli("convert", FIXTURES / "multi-api" / "export.json", "-t", template, "--api", "Nope", "-o", tmp_path / "o.json")
    assert result.exit_code == 2
    assert result.stderr == (f"export-to-cfn: error: {template}: --api Nope: no resource with that logical id "
                             "(the template's REST APIs: PublicApi, AdminApi)\n")


def test_output_over_the_template_points_to_in_place(cli, project):
    """-o onto the template it merges into is refused, and the line says how to change it (--in-place);
    -o onto another input (the export) is refused without that hint."""
    template = project / "amplify/backend/api/HelloApi/HelloApi-cloudformation-template.json"
    result = cli("convert", project / "export.json", "-t", template, "-o", template)
    assert result.exit_code == 2
    assert result.stderr == f"export-to-cfn: error: -o {template}: that is the template this run merges into; to change it use --in-place, or write to another file\n"
    result = cli("convert", project / "export.json", "-t", template, "-o", project / "export.json")
    assert result.exit_code == 2 and result.stderr.endswith("the template would replace it. Write it to another file\n")
