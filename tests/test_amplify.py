"""Amplify-aware conversion: every template generation in ../shared/corpus/amplify-* converted in a
project built around it, what Ref/GetAtt return per resource type, and the failure paths (one line,
exit 2, every file byte-identical)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import corpus_params, snapshot
from exporter.amplify import find_outputs, generation
from exporter.io.project import find_project
from exporter.resolve import resolve
from semantic import differences

ACCOUNT, REGION, ENV = "123456789012", "us-east-1", "dev"
APPLY_OVERRIDE = Path(__file__).parent / "js" / "apply_override.mjs"
GENERATIONS = {
    "amplify-cryptoapi-2019-ThierryAbalea": "2019-era",
    "amplify-cryptoapi-2020-padunk": "2020-era (ApiId output)",
    "amplify-cryptoapi-2020-fall-adv-cloud": "2020-era (hashed Deployment id)",
    "amplify-cryptoapi-2021-eugeniogarcia": "2021-era",
    "amplify-cryptoapi-2023-v7-TownA": "Amplify CLI >= 7",
}
FLOW_ARN = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:flow-{ENV}"
FLOW_ROLE = f"arn:aws:iam::{ACCOUNT}:role/flowApiRole-{ENV}"


def _write(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")


def _project_around(folder: Path, root: Path) -> tuple[Path, dict, dict]:
    """An Amplify project holding the corpus template, with amplify-meta.json outputs for its
    functions and a custom state machine. Returns (template path, export, parameter values)."""
    tpath = next(folder.glob("*-cloudformation-template.json"))
    template = json.loads(tpath.read_text())
    api = next(k for k, r in template["Resources"].items() if r["Type"] == "AWS::ApiGateway::RestApi")
    functions = sorted({p[len("function"):-len("Arn")] for p in template["Parameters"] if p.startswith("function") and p.endswith("Arn")})
    values = {"AWS::AccountId": ACCOUNT, "AWS::Region": REGION, "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "env": ENV,
              "authRoleName": "amplify-app-dev-1-authRole", "unauthRoleName": "amplify-app-dev-1-unauthRole"}
    meta = {"providers": {"awscloudformation": {"Region": REGION, "StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/amplify-app-dev-1/x"}},
            "custom": {"flow": {"output": {"Arn": FLOW_ARN, "RoleArn": FLOW_ROLE}}}, "function": {}}
    config = {"function": {}, "custom": {"flow": {"service": "customCloudformation", "providerPlugin": "awscloudformation"}},
              "api": {api: {"service": "API Gateway", "providerPlugin": "awscloudformation",
                            "dependsOn": [{"category": "function", "resourceName": f, "attributes": ["Name", "Arn"]} for f in functions]}}}
    for f in functions:
        arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{f}-{ENV}"
        meta["function"][f] = {"output": {"Name": f"{f}-{ENV}", "Arn": arn, "Region": REGION}}
        config["function"][f] = {"build": True, "providerPlugin": "awscloudformation", "service": "Lambda"}
        values.update({f"function{f}Name": f"{f}-{ENV}", f"function{f}Arn": arn})
    backend = root / "amplify" / "backend"
    _write(root / "amplify" / ".config" / "local-env-info.json", {"envName": ENV})
    _write(backend / "backend-config.json", config)
    _write(backend / "amplify-meta.json", meta)
    cli7 = (folder / "cli-inputs.json").exists()
    api_dir = backend / "api" / api
    target = api_dir / ("build" if cli7 else "") / tpath.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(tpath, target)
    if cli7:
        shutil.copyfile(folder / "cli-inputs.json", api_dir / "cli-inputs.json")
    # The console export of that API: its Body as deployed, plus a route re-wired to Step Functions.
    body = resolve(template["Resources"][api]["Properties"]["Body"], values, template)
    body["host"], body["basePath"] = f"a1b2c3d4e5.execute-api.{REGION}.amazonaws.com", f"/{ENV}"
    body["paths"]["/flow"] = {"post": {"responses": {"200": {"description": "200 response"}}, "x-amazon-apigateway-integration": {
        "type": "aws", "credentials": FLOW_ROLE, "httpMethod": "POST", "uri": f"arn:aws:apigateway:{REGION}:states:action/StartExecution",
        "requestTemplates": {"application/json": '{"input": "$util.escapeJavaScript($input.body)", "stateMachineArn": "' + FLOW_ARN + '"}'},
        "passthroughBehavior": "never", "responses": {"default": {"statusCode": "200"}}}}}
    values.update({"customflowArn": FLOW_ARN, "customflowRoleArn": FLOW_ROLE})
    return target, body, values


CORPUS_FOLDERS = corpus_params(lambda corpus: (f for f in sorted(corpus.glob("amplify-*")) if f.is_dir()), ids=lambda f: f.name,
                               what="amplify-* folder")


@pytest.mark.slow
@pytest.mark.parametrize("folder", CORPUS_FOLDERS)
def test_every_corpus_generation_converts_in_its_project(folder, cli, tmp_path, cfn_lint):
    target, export, values = _project_around(folder, tmp_path)
    original = target.read_bytes()
    (tmp_path / "export.json").write_text(json.dumps(export, indent=2))
    result = cli("convert", tmp_path / "export.json", "--template", target, "--in-place")
    assert result.exit_code == 0, result.stderr
    assert GENERATIONS[folder.name] in result.stderr, result.stderr
    assert generation(json.loads(original)) in result.stderr
    config = json.loads((tmp_path / "amplify/backend/backend-config.json").read_text())
    api = target.parent.name if target.parent.name != "build" else target.parent.parent.name
    deps = {(d["category"], d["resourceName"]): d["attributes"] for d in config["api"][api]["dependsOn"]}
    assert deps[("custom", "flow")] == ["Arn", "RoleArn"], deps
    if target.parent.name == "build":
        assert target.read_bytes() == original, "build/ must never be edited in place"
        override = target.parent.parent / "override.ts"
        node = shutil.which("node")
        if node is None:
            pytest.skip("node is not installed: cannot apply override.ts")
        p = subprocess.run([node, str(APPLY_OVERRIDE), str(target), str(override), api], capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        template, text = json.loads(p.stdout), p.stdout
        assert "Amplify gives the Deployment a new id on every build" in result.stderr
    else:
        text = target.read_text()
        template = json.loads(text)
        assert "redeploy: renamed DeploymentAPIGW" in result.stderr
        assert template["Outputs"] == json.loads(original)["Outputs"]
    body = template["Resources"][api]["Properties"]["Body"]
    flow = body["paths"]["/flow"]["post"]["x-amazon-apigateway-integration"]
    assert flow["credentials"] == {"Ref": "customflowRoleArn"}
    assert "${customflowArn}" in flow["requestTemplates"]["application/json"]["Fn::Sub"]
    diffs = differences(body, export, values, template, "a1b2c3d4e5")
    assert not diffs, "\n".join(diffs[:5])
    assert cfn_lint(text) == []


# ---------------------------------------------------------------------------------------------
# Outputs: what Ref and GetAtt return per resource type, evaluated from a category template


KINDS_TEMPLATE = """
Parameters:
  env: {Type: String}
  prefix: {Type: String, Default: acme}
