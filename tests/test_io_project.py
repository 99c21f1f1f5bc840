"""exporter.io.project: the Amplify project's files read from disk before the pipeline runs (shapes
checked at load, the API and env picked, other resources' stacks and the API folder's files read)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES
from exporter.errors import UserError
from exporter.io.project import (api_template, check_inside_project, find_project, find_template, load_amplify_file)


def _copy(tmp_path: Path, name: str = "amplify-stepfunctions") -> Path:
    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root, ignore=shutil.ignore_patterns("expected"))
    return root


@pytest.fixture
def root(tmp_path) -> Path:
    return _copy(tmp_path)


def _api(root: Path) -> Path:
    return root / "amplify" / "backend" / "api" / "HelloApi"


def _write(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2))
    return path


# ----------------------------------------------------------------------------------- load_amplify_file

def test_load_amplify_file_of_the_right_shape(root):
    doc = load_amplify_file(root / "amplify" / "backend" / "backend-config.json")
    assert set(doc.data) == {"function", "stepFunction", "api"}


def test_load_amplify_file_wrong_shape_names_pointer_and_line(tmp_path):
    p = tmp_path / "backend-config.json"
    p.write_text('{\n  "api": {\n    "A": {\n      "dependsOn": [\n        {"category": 5}\n      ]\n    }\n  }\n}\n')
    with pytest.raises(UserError) as e:
        load_amplify_file(p)
    assert e.value.message == "/api/A/dependsOn/0/category: expected a string, got a number (not the shape Amplify writes)"
    assert e.value.line == 5
    assert e.value.file == str(p)


def test_load_amplify_file_not_a_mapping_at_the_root(tmp_path):
    p = _write(tmp_path / "team-provider-info.json", ["dev"])
    with pytest.raises(UserError) as e:
        load_amplify_file(p)
    assert e.value.message.startswith("/: expected a mapping, got a list")
    assert e.value.line is None


def test_load_amplify_file_a_list_where_amplify_writes_a_mapping(tmp_path):
    p = _write(tmp_path / "amplify-meta.json", {"providers": {"awscloudformation": ["x"]}})
    with pytest.raises(UserError, match="/providers/awscloudformation: expected a mapping, got a list"):
        load_amplify_file(p)


def test_load_amplify_file_attributes_must_be_strings(tmp_path):
    p = _write(tmp_path / "api-params.json", {"dependsOn": [{"category": "function", "resourceName": "F", "attributes": ["Arn", 1]}]})
    with pytest.raises(UserError, match="/dependsOn/0/attributes/1: expected a string"):
        load_amplify_file(p)


def test_load_amplify_file_keys_with_slash_are_escaped_in_the_pointer(tmp_path):
    p = _write(tmp_path / "backend-config.json", {"api": {"a/b~c": {"dependsOn": "x"}}})
    with pytest.raises(UserError) as e:
        load_amplify_file(p)
    assert e.value.message.startswith("/api/a~1b~0c/dependsOn: expected a list")


def test_load_amplify_file_any_other_file_must_be_a_mapping(tmp_path):
    _write(tmp_path / "cli-inputs.json", {"anything": [1, {"x": None}]})
    assert load_amplify_file(tmp_path / "cli-inputs.json").data == {"anything": [1, {"x": None}]}
    _write(tmp_path / "other.json", "text")
    with pytest.raises(UserError, match="expected a mapping, got a string"):
        load_amplify_file(tmp_path / "other.json")


# ----------------------------------------------------------------------------------- find_project

def test_find_project_from_the_template_path(root):
    template = _api(root) / "HelloApi-cloudformation-template.json"
    p = find_project(template, None, None, None)
    assert (p.amplify, p.api, p.category, p.api_dir, p.layout) == (
        (root / "amplify").resolve(), "HelloApi", "api", (root / "amplify" / "backend" / "api" / "HelloApi").resolve(), "classic")


def test_find_project_a_template_outside_any_project_is_none(tmp_path):
    t = _write(tmp_path / "t.json", {"Resources": {}})
    assert find_project(t, None, None, None) is None
    assert find_project(None, None, None, None) is None


@pytest.mark.parametrize("where", ["", "amplify", "amplify/backend"])
def test_find_project_amplify_dir_project_amplify_or_backend_folder(root, where):
    p = find_project(None, root / where if where else root, None, None)
    assert p.amplify == (root / "amplify").resolve()
    assert p.api == "HelloApi"  # the only REST API


def test_find_project_amplify_dir_without_a_project(tmp_path):
    with pytest.raises(UserError, match="--amplify-dir: no backend/backend-config.json there"):
        find_project(None, tmp_path, None, None)


def test_find_project_several_rest_apis_need_api(root):
    cfg = root / "amplify" / "backend" / "backend-config.json"
    data = json.loads(cfg.read_text())
    data["api"]["Other"] = {"service": "API Gateway", "providerPlugin": "awscloudformation"}
    data["api"]["Gql"] = {"service": "AppSync", "providerPlugin": "awscloudformation"}  # not a REST API
    cfg.write_text(json.dumps(data))
    with pytest.raises(UserError, match=r"2 REST APIs in backend-config.json \(HelloApi, Other\); pick one with --api"):
        find_project(None, root, None, None)
    assert find_project(None, root, "HelloApi", None).api == "HelloApi"


def test_find_project_no_rest_api(root):
    cfg = root / "amplify" / "backend" / "backend-config.json"
    data = json.loads(cfg.read_text())
    del data["api"]
    cfg.write_text(json.dumps(data))
    with pytest.raises(UserError, match=r"0 REST APIs in backend-config.json \(none\)"):
        find_project(None, root, None, None)


def test_find_project_a_resource_name_that_is_a_path_is_refused(root):
    cfg = root / "amplify" / "backend" / "backend-config.json"
    data = json.loads(cfg.read_text())
    data["function"]["../../escape"] = {"service": "Lambda"}
    cfg.write_text(json.dumps(data))
    with pytest.raises(UserError):
        find_project(None, root, None, None)


def test_find_project_env_from_local_env_info_and_env_flag(root):
    _write(root / "amplify" / ".config" / "local-env-info.json", {"envName": "staging", "projectPath": "/x"})
    p = find_project(None, root, None, None)
    assert (p.env, p.env_source, p.local_env) == ("staging", "amplify/.config/local-env-info.json", "staging")
    p = find_project(None, root, None, "prod")
    assert (p.env, p.env_source, p.local_env) == ("prod", "--env", "staging")


def test_find_project_no_env(root):
    p = find_project(None, root, None, None)
    assert p.env is None and p.local_env is None


def test_find_project_reads_the_optional_files(root):
    _write(root / "amplify" / "team-provider-info.json", {"dev": {"awscloudformation": {"Region": "us-east-1"}}})
    _write(root / "amplify" / "backend" / "amplify-meta.json", {"providers": {"awscloudformation": {"Region": "us-east-1"}}})
    p = find_project(None, root, None, None)
    assert p.api_params is not None and p.api_params.data == json.loads((_api(root) / "api-params.json").read_text())
    assert p.team_provider.data == {"dev": {"awscloudformation": {"Region": "us-east-1"}}}
    assert p.meta == {"providers": {"awscloudformation": {"Region": "us-east-1"}}}
    assert p.parameters_json.data == json.loads((_api(root) / "parameters.json").read_text())
    # the files the wiring may write, with their current text
    texts = {Path(k).name: v for k, v in p.texts.items()}
    assert texts["backend-config.json"] == (root / "amplify" / "backend" / "backend-config.json").read_text()
    assert texts["parameters.json"] == (_api(root) / "parameters.json").read_text()
    assert "override.ts" not in texts  # no such file


def test_find_project_a_broken_parameters_json_fails_only_when_needed(root):
    (_api(root) / "parameters.json").write_text("{not json")
    p = find_project(None, root, None, None)  # no exception yet
    assert isinstance(p.parameters_json, UserError)


def test_find_project_other_resources_stacks_without_meta_outputs(root):
    p = find_project(None, root, None, None)
    # HelloFunc is what the API depends on; HelloStep is a resource of the project: both stacks read
    assert set(p.stacks) == {("function", "HelloFunc"), ("stepFunction", "HelloStep")}
    func = p.stacks[("function", "HelloFunc")]
    assert Path(func.path).name == "HelloFunc-cloudformation-template.json"
    assert isinstance(func.template, dict) and "Resources" in func.template
    assert func.params == [json.loads((root / "amplify/backend/function/HelloFunc/function-parameters.json").read_text())]


def test_find_project_a_stack_amplify_meta_has_outputs_for_is_not_read(root):
    _write(root / "amplify" / "backend" / "amplify-meta.json", {
        "function": {"HelloFunc": {"output": {"Arn": "arn:aws:lambda:us-east-1:123456789012:function:f", "Name": "f"}}}})
    p = find_project(None, root, None, None)
    assert ("function", "HelloFunc") not in p.stacks


def test_find_project_cli7_layout(tmp_path):
    root = _copy(tmp_path, "amplify-cli7-china")
    api_dir = next((root / "amplify" / "backend" / "api").iterdir())
    p = find_project(None, root, None, None)
    assert p.layout == "cli7"
    assert p.override_text == (api_dir / "override.ts").read_text()
    assert p.has_package_json is True


def test_find_project_cli7_without_override(tmp_path):
    root = _copy(tmp_path, "amplify-cli7-china")
    api_dir = next((root / "amplify" / "backend" / "api").iterdir())
    (api_dir / "override.ts").unlink()
    (api_dir / "package.json").unlink()
    p = find_project(None, root, None, None)
    assert p.override_text is None and p.has_package_json is False


# ----------------------------------------------------------------------------------- find_template / api_template

def test_find_template_classic_and_build(tmp_path):
    assert find_template(tmp_path / "missing") is None
    (tmp_path / "build").mkdir()
    built = _write(tmp_path / "build" / "X-cloudformation-template.json", {})
    assert find_template(tmp_path) == built
    own = _write(tmp_path / "X-cloudformation-template.json", {})
    assert find_template(tmp_path) == own  # the folder before its build/


def test_find_template_prefers_cloudformation_template_names_and_json(tmp_path):
    (tmp_path / "a-template.json").write_text("{}")
    (tmp_path / "z-cloudformation-template.yaml").write_text("")
    assert find_template(tmp_path).name == "z-cloudformation-template.yaml"
    (tmp_path / "y-cloudformation-template.json").write_text("{}")
    assert find_template(tmp_path).name == "y-cloudformation-template.json"


def test_find_template_ignores_folders_and_other_files(tmp_path):
    (tmp_path / "x-cloudformation-template.json").mkdir()
    (tmp_path / "parameters.json").write_text("{}")
    assert find_template(tmp_path) is None


def test_api_template(root):
    p = find_project(None, root, None, None)
    assert api_template(p) == p.api_dir / "HelloApi-cloudformation-template.json"
    (p.api_dir / "HelloApi-cloudformation-template.json").unlink()
    with pytest.raises(UserError, match="no CloudFormation template for api/HelloApi"):
        api_template(p)


# ----------------------------------------------------------------------------------- check_inside_project

def test_check_inside_project(root, tmp_path):
    p = find_project(None, root, None, None)
    check_inside_project(p, root / "amplify" / "backend" / "backend-config.json")
    outside = _write(tmp_path / "elsewhere.json", {})
    link = root / "amplify" / "backend" / "linked.json"
    link.symlink_to(outside)
    with pytest.raises(UserError, match="outside the Amplify project"):
        check_inside_project(p, link)


def test_check_inside_project_a_sibling_with_a_common_prefix_is_outside(tmp_path):
    root = _copy(tmp_path, "amplify-stepfunctions")
    p = find_project(None, root, None, None)
    sibling = _write(tmp_path / (root.name + "-other") / "x.json", {})  # /x/amplify-stepfunctions-other: not inside
    link = root / "amplify" / "x.json"
    link.symlink_to(sibling)
    with pytest.raises(UserError):
        check_inside_project(p, link)


def test_find_project_a_template_in_build_is_the_cli7_layout(tmp_path):
    root = _copy(tmp_path, "amplify-cli7-china")
    api_dir = next((root / "amplify" / "backend" / "api").iterdir())
    (api_dir / "cli-inputs.json").unlink()  # the build/ folder alone says CLI >= 7
    template = next((api_dir / "build").glob("*-cloudformation-template.json"))
    p = find_project(template, None, None, None)
    assert (p.api, p.layout) == (api_dir.name, "cli7")


def test_find_project_the_template_path_names_category_and_resource(root):
    # a hand-made stack under backend/custom/<name>/ holding the RestApi
    custom = root / "amplify" / "backend" / "custom" / "Edge"
    shutil.copytree(_api(root), custom)
    template = custom / "HelloApi-cloudformation-template.json"
    p = find_project(template, None, None, None)
    assert (p.category, p.api, p.ref, p.layout) == ("custom", "Edge", "custom/Edge", "classic")
