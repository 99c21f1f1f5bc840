"""The independent deploy check: moto's CloudFormation engine, not our resolver, evaluates the
converted template. For every case (bundled scenarios, every corpus export standalone, a sample of
corpus exports merged into Amplify templates):

1. deploy the output into a moto server with the export's account (MOTO_ACCOUNT_ID) and region and
   the parameters' real values, plus a test-only output {"Fn::ToJsonString": <the Body>};
2. read the output back with describe_stacks: it must equal the export (cacheNamespace, host and
   basePath aside), compared by semantic.differences with nothing left to resolve;
3. update_stack with every parameter the Body uses changed: the new values must show up wherever
   the old ones did (ARNs follow), and nothing else may change;
4. deploy the same template in another account and region: the home account and region leave every
   ARN and AWS host, and nothing else changes.

moto, measured: it accepts Fn::ToJsonString in Outputs (under the AWS::LanguageExtensions transform,
which CloudFormation requires for it) and resolves Ref, Fn::Sub (with ${!Literal}), Fn::Join, Fn::If
and conditions itself; it drops null-valued keys on the way (see without_nulls). It ignores the
Body when it creates the RestApi and get_export returns no integrations, so nothing here reads the
API back; a RestApi needs Name; a Deployment of an API without methods fails. The deployed copy
therefore leaves out Deployment, Stage, Lambda Permission and GatewayResponse resources (none is
part of the Body) and the template's own Outputs (which name them); IAM roles an Amplify policy
attaches to are created first, as the Amplify root stack would have. moto resolves AWS::Partition
to "aws" and AWS::URLSuffix to "amazonaws.com" in every region, so an export from another
partition cannot be checked this way and is skipped.
"""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from exporter.resolve import resolve

from cases import cases
from conftest import FIXTURES, run_cli
from semantic import already_resolved, differences, expand_policy

CASES = cases()
# Not part of the Body: a Deployment fails in moto, Stage/Permission hang off it, moto cannot parse a
# GatewayResponse resource (Amplify CLI >= 7 writes them).
LEFT_OUT = {"AWS::ApiGateway::Deployment", "AWS::ApiGateway::Stage", "AWS::Lambda::Permission", "AWS::ApiGateway::GatewayResponse"}
DEFAULT_ACCOUNT, DEFAULT_REGION = "123456789012", "us-east-1"  # exports with no ARN name neither


def deployable(template: dict, api: str) -> dict:
    """The template moto deploys: only resources moto can create, one output holding the Body as JSON."""
    props = template["Resources"][api]["Properties"]
    body = props.get("Body") or props.get("DefinitionBody")
    out = {k: v for k, v in template.items() if k != "Outputs"}
    # CloudFormation evaluates Fn::ToJsonString only under this transform; moto accepts it.
    transforms = template.get("Transform") or []
    transforms = [transforms] if isinstance(transforms, str) else list(transforms)
    out["Transform"] = transforms + ["AWS::LanguageExtensions"] if transforms else "AWS::LanguageExtensions"
    out["Resources"] = {k: r for k, r in template["Resources"].items() if r.get("Type") not in LEFT_OUT}
    if "Name" not in props:  # CloudFormation takes it from the Body's info.title; moto insists on Name
        api_res = dict(out["Resources"][api])
        api_res["Properties"] = {**props, "Name": ((body or {}).get("info") or {}).get("title") or api}
        out["Resources"][api] = api_res
    out["Outputs"] = {"BodyJson": {"Value": {"Fn::ToJsonString": body}}}
    return out


def without_nulls(node):  # noqa: ANN001, ANN201
    """moto drops every null-valued key while it resolves a template (clean_json skips None), so its
    Body is compared with an export whose null-valued keys are gone too. Our own semantic check
    (test_corpus, test_scenarios) keeps them."""
    if isinstance(node, dict):
        return {k: without_nulls(v) for k, v in node.items() if v is not None}
    if isinstance(node, list):
        return [without_nulls(v) for v in node]
    return node