Conditions:
  IsProd: !Equals [!Ref env, prod]
Resources:
  Machine: {Type: AWS::StepFunctions::StateMachine, Properties: {StateMachineName: !Sub '${prefix}-flow-${env}'}}
  Role: {Type: AWS::IAM::Role, Properties: {RoleName: !Sub 'apiRole-${env}', Path: /svc/}}
  Fn: {Type: AWS::Lambda::Function, Properties: {FunctionName: !Join ['-', [worker, !Ref env]]}}
  Queue: {Type: AWS::SQS::Queue, Properties: {QueueName: !Sub 'jobs-${env}'}}
  Topic: {Type: AWS::SNS::Topic, Properties: {TopicName: !If [IsProd, alerts, !Sub 'alerts-${env}']}}
  Table: {Type: AWS::DynamoDB::Table, Properties: {TableName: !Sub 'items-${env}'}}
  Bucket: {Type: AWS::S3::Bucket, Properties: {BucketName: !Sub '${prefix}-files-${env}'}}
  Stream: {Type: AWS::Kinesis::Stream, Properties: {Name: !Sub 'events-${env}'}}
  Pool: {Type: AWS::Cognito::UserPool, Properties: {UserPoolName: pool}}
  Unnamed: {Type: AWS::SQS::Queue, Properties: {}}
