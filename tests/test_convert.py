"""exporter.convert's helpers, on plain data: the environment parameter, the names a template
already takes, parameter defaults, the proof (first_difference, proof_pairs, prove), stripping
cacheNamespace, the project's envs and the leftover findings --strict reports."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from exporter.convert import (Options, convert, env_parameter, first_difference, leftover_findings, parameter_defaults,
                              project_envs, proof_pairs, prove, strip_ignored, template_names)
from exporter.errors import InternalError
from exporter.io.load import load_export
from exporter.rewrite import Context, Open, Taken

from conftest import FIXTURES


# ----------------------------------------------------------------------------------- env_parameter

@pytest.mark.parametrize("name", ["env", "Env", "ENV", "Environment", "EnvName", "environmentName", "Stage", "StageName"])
def test_env_parameter_accepts_every_spelling_without_default(name):
    assert env_parameter({"Parameters": {name: {"Type": "String"}}}, "dev") == name


def test_env_parameter_type_defaults_to_string():
    # CloudFormation requires Type, but a parameter without one is read as a String here
    assert env_parameter({"Parameters": {"Stage": {}}}, "dev") == "Stage"


def test_env_parameter_default_must_equal_the_env():
    t = {"Parameters": {"Env": {"Type": "String", "Default": "prod"}}}
    assert env_parameter(t, "prod") == "Env"
    assert env_parameter(t, "dev") is None


def test_env_parameter_allowed_values_naming_the_env_admit_another_default():
    # a parameter made to take several envs: the deploy of prod passes Env=prod, whatever the Default
    t = {"Parameters": {"Env": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "prod"]}}}
    assert env_parameter(t, "prod") == "Env"
    assert env_parameter(t, "test") is None  # not among its values: no deploy can give it test


def test_env_parameter_a_binding_giving_it_another_value_is_not_it():
    t = {"Parameters": {"Env": {"Type": "String"}, "Stage": {"Type": "String"}}}
    assert env_parameter(t, "dev", {"Env": "arn:aws:sns:us-east-1:123456789012:t"}) == "Stage"
    assert env_parameter(t, "dev", {"Env": "dev"}) == "Env"


@pytest.mark.parametrize("decl", [{"Type": "Number"}, {"Type": "CommaDelimitedList"}, "String"])
def test_env_parameter_only_a_string_parameter(decl):
    assert env_parameter({"Parameters": {"Env": decl}}, "dev") is None


@pytest.mark.parametrize("name", ["Environment2", "MyEnv", "Region", "envs"])
def test_env_parameter_other_names_are_not_it(name):
    assert env_parameter({"Parameters": {name: {"Type": "String"}}}, "dev") is None


def test_env_parameter_skips_a_mismatch_and_takes_the_next():
    t = {"Parameters": {"Env": {"Type": "String", "Default": "prod"}, "Stage": {"Type": "String", "Default": "dev"}}}
    assert env_parameter(t, "dev") == "Stage"


@pytest.mark.parametrize("template", [{}, {"Parameters": None}, {"Parameters": ["env"]}])
def test_env_parameter_without_parameters(template):
    assert env_parameter(template, "dev") is None


# ----------------------------------------------------------------------------------- template_names

def test_template_names_resources_conditions_mappings_are_taken():
    t = {"Resources": {"Api": {}}, "Conditions": {"IsProd": {}}, "Mappings": {"Regions": {}}}
    names = template_names(t, None, None)
    assert names == {"Api": Taken("a resource"), "IsProd": Taken("a condition"), "Regions": Taken("a mapping")}
    assert template_names({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}, None, None) == {"Q": Taken("a resource (AWS::SQS::Queue)")}


def test_template_names_string_parameters_give_their_default():
    t = {"Parameters": {
        "Table": {"Type": "String", "Default": "orders-dev"},
        "Port": {"Type": "String", "Default": 8080},     # an int Default: CloudFormation passes "8080"
        "NoDefault": {"Type": "String"},
        "OneOf": {"Type": "String", "AllowedValues": ["a", 1]},
        "Count": {"Type": "Number", "Default": 3},        # not a String: its value is not a literal to match
        "Ids": {"Type": "List<String>", "Default": "a,b"},
    }}
    names = template_names(t, None, None)
    assert names["Table"] == "orders-dev"
    assert names["Port"] == "8080"
    assert names["NoDefault"] == Open()  # a deploy passes any value
    assert names["OneOf"] == Open(("a", "1"))
    assert names["Count"] == Taken("a Number parameter")
    assert names["Ids"] == Taken("a List<String> parameter")


def test_template_names_boolean_default_is_what_cloudformation_passes():
    t = {"Parameters": {"Flag": {"Type": "String", "Default": True}}}
    assert template_names(t, None, None)["Flag"] == "true"


def test_template_names_ignores_sections_that_are_not_mappings():
    assert template_names({"Resources": ["x"], "Parameters": "x"}, None, None) == {}


def test_template_names_amplify_project_values_override_defaults(tmp_path):
    # the project's parameters.json and the env's team-provider-info.json values are what Amplify passes
    from exporter.io.project import find_project

    root = _amplify_copy(tmp_path)
    api = root / "amplify" / "backend" / "api" / "HelloApi"
    (api / "parameters.json").write_text(json.dumps({"Greeting": "hello", "Count": 3}))
    (root / "amplify" / "team-provider-info.json").write_text(json.dumps(
        {"dev": {"awscloudformation": {}, "categories": {"api": {"HelloApi": {"Greeting": "hi-dev"}}}},
         "prod": {"awscloudformation": {}, "categories": {"api": {"HelloApi": {"Greeting": "hi-prod"}}}}}))
    project = find_project(None, root / "amplify", "HelloApi", None)
    t = {"Parameters": {"Greeting": {"Type": "String", "Default": "default"}}}
    assert template_names(t, project, "dev")["Greeting"] == "hi-dev"
    assert template_names(t, project, "prod")["Greeting"] == "hi-prod"
    assert template_names(t, project, "test")["Greeting"] == "hello"  # no team-provider values for test
    assert isinstance(template_names(t, project, None)["Count"], Taken)  # not a string: unknown as a literal


def _amplify_copy(tmp_path: Path) -> Path:
    import shutil

    root = tmp_path / "proj"
    shutil.copytree(FIXTURES / "amplify-stepfunctions", root, ignore=shutil.ignore_patterns("expected"))
    return root


# ----------------------------------------------------------------------------------- parameter_defaults

def test_parameter_defaults_keeps_values_as_given():
    t = {"Parameters": {"A": {"Type": "String", "Default": "x"}, "B": {"Type": "Number", "Default": 5},
                        "C": {"Type": "String"}, "D": "not a declaration"}}
    assert parameter_defaults(t) == {"A": "x", "B": 5}


@pytest.mark.parametrize("template", [{}, {"Parameters": None}, {"Parameters": {}}])
def test_parameter_defaults_empty(template):
    assert parameter_defaults(template) == {}


# ----------------------------------------------------------------------------------- first_difference

def test_first_difference_equal_is_none():
    v = {"a": [1, {"b": "c"}], "d": None, "e": True}
    assert first_difference(v, copy.deepcopy(v)) is None


def test_first_difference_missing_and_unexpected_keys():
    assert first_difference({"a": 1, "b": 2}, {"a": 1}, "/x") == "/x/b: missing"
    assert first_difference({"a": 1}, {"a": 1, "z": 2}, "/x") == "/x/z: unexpected"


def test_first_difference_nested_value():
    assert first_difference({"a": {"b": "one"}}, {"a": {"b": "two"}}, "/p") == '/p/a/b: want "one", have "two"'


def test_first_difference_list_length_and_item():
    assert first_difference([1, 2], [1], "/l") == "/l: want 2 items, have 1"
    assert first_difference(["a", "b"], ["a", "c"], "/l") == '/l/1: want "b", have "c"'


@pytest.mark.parametrize("want,have", [(1, True), (1, 1.0), ("1", 1), ({}, []), (None, "")])
def test_first_difference_types_differ_even_when_python_equal(want, have):
    d = first_difference(want, have, "/v")
    assert d is not None and d.startswith("/v: want ")


def test_first_difference_type_mismatch_at_the_root_says_slash():
    assert first_difference({}, [], "") == "/: want {}, have []"


def test_first_difference_reports_the_first_key_in_want_order():
    assert first_difference({"a": 1, "b": 2}, {"a": 9, "b": 8}, "") == "/a: want 1, have 9"


def test_first_difference_long_values_are_cut():
    d = first_difference("x" * 500, "y" * 500, "/s")
    assert len(d) < 500 and d.startswith('/s: want "xxx')


# ----------------------------------------------------------------------------------- proof_pairs

def test_proof_pairs_paths_are_compared_per_method():
    export = {"swagger": "2.0", "info": {"title": "t"}, "paths": {"/a": {"get": {"x": 1}, "post": {"y": 2}}}}
    body = {"paths": {"/a": {"get": {"x": "G"}}}}
    assert proof_pairs(body, export) == [("/paths/~1a/get", {"x": 1}, {"x": "G"}), ("/paths/~1a/post", {"y": 2}, None)]


def test_proof_pairs_template_owned_keys_are_not_compared():
    export = {"swagger": "2.0", "info": {"title": "t"}, "host": "h", "basePath": "/v1", "schemes": ["https"], "paths": {}}
    assert proof_pairs({"paths": {}}, export) == []


def test_proof_pairs_definitions_by_name_components_by_section_and_name():
    export = {"paths": {}, "definitions": {"Empty": {"type": "object"}},
              "components": {"schemas": {"Pet": {"type": "object"}}},
              "x-amazon-apigateway-policy": {"Version": "2012-10-17"}}
    body = {"definitions": {"Empty": "E"}, "components": {"schemas": {}}, "x-amazon-apigateway-policy": "P"}
    assert sorted(proof_pairs(body, export), key=lambda p: p[0]) == [
        ("/components/schemas/Pet", {"type": "object"}, None),
        ("/definitions/Empty", {"type": "object"}, "E"),
        ("/x-amazon-apigateway-policy", {"Version": "2012-10-17"}, "P"),
    ]


def test_proof_pairs_a_section_the_body_lacks_is_compared_whole():
    export = {"paths": {}, "securityDefinitions": {"k": {"type": "apiKey"}}}
    assert proof_pairs({}, export) == [("/securityDefinitions", {"k": {"type": "apiKey"}}, None)]


# ----------------------------------------------------------------------------------- prove

ARN = "arn:aws:lambda:us-east-1:123456789012:function:orders"
CTX = dict(account="123456789012", region="us-east-1", partition="aws")


def _export(uri: str) -> dict:
    return {"swagger": "2.0", "info": {"title": "t"},
            "paths": {"/o": {"get": {"x-amazon-apigateway-integration": {"type": "aws_proxy", "uri": uri}}}}}


def test_prove_accepts_a_body_that_resolves_to_the_export():
    export = _export(ARN)
    body = copy.deepcopy(export)
    body["paths"]["/o"]["get"]["x-amazon-apigateway-integration"]["uri"] = {
        "Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:orders"}
    prove(body, export, Context(**CTX), {})  # no exception


def test_prove_refuses_a_body_that_resolves_elsewhere():
    export = _export(ARN)
    body = copy.deepcopy(export)
    body["paths"]["/o"]["get"]["x-amazon-apigateway-integration"]["uri"] = {
        "Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:orders"}
    with pytest.raises(InternalError, match="proof failed"):
        prove(body, export, Context(account="999999999999", region="us-east-1"), {})


def test_prove_refuses_an_unresolvable_name():
    export = _export(ARN)
    body = copy.deepcopy(export)
    body["paths"]["/o"]["get"]["x-amazon-apigateway-integration"]["uri"] = {"Fn::Sub": "arn:aws:lambda:us-east-1:${Nowhere}:function:orders"}
    with pytest.raises(InternalError, match="cannot resolve"):
        prove(body, export, Context(**CTX), {})


def test_prove_resolves_template_parameters_by_default_only_when_given():
    export = _export(ARN)
    body = copy.deepcopy(export)
    body["paths"]["/o"]["get"]["x-amazon-apigateway-integration"]["uri"] = {"Fn::Sub": "arn:aws:lambda:us-east-1:123456789012:function:${Fn}"}
    ctx = Context(**CTX, bindings={"orders": "Fn"})
    prove(body, export, ctx, {})
    with pytest.raises(InternalError):
        prove(body, export, Context(**CTX, bindings={"payments": "Fn"}), {})


def test_prove_a_missing_route_fails():
    export = _export(ARN)
    with pytest.raises(InternalError, match="/paths/~1o/get"):
        prove({"paths": {}}, export, Context(**CTX), {})


def test_prove_number_types_must_match():
    # a timeout of 29000 in the export must not prove against "29000" or 29000.0 in the Body
    export = {"paths": {"/o": {"get": {"x-amazon-apigateway-integration": {"timeoutInMillis": 29000}}}}}
    for have in ("29000", 29000.0):
        body = {"paths": {"/o": {"get": {"x-amazon-apigateway-integration": {"timeoutInMillis": have}}}}}
        with pytest.raises(InternalError):
            prove(body, export, Context(**CTX), {})


def test_prove_policy_relative_execute_api_is_expanded():
    # API Gateway expands execute-api:/... in a resource policy to the API's own ARN at import
    arn = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*"
    export = {"paths": {}, "x-amazon-apigateway-policy": {"Statement": [{"Resource": arn}]}}
    body = {"paths": {}, "x-amazon-apigateway-policy": {"Statement": [{"Resource": "execute-api:/*"}]}}
    prove(body, export, Context(**CTX, api_id="a1b2c3d4e5"), {})
    with pytest.raises(InternalError):
        prove(body, export, Context(**CTX, api_id="zzzzzzzzzz"), {})


# ----------------------------------------------------------------------------------- strip_ignored

def test_strip_ignored_removes_cache_namespace_from_integrations_only_and_counts():
    export = {"paths": {"/a": {"get": {"x-amazon-apigateway-integration": {"cacheNamespace": "abc", "uri": "u"}},
                               "post": {"x-amazon-apigateway-integration": {"cacheNamespace": "def"}}}},
              "components": {"x-amazon-apigateway-integrations": {"shared": {"cacheNamespace": "ghi", "type": "mock"}}},
              "list": [{"cacheNamespace": 1, "k": "v"}], "cacheNamespace": "top"}
    before = copy.deepcopy(export)
    out, count = strip_ignored(export)
    assert count == 3  # the console's, on the three integrations; the user's own keys of that name stay
    assert out == {"paths": {"/a": {"get": {"x-amazon-apigateway-integration": {"uri": "u"}},
                                    "post": {"x-amazon-apigateway-integration": {}}}},
                   "components": {"x-amazon-apigateway-integrations": {"shared": {"type": "mock"}}},
                   "list": [{"cacheNamespace": 1, "k": "v"}], "cacheNamespace": "top"}
    assert export == before  # the input is not changed


def test_strip_ignored_keeps_the_value_cache_namespace():
    # only the key goes: a string that happens to say cacheNamespace is data
    out, count = strip_ignored({"description": "cacheNamespace", "l": ["cacheNamespace"]})
    assert count == 0 and out == {"description": "cacheNamespace", "l": ["cacheNamespace"]}


# ----------------------------------------------------------------------------------- project_envs

def test_project_envs_are_team_provider_top_level_mappings(tmp_path):
    from exporter.io.project import find_project

    root = _amplify_copy(tmp_path)
    (root / "amplify" / "team-provider-info.json").write_text(json.dumps(
        {"prod": {"awscloudformation": {}}, "dev": {"awscloudformation": {}}, "qa": {}}))
    project = find_project(None, root / "amplify", "HelloApi", None)
    assert project_envs(project) == ["prod", "dev", "qa"]  # in file order


def test_project_envs_without_team_provider(tmp_path):
    from exporter.io.project import find_project

    root = _amplify_copy(tmp_path)
    tp = root / "amplify" / "team-provider-info.json"
    if tp.exists():
        tp.unlink()
    project = find_project(None, root / "amplify", "HelloApi", None)
    assert project_envs(project) == []
    assert project_envs(None) == []


# ----------------------------------------------------------------------------------- leftover_findings

def _conversion(tmp_path, export: dict, **opts):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    return convert(load_export(path), None, Options(**opts))


EXPORT = {
    "swagger": "2.0", "info": {"title": "orders"}, "basePath": "/dev",
    "paths": {"/o": {"get": {"x-amazon-apigateway-integration": {
        "type": "aws_proxy", "httpMethod": "POST",
        "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:orders/invocations"}},
        "post": {"x-amazon-apigateway-integration": {
        "type": "aws_proxy", "httpMethod": "POST",
        "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:210987654321:function:other/invocations"}}}},
}


def test_leftover_findings_report_the_literal_kept_on_purpose(tmp_path):
    # the home is account 123456789012 / us-east-1 (given); the other account's ARN stays literal, and --strict reports it
    conv = _conversion(tmp_path, EXPORT, account="123456789012", region="us-east-1")
    found = leftover_findings(conv)
    values = {f.value for f in found}
    assert "210987654321" in values
    assert "123456789012" not in values  # rewritten to ${AWS::AccountId}


def test_leftover_findings_clean_when_everything_is_home(tmp_path):
    export = copy.deepcopy(EXPORT)
    del export["paths"]["/o"]["post"]
    conv = _conversion(tmp_path, export, account="123456789012", region="us-east-1")
    assert leftover_findings(conv) == []


def test_strip_ignored_keeps_a_model_property_named_cache_namespace():
    export = {"paths": {}, "definitions": {"Item": {"type": "object", "properties": {"cacheNamespace": {"type": "string"}}}}}
    out, count = strip_ignored(export)
    assert out == export and count == 0


def test_env_parameter_whose_allowed_values_exclude_the_env():
    t = {"Parameters": {"Env": {"Type": "String", "AllowedValues": ["prod", "staging"]}}}
    assert env_parameter(t, "dev") is None


def test_env_parameter_whose_allowed_values_include_the_env():
    t = {"Parameters": {"Env": {"Type": "String", "AllowedValues": ["dev", "prod"]}}}
    assert env_parameter(t, "dev") == "Env"


def test_first_difference_names_the_place_as_an_escaped_json_pointer():
    assert first_difference({"/a/{id}": {"get": 1}}, {"/a/{id}": {"get": 2}}) == "/~1a~1{id}/get: want 1, have 2"
    assert first_difference({"a~b": 1}, {}) == "/a~0b: missing"
    assert first_difference([1], [1, 2]) == "/: want 1 items, have 2"
    assert first_difference(1, True) == "/: want 1, have true"


def test_a_failed_proof_names_the_route_as_an_escaped_pointer():
    export = _export(ARN)
    body = copy.deepcopy(export)
    body["paths"]["/o"]["get"]["x-amazon-apigateway-integration"]["uri"] = "arn:aws:lambda:us-east-1:123456789012:function:other"
    with pytest.raises(InternalError, match=r"at /paths/~1o/get/x-amazon-apigateway-integration/uri: want"):
        prove(body, export, Context(**CTX), {})