def body_parameters(template: dict, body: dict) -> list[str]:
    """Template parameters the Body names (Ref or ${Name} in Fn::Sub), read off its JSON text."""
    text = json.dumps(body)
    return [p for p in template.get("Parameters") or {}
            if f'"Ref": "{p}"' in text or re.search(r"\$\{" + re.escape(p) + r"[}.]", text)]


def stack_parameters(template: dict, values: dict) -> list[dict]:
    return [{"ParameterKey": p, "ParameterValue": str(values[p])} for p in template.get("Parameters") or {} if p in values]


def deployed_body(cf, name: str) -> dict:  # noqa: ANN001 - a boto3 CloudFormation client
    stack = cf.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE"), f"{name}: {stack['StackStatus']} {stack.get('StackStatusReason')}"
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}
    return json.loads(outputs["BodyJson"])


def changed_value(old: str, i: int) -> str:
    """A new value no export contains; ARN-shaped values stay ARN-shaped (only the name changes)."""
    token = f"zq{i:02d}x"
    if old.startswith("arn:"):
        head = max(old.rfind(":"), old.rfind("/"))
        return old[: head + 1] + token
    return token


def env_suffixed_arns(body: dict, env: str) -> list[str]:
    text = json.dumps(body)
    return re.findall(r"arn:[^\"\s]*?[-_]" + re.escape(env) + r"(?![A-Za-z0-9])", text)


def existing_roles(template: dict, values: dict) -> list[str]:
    """Roles an AWS::IAM::Policy attaches to by parameter (Amplify's authRoleName/unauthRoleName):
    the Amplify root stack owns them, so they exist before the API stack deploys."""
    out = []
    for res in template["Resources"].values():
        if res.get("Type") == "AWS::IAM::Policy":
            for role in (res.get("Properties") or {}).get("Roles") or []:
                if isinstance(role, dict) and role.get("Ref") in values:
                    out.append(str(values[role["Ref"]]))
    return out