Outputs:
  MachineRef: {Value: !Ref Machine}
  MachineName: {Value: !GetAtt Machine.Name}
  RoleRef: {Value: !Ref Role}
  RoleArn: {Value: !GetAtt Role.Arn}
  FnRef: {Value: !Ref Fn}
  FnArn: {Value: !GetAtt Fn.Arn}
  QueueRef: {Value: !Ref Queue}
  QueueArn: {Value: !GetAtt Queue.Arn}
  QueueName: {Value: !GetAtt Queue.QueueName}
  TopicRef: {Value: !Ref Topic}
  TableRef: {Value: !Ref Table}
  TableArn: {Value: !GetAtt [Table, Arn]}
  TableStream: {Value: !GetAtt Table.StreamArn}
  BucketRef: {Value: !Ref Bucket}
  BucketArn: {Value: !GetAtt Bucket.Arn}
  BucketDomain: {Value: !GetAtt Bucket.RegionalDomainName}
  StreamRef: {Value: !Ref Stream}
  PoolRef: {Value: !Ref Pool}
  UnnamedRef: {Value: !Ref Unnamed}
  Joined: {Value: !Sub '${Fn.Arn}:live'}
  OnlyInProd: {Value: x, Condition: IsProd}
"""

CN_EXPECTED = {
    "MachineRef": "arn:aws-cn:states:cn-north-1:999988887777:stateMachine:acme-flow-qa",
    "MachineName": "acme-flow-qa",
    "RoleRef": "apiRole-qa",
    "RoleArn": "arn:aws-cn:iam::999988887777:role/svc/apiRole-qa",
    "FnRef": "worker-qa",
    "FnArn": "arn:aws-cn:lambda:cn-north-1:999988887777:function:worker-qa",
    "QueueRef": "https://sqs.cn-north-1.amazonaws.com.cn/999988887777/jobs-qa",
    "QueueArn": "arn:aws-cn:sqs:cn-north-1:999988887777:jobs-qa",
    "QueueName": "jobs-qa",
    "TopicRef": "arn:aws-cn:sns:cn-north-1:999988887777:alerts-qa",
    "TableRef": "items-qa",
    "TableArn": "arn:aws-cn:dynamodb:cn-north-1:999988887777:table/items-qa",
    "BucketRef": "acme-files-qa",
    "BucketArn": "arn:aws-cn:s3:::acme-files-qa",
    "BucketDomain": "acme-files-qa.s3.cn-north-1.amazonaws.com.cn",
    "StreamRef": "events-qa",
    "Joined": "arn:aws-cn:lambda:cn-north-1:999988887777:function:worker-qa:live",
}


def test_outputs_follow_ref_and_getatt_per_resource_type(tmp_path):
    backend = tmp_path / "amplify" / "backend"
    _write(backend / "backend-config.json", {"custom": {"kinds": {"service": "customCloudformation"}}, "api": {"a": {"service": "API Gateway"}}})
    (backend / "custom" / "kinds").mkdir(parents=True)
    (backend / "custom" / "kinds" / "template.yaml").write_text(KINDS_TEMPLATE)
    _write(backend / "api" / "a" / "a-cloudformation-template.json", {"Resources": {}})
    project = find_project(backend / "api" / "a" / "a-cloudformation-template.json", None, None, "qa")
    find_outputs(project, "999988887777", "cn-north-1", "aws-cn", "qa")
    got = {o.name: o.value for o in project.outputs}
    assert got == CN_EXPECTED
    unknown = " ".join(project.unknown)
    for name in ("TableStream", "PoolRef", "UnnamedRef"):  # ids CloudFormation invents are never guessed
        assert f"output {name}" in unknown
    assert all(o.param == f"customkinds{o.name}" for o in project.outputs)


# ---------------------------------------------------------------------------------------------
# Failure paths: one line on stderr, exit 2, nothing written


def test_hand_written_override_is_never_overwritten_and_nothing_is_written(cli, tmp_path):
    work = tmp_path / "p"
    shutil.copytree(Path(__file__).parents[1] / "fixtures" / "amplify-cli7-china", work, ignore=shutil.ignore_patterns("expected"))
    (work / "amplify/backend/api/notesApi/override.ts").write_text(
        "export function override(resources: any) {\n  resources.restApi.description = 'mine';\n}\n")
    before = snapshot(work)
    result = cli("convert", work / "export.json", "-t", work / "amplify/backend/api/notesApi/build/notesApi-cloudformation-template.json", "-i")
    assert result.exit_code == 2
    assert "has hand-written overrides" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert snapshot(work) == before


def test_amplify_dir_that_is_no_project_is_a_usage_error(cli, tmp_path):
    export = {"swagger": "2.0", "paths": {"/a": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}}}}
    (tmp_path / "export.json").write_text(json.dumps(export))
    result = cli("convert", tmp_path / "export.json", "--amplify-dir", tmp_path)
    assert result.exit_code == 2
    assert "--amplify-dir: no backend/backend-config.json there" in result.stderr
    assert "Traceback" not in result.stderr


def test_amplify_dir_alone_finds_the_api_template(cli, tmp_path):
    work = tmp_path / "p"
    shutil.copytree(Path(__file__).parents[1] / "fixtures" / "amplify-stepfunctions", work, ignore=shutil.ignore_patterns("expected"))
    result = cli("convert", work / "export.json", "--amplify-dir", work)
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)["Resources"]["HelloApi"]["Properties"]["Body"]
    integ = body["paths"]["/hello"]["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]
    assert integ["credentials"] == {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${stepFunctionHelloStepRoleName}"}
    assert "not written without --in-place" in result.stderr


def test_meta_of_another_env_is_not_used(cli, tmp_path):
    """amplify-meta.json describes the checked-out env: with --env staging the prod outputs must not bind."""
    work = tmp_path / "p"
    shutil.copytree(Path(__file__).parents[1] / "fixtures" / "amplify-meta-storage-auth", work, ignore=shutil.ignore_patterns("expected"))
    result = cli("convert", work / "export.json", "-t", work / "amplify/backend/api/shopApi/shopApi-cloudformation-template.json", "--env", "staging")
    assert result.exit_code == 0, result.stderr
    assert "bound to Amplify outputs" not in result.stderr
    assert "0 outputs of other resources known" in result.stderr


def test_opaque_id_without_team_provider_info_goes_to_parameters_json(cli, tmp_path):
    work = tmp_path / "p"
    shutil.copytree(Path(__file__).parents[1] / "fixtures" / "amplify-stepfunctions", work, ignore=shutil.ignore_patterns("expected"))
    export = json.loads((work / "export.json").read_text())
    export["paths"]["/private"] = {"get": {"responses": {"200": {"description": "200 response"}}, "x-amazon-apigateway-integration": {
        "type": "http_proxy", "connectionType": "VPC_LINK", "connectionId": "vl0abc", "httpMethod": "GET", "uri": "http://nlb.internal/x",
        "passthroughBehavior": "when_no_match", "responses": {"default": {"statusCode": "200"}}}}}
    (work / "export.json").write_text(json.dumps(export))
    params = work / "amplify/backend/api/HelloApi/parameters.json"
    before = json.loads(params.read_text())
    result = cli("convert", work / "export.json", "-t", work / "amplify/backend/api/HelloApi/HelloApi-cloudformation-template.json", "-i")
    assert result.exit_code == 0, result.stderr
    assert json.loads(params.read_text()) == {**before, "VpcLinkId": "vl0abc"}
    assert "no team-provider-info.json: VpcLinkId recorded in api/HelloApi/parameters.json" in result.stderr
    assert "parameter VpcLinkId = vl0abc" in result.stderr


def test_api_missing_from_backend_config_is_reported_not_invented(cli, tmp_path):
    work = tmp_path / "p"
    shutil.copytree(Path(__file__).parents[1] / "fixtures" / "amplify-stepfunctions", work, ignore=shutil.ignore_patterns("expected"))
    config = work / "amplify/backend/backend-config.json"
    data = json.loads(config.read_text())
    del data["api"]
    config.write_text(json.dumps(data, indent=2))
    before = config.read_bytes()
    result = cli("convert", work / "export.json", "-t", work / "amplify/backend/api/HelloApi/HelloApi-cloudformation-template.json", "-i")
    assert result.exit_code == 0, result.stderr
    assert "backend-config.json has no api/HelloApi: dependsOn not wired" in result.stderr
    assert config.read_bytes() == before


def test_deployment_named_in_outputs_follows_the_rename_unless_exported(cli, tmp_path):
    """An Output is re-read on every update: it follows the new id. An exported one may be imported by
    other stacks (CloudFormation refuses to change it then): the id stays, and the run says so."""
    work = tmp_path / "p"
    shutil.copytree(Path(__file__).parents[1] / "fixtures" / "amplify-stepfunctions", work, ignore=shutil.ignore_patterns("expected"))
    tpath = work / "amplify/backend/api/HelloApi/HelloApi-cloudformation-template.json"
    pristine = tpath.read_text()
    template = json.loads(pristine)
    template["Outputs"]["DeploymentId"] = {"Value": {"Ref": "DeploymentAPIGWHelloApi"}}
    tpath.write_text(json.dumps(template, indent=2))
    result = cli("convert", work / "export.json", "-t", tpath, "-i")
    assert result.exit_code == 0, result.stderr
    after = json.loads(tpath.read_text())
    (renamed,) = [k for k in after["Resources"] if k.startswith("DeploymentAPIGWHelloApi")]
    assert renamed != "DeploymentAPIGWHelloApi"
    assert after["Outputs"]["DeploymentId"] == {"Value": {"Ref": renamed}}
    assert "redeploy it by hand" not in result.stderr

    template["Outputs"]["DeploymentId"]["Export"] = {"Name": "hello-deployment"}
    tpath.write_text(json.dumps(template, indent=2))
    result = cli("convert", work / "export.json", "-t", tpath, "-i")
    assert result.exit_code == 0, result.stderr
    after = json.loads(tpath.read_text())
    assert "DeploymentAPIGWHelloApi" in after["Resources"]
    assert after["Outputs"] == template["Outputs"]
    assert "is exported by Output(s) DeploymentId" in result.stderr and "redeploy it by hand" in result.stderr


def test_rest_api_in_a_custom_category_stack_is_wired_there(cli, tmp_path):
    work = tmp_path / "p"
    shutil.copytree(Path(__file__).parents[1] / "fixtures" / "amplify-stepfunctions", work, ignore=shutil.ignore_patterns("expected"))
    backend = work / "amplify/backend"
    target = backend / "custom/edgeApi/edgeApi-cloudformation-template.json"
    target.parent.mkdir(parents=True)
    shutil.copyfile(backend / "api/HelloApi/HelloApi-cloudformation-template.json", target)
    config = json.loads((backend / "backend-config.json").read_text())
    config["custom"] = {"edgeApi": {"service": "customCloudformation", "providerPlugin": "awscloudformation"}}
    (backend / "backend-config.json").write_text(json.dumps(config, indent=2))
    result = cli("convert", work / "export.json", "-t", target, "-i")
    assert result.exit_code == 0, result.stderr
    after = json.loads((backend / "backend-config.json").read_text())
    # the kept Lambda permission still uses functionHelloFuncName, so that one is wired too (until --prune)
    assert after["custom"]["edgeApi"]["dependsOn"] == [{"category": "function", "resourceName": "HelloFunc", "attributes": ["Name"]},
                                                       {"category": "stepFunction", "resourceName": "HelloStep", "attributes": ["Arn", "RoleName"]}]
    assert after["api"] == config["api"]
    assert "(custom/edgeApi, classic layout" in result.stderr


def test_cli7_diff_check_passes_once_convert_has_written_override_ts(cli, tmp_path):
    # CLI >= 7: convert writes override.ts and backend-config.json, never build/; --check asks whether
    # convert would change anything, so it must not count the build/ template it leaves alone
    work = tmp_path / "p"
    shutil.copytree(Path(__file__).parents[1] / "fixtures" / "amplify-cli7-china", work, ignore=shutil.ignore_patterns("expected"))
    template = work / "amplify/backend/api/notesApi/build/notesApi-cloudformation-template.json"
    before = cli("diff", work / "export.json", "-t", template, "--check")
    assert before.exit_code == 1
    assert "build/notesApi-cloudformation-template.json" not in before.stderr.splitlines()[-1]  # "would change <files>"
    assert cli("convert", work / "export.json", "-t", template, "-i").exit_code == 0
    after = cli("diff", work / "export.json", "-t", template, "--check")
    assert after.exit_code == 0, after.stderr
    assert after.stderr.splitlines()[-1] == "nothing to change: every file convert writes is already up to date"
    assert "no changes: the files convert writes already carry the export" in after.stdout