@pytest.fixture
def aws(moto_endpoint, monkeypatch):
    """aws(service, account, region) -> a boto3 client whose calls land in that moto account."""
    import boto3

    def client(service: str, account: str, region: str):  # noqa: ANN202
        # The in-process server reads MOTO_ACCOUNT_ID on every request: one account per test.
        monkeypatch.setenv("MOTO_ACCOUNT_ID", account)
        return boto3.client(service, endpoint_url=moto_endpoint, region_name=region,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    return client


def deploy(aws, conv, account: str, region: str, name: str, values: dict | None = None) -> dict:  # noqa: ANN001
    """Create the stack in that account and region (parameters from `values`, default the case's);
    the Body moto resolved."""
    values = conv.values if values is None else values
    template = deployable(conv.template, conv.api)
    iam = aws("iam", account, region)
    for role in existing_roles(template, values):
        try:
            iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
        except iam.exceptions.EntityAlreadyExistsException:
            pass
    cf = aws("cloudformation", account, region)
    cf.create_stack(StackName=name, TemplateBody=json.dumps(template), Parameters=stack_parameters(template, values))
    return deployed_body(cf, name)


def home(conv) -> tuple[str, str]:  # noqa: ANN001
    return conv.values.get("AWS::AccountId", DEFAULT_ACCOUNT), conv.values.get("AWS::Region", DEFAULT_REGION)


def check_deploys_to_export(conv, aws) -> dict:  # noqa: ANN001
    account, region = home(conv)
    body = deploy(aws, conv, account, region, stack_name(conv.case.id, "home"))
    export, values = conv.export, conv.values
    if values.get("AWS::Partition", "aws") != "aws":
        # moto resolves AWS::Partition to aws (and AWS::URLSuffix to amazonaws.com) in every region: what it
        # deploys must then be what the project's resolver makes of the Body with those two values (under the
        # real ones the Body is the export: test_corpus, test_scenarios). Parameters keep their real values.
        values = {**values, "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
        export = {k: resolve(conv.body[k], values, conv.template) if k in conv.body else v for k, v in export.items()}
        if "x-amazon-apigateway-policy" in export:  # (API Gateway, and moto, expand execute-api:/ at import)
            export["x-amazon-apigateway-policy"] = expand_policy(export["x-amazon-apigateway-policy"], values, conv.api_id)
        assert export != conv.export, "the partition moved nothing: the check would prove nothing new"
    diffs = differences(body, without_nulls(export), values, conv.template, conv.api_id, resolver=already_resolved)
    assert not diffs, f"{conv.case.id}: moto's Body differs from the export:\n" + "\n".join(diffs[:5])
    return body


def check_update_follows_parameters(conv, aws) -> None:  # noqa: ANN001
    """update_stack with every parameter the Body uses changed: the new values appear, the old
    ARN values and env-suffixed ARNs are gone, and putting the old values back gives the first Body."""
    account, region = home(conv)
    template = deployable(conv.template, conv.api)
    used = body_parameters(template, conv.body)
    if not used:
        pytest.skip("the Body uses no template parameter")
    values = conv.values
    name = stack_name(conv.case.id, "update")
    first = deploy(aws, conv, account, region, name)
    new = {p: changed_value(str(values[p]), i) for i, p in enumerate(used)}
    cf = aws("cloudformation", account, region)
    cf.update_stack(StackName=name, TemplateBody=json.dumps(template), Parameters=stack_parameters(template, {**values, **new}))
    second = deployed_body(cf, name)
    text = json.dumps(second)
    for p, value in new.items():
        assert value in text, f"{conv.case.id}: parameter {p} changed to {value!r}, but the deployed Body does not show it"
        old = str(values[p])
        if old.startswith("arn:"):
            assert old not in text, f"{conv.case.id}: {p} changed, yet its old value {old} is still in the Body (a literal left behind)"
    if "env" in new:
        stale = env_suffixed_arns(second, str(values["env"]))
        assert not stale, f"{conv.case.id}: env changed, yet these ARNs still carry -{values['env']}: {stale[:3]}"
    back = text
    for p in sorted(new, key=lambda p: -len(new[p])):
        back = back.replace(new[p], str(values[p]))
    assert json.loads(back) == first, f"{conv.case.id}: the update changed more than the parameters' values"


OTHER_ACCOUNTS = ("210987654321", "109876543210")  # the first the export does not name
OTHER_REGIONS = ("sa-east-1", "eu-north-1", "ap-southeast-2")


def check_other_account_and_region(conv, aws) -> None:  # noqa: ANN001
    """The same template deployed in another account and region: every home account id and home
    region inside an ARN or AWS host follows, and nothing else changes."""
    account, region = home(conv)
    export_text = json.dumps(conv.export)
    other = next(r for r in OTHER_REGIONS if r not in export_text)
    other_account = next(a for a in OTHER_ACCOUNTS if a not in export_text)
    first = deploy(aws, conv, account, region, stack_name(conv.case.id, "first"))
    # Parameters bound to other stacks' outputs (an Amplify state machine ARN) name the account
    # they live in: in the other account, those stacks pass their own values.
    moved_values = {k: v.replace(account, other_account).replace(region, other) if isinstance(v, str) and not k.startswith("AWS::") else v
                    for k, v in conv.values.items()}
    moved = deploy(aws, conv, other_account, other, stack_name(conv.case.id, "moved"), moved_values)
    text = json.dumps(moved)
    arns = re.findall(r"arn:[^\"\s]*|[a-z0-9.-]+\.amazonaws\.com[^\"\s]*", text)
    if "AWS::AccountId" in conv.values:
        stuck = [a for a in arns if account in a]
        assert not stuck, f"{conv.case.id}: deployed in {other_account}, these still name the home account: {stuck[:3]}"
    if "AWS::Region" in conv.values:
        stuck = [a for a in arns if re.search(r"(?<![a-z0-9-])" + re.escape(region) + r"(?![a-z0-9-])", a)]
        assert not stuck, f"{conv.case.id}: deployed in {other}, these still name the home region: {stuck[:3]}"
    back = text.replace(other_account, account).replace(other, region)
    assert json.loads(back) == first, f"{conv.case.id}: moving account/region changed more than account and region"


def stack_name(case_id: str, purpose: str) -> str:
    return f"e2c-{purpose}-" + hashlib.sha256(case_id.encode()).hexdigest()[:16]


def deployable_case(case, converted):  # noqa: ANN001, ANN201
    conv = converted(case)
    assert conv.exit_code == 0, conv.stderr
    if conv.template["Resources"][conv.api].get("Type") != "AWS::ApiGateway::RestApi":
        pytest.skip("moto has no SAM transform")
    return conv


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_moto_deploys_to_the_export(case, converted, aws):
    check_deploys_to_export(deployable_case(case, converted), aws)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_moto_update_stack_follows_parameters(case, converted, aws):
    check_update_follows_parameters(deployable_case(case, converted), aws)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_moto_other_account_and_region(case, converted, aws):
    check_other_account_and_region(deployable_case(case, converted), aws)


# ---------------------------------------------------------------------------------------------
# The Stage with a live stage's settings (--stage). moto 5's CloudFormation has no AWS::ApiGateway::Stage
# resource type at all (it models RestApi, Resource, Method and Deployment; and a Deployment of a Body-only
# API fails, above), so the Stage is never deployed by CloudFormation here: moto's engine resolves its properties
# (a test-only output, Fn::ToJsonString of them: parameters' Defaults, the access log ARN's Fn::Sub) and
# the test then does what CloudFormation's Stage handler does with them: CreateStage, then UpdateStage
# patch operations for MethodSettings and AccessLogSetting. get-stage must then give back the file's
# variables, method settings, tracing, access logs, cache cluster, description and tags. moto keeps no
# canary settings and no client certificate on a stage: those two are checked by our resolver only
# (tests/test_stage.py).

STAGE_FIXTURE = FIXTURES / "stage-settings"
MOTO_STAGE_FIELDS = ("variables", "description", "cacheClusterEnabled", "cacheClusterSize", "tracingEnabled", "accessLogSettings")
PATCH_PATHS = {"MetricsEnabled": "metrics/enabled", "LoggingLevel": "logging/loglevel", "DataTraceEnabled": "logging/dataTrace",
               "ThrottlingBurstLimit": "throttling/burstLimit", "ThrottlingRateLimit": "throttling/rateLimit",
               "CachingEnabled": "caching/enabled", "CacheTtlInSeconds": "caching/ttlInSeconds", "CacheDataEncrypted": "caching/dataEncrypted"}
GET_STAGE_NAMES = {"MetricsEnabled": "metricsEnabled", "LoggingLevel": "loggingLevel", "DataTraceEnabled": "dataTraceEnabled",
                   "ThrottlingBurstLimit": "throttlingBurstLimit", "ThrottlingRateLimit": "throttlingRateLimit",
                   "CachingEnabled": "cachingEnabled", "CacheTtlInSeconds": "cacheTtlInSeconds", "CacheDataEncrypted": "cacheDataEncrypted"}


def _patch_value(v) -> str:  # noqa: ANN001
    return str(v).lower() if isinstance(v, bool) else str(v)


def apply_stage(apigw, api_id: str, deployment_id: str, props: dict) -> None:  # noqa: ANN001 - a boto3 client
    """What CloudFormation's AWS::ApiGateway::Stage handler does with the resolved properties (the part moto models)."""
    apigw.create_stage(restApiId=api_id, stageName=props["StageName"], deploymentId=deployment_id,
                       description=props.get("Description", ""), variables=props.get("Variables", {}),
                       cacheClusterEnabled=props.get("CacheClusterEnabled", False), cacheClusterSize=props.get("CacheClusterSize", "0.5"),
                       tracingEnabled=props.get("TracingEnabled", False), tags={t["Key"]: t["Value"] for t in props.get("Tags", [])})
    ops = []
    for m in props.get("MethodSettings", []):
        path = {"/*": "*", "/": "~1"}.get(m["ResourcePath"], m["ResourcePath"][1:])
        for prop, setting in PATCH_PATHS.items():
            if prop in m:
                ops.append({"op": "replace", "path": f"/{path}/{m['HttpMethod']}/{setting}", "value": _patch_value(m[prop])})
    for prop, key in (("DestinationArn", "destinationArn"), ("Format", "format")):
        if prop in props.get("AccessLogSetting", {}):
            ops.append({"op": "replace", "path": f"/accessLogSettings/{key}", "value": props["AccessLogSetting"][prop]})
    apigw.update_stage(restApiId=api_id, stageName=props["StageName"], patchOperations=ops)


@pytest.mark.slow
def test_moto_has_no_cloudformation_stage_so_the_stage_is_applied_through_its_api():
    """What the README and the test below say: if moto ever models AWS::ApiGateway::Stage, this fails,
    and the stage check should become a CloudFormation deploy."""
    from moto.cloudformation.parsing import get_model_map

    assert sorted(k for k in get_model_map() if k.startswith("AWS::ApiGateway::")) == [
        "AWS::ApiGateway::Deployment", "AWS::ApiGateway::Method", "AWS::ApiGateway::Resource", "AWS::ApiGateway::RestApi"]


@pytest.mark.slow
def test_moto_stage_carries_the_live_settings(aws, tmp_path):
    """Not a CloudFormation deploy of the Stage: moto 5 has no AWS::ApiGateway::Stage resource type. moto's
    CloudFormation engine resolves the written Stage's properties (a test-only output); the test applies
    them through moto's API Gateway API (CreateStage, UpdateStage) and reads them back with get-stage."""
    out = tmp_path / "template.json"
    result = run_cli("convert", str(STAGE_FIXTURE / "export.json"), "--stage", str(STAGE_FIXTURE / "stage.json"), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    template = json.loads(out.read_text())
    live = json.loads((STAGE_FIXTURE / "stage.json").read_text())
    account, region = "111122223333", "eu-west-1"
    stage_props = {k: v for k, v in template["Resources"]["Stage"]["Properties"].items() if k not in ("RestApiId", "DeploymentId", "CanarySetting")}
    body = deployable(template, "RestApi")
    body["Outputs"]["StageJson"] = {"Value": {"Fn::ToJsonString": stage_props}}
    cf = aws("cloudformation", account, region)
    cf.create_stack(StackName="e2c-stage-settings", TemplateBody=json.dumps(body))
    stack = cf.describe_stacks(StackName="e2c-stage-settings")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    resolved = json.loads({o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}["StageJson"])
    api_id = next(r["PhysicalResourceId"] for r in cf.describe_stack_resources(StackName="e2c-stage-settings")["StackResources"]
                  if r["LogicalResourceId"] == "RestApi")
    apigw = aws("apigateway", account, region)
    root = next(r["id"] for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
    deployment = apigw.create_deployment(restApiId=api_id)["id"]
    apply_stage(apigw, api_id, deployment, resolved)
    got = apigw.get_stage(restApiId=api_id, stageName=live["stageName"])
    for key in MOTO_STAGE_FIELDS:
        assert got.get(key) == live[key], f"{key}: want {live[key]!r}, moto's stage has {got.get(key)!r}"
    assert got["tags"] == {k: v for k, v in live["tags"].items() if not k.startswith("aws:")}
    for key, want in live["methodSettings"].items():
        have = got["methodSettings"][key]
        for name in GET_STAGE_NAMES.values():
            assert have[name] == want[name] and type(have[name]) is type(want[name]), f"methodSettings {key} {name}: want {want[name]!r}, have {have[name]!r}"
