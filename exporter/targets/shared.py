"""What every destination shares: the Lambda permission API Gateway needs to invoke a function, the
ids such resources get, and the content hash that gives a changed Body a new Deployment (redeploy)."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Container

from exporter.aws import first_free
from exporter.model import Finding, note, warning
from exporter.resolve import names_used

PERMISSION = "AWS::Lambda::Permission"
DEPLOYMENT = "AWS::ApiGateway::Deployment"
HASHED = re.compile(r"^(.*?)([0-9a-f]{8})$")  # a Deployment id this tool (or Amplify) suffixed with a hash
# A Lambda integration's (or authorizer's) URI: group 1 the function ARN (with its qualifier), 2 its
# region, 3 its account, 4 its name. A name from a stage variable (${stageVariables.fn}) is no
# function this template can grant anything to: it does not match.
LAMBDA_URI = re.compile(r"^arn:[a-z-]+:apigateway:[a-z0-9-]+:lambda:path/[0-9-]+/functions/(arn:[a-z-]+:lambda:([a-z0-9-]+):([0-9]{12}):"
                        r"function:([A-Za-z0-9_-]+)(?::[A-Za-z0-9_$-]+)?)/invocations$")
STANDALONE_DEPLOYMENT = re.compile(r"^Deployment[0-9a-f]{10}$")  # the standalone target's own (exporter.targets.standalone)


def redeploy_stem(lid: str) -> str:
    """A Deployment's id without the hash an earlier redeploy gave it, so each rename replaces the
    suffix instead of growing the id: DeploymentAPIGWApie173cd76 -> DeploymentAPIGWApi."""
    if STANDALONE_DEPLOYMENT.match(lid):
        return "Deployment"
    m = HASHED.match(lid)
    return m.group(1) if m and m.group(1) else lid


def unique_id(stem: str, taken: Container[str]) -> str:
    """`stem`, or stem2, stem3, ... : the first logical id nothing in `taken` has."""
    return first_free(stem, taken.__contains__)


def source_arn(api: str, *, scope: str, style: str = "sub") -> Any:
    """The execute-api ARN of `api` (a logical id) followed by `scope` (/* or /*/*/*), as Fn::Sub or Fn::Join."""
    if style == "join":
        return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":execute-api:", {"Ref": "AWS::Region"}, ":",
                                  {"Ref": "AWS::AccountId"}, ":", {"Ref": api}, scope]]}
    return {"Fn::Sub": f"arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{api}}}{scope}"}


def lambda_permission(function_name: Any, source: Any, *, function_first: bool = False) -> dict:
    """An AWS::Lambda::Permission letting API Gateway invoke `function_name` from `source`.
    `function_first`: FunctionName leads the Properties (the order Amplify templates use)."""
    if function_first:
        props = {"FunctionName": function_name, "Action": "lambda:InvokeFunction", "Principal": "apigateway.amazonaws.com", "SourceArn": source}
    else:
        props = {"Action": "lambda:InvokeFunction", "FunctionName": function_name, "Principal": "apigateway.amazonaws.com", "SourceArn": source}
    return {"Type": PERMISSION, "Properties": props}


def content_hash(body: Any, *, length: int, compact: bool) -> str:
    """Hex digest of the Body (keys sorted), cut to `length`: a Deployment id suffix that changes with it.
    The standalone target uses 10 characters over default JSON separators, the Amplify targets 8 over
    compact ones (their ids were first written that way; changing either would redeploy every stack)."""
    return _digest(hashed_text(body, compact=compact), length)


def hashed_text(body: Any, *, compact: bool) -> str:
    """The JSON text content_hash digests."""
    return json.dumps(body, sort_keys=True, separators=(",", ":") if compact else None)


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def body_digest(body: Any) -> str:
    """The 8-character suffix a redeployed Deployment gets (content_hash over compact JSON)."""
    return content_hash(body, length=8, compact=True)


def rename_logical_id(node: Any, old: str, new: str) -> Any:
    """Every Ref/GetAtt/DependsOn/${Sub} to `old` pointed at `new` (other strings are left alone).
    What names nothing to rename is returned as it is (shared, not copied): treat both as read-only."""
    if isinstance(node, list):
        items = None
        for i, v in enumerate(node):
            if isinstance(v, (list, dict)):
                r = rename_logical_id(v, old, new)
                if r is not v:
                    if items is None:
                        items = list(node)
                    items[i] = r
        return node if items is None else items
    if not isinstance(node, dict):
        return node
    out = None
    for k, v in node.items():
        if k == "Ref" and v == old:
            r = new
        elif k == "Fn::GetAtt" and isinstance(v, list) and v and v[0] == old:
            r = [new, *v[1:]]
        elif k == "Fn::GetAtt" and isinstance(v, str) and v.split(".")[0] == old:
            r = new + v[len(old):]
        elif k == "Fn::Sub" and isinstance(v, str):
            r = _sub_renamed(v, old, new)
        elif k == "Fn::Sub" and isinstance(v, list) and len(v) == 2 and isinstance(v[0], str):
            r = [_sub_renamed(v[0], old, new), rename_logical_id(v[1], old, new)]
        elif k == "DependsOn":
            r = [new if d == old else d for d in v] if isinstance(v, list) else (new if v == old else v)
        elif isinstance(v, (list, dict)):
            r = rename_logical_id(v, old, new)
        else:
            continue
        if r is v or r == v:  # (only strings equal to `old` are replaced, by strings)
            continue
        if out is None:
            out = dict(node)
        out[k] = r
    return node if out is None else out


def _sub_renamed(text: str, old: str, new: str) -> str:
    return re.sub(r"\$\{" + re.escape(old) + r"(?=[.}])", "${" + new, text)


def _may_name(resource: Any, lid: str, body: Any, body_text: str) -> bool:
    """Could `resource` refer to `lid`? Not when its JSON does not hold the id (json.dumps is C, the
    rename walk is not); the API's big Body is judged by the text its hash was taken of."""
    props = resource.get("Properties") if isinstance(resource, dict) else None
    if isinstance(props, dict) and any(v is body for v in props.values()):
        rest = {**resource, "Properties": {k: v for k, v in props.items() if v is not body}}
        return lid in body_text or lid in json.dumps(rest, default=str)
    return lid in json.dumps(resource, default=str)


def redeploy(template: dict, api: str, body: Any, before: Any, *, update: str) -> tuple[dict, list[Finding]]:
    """`template` with each Deployment of `api` renamed after a content hash of the Body, when the Body
    changed: CloudFormation leaves an unchanged Deployment as it is, so the stage would keep serving
    the old API ('Missing Authentication Token' on the new paths). `update`: what deploys the change
    ("the push", "the stack update"), for the messages. The template is not changed in place."""
    found: list[Finding] = []
    if before == body:
        return template, found
    resources = template.get("Resources") or {}
    deployments = [lid for lid, r in resources.items() if isinstance(r, dict) and r.get("Type") == DEPLOYMENT
                   and api in names_used((r.get("Properties") or {}).get("RestApiId"))]
    if not deployments:
        found.append(warning("no-deployment", f"no AWS::ApiGateway::Deployment of {api} in the template: redeploy the stage yourself after the update"))
    body_text = hashed_text(body, compact=True)
    for old in deployments:
        new = redeploy_stem(old) + _digest(body_text, 8)  # body_digest(body), from the text already taken
        if new == old:
            continue
        outputs = template.get("Outputs") if isinstance(template.get("Outputs"), dict) else {}
        exported = sorted(name for name, o in outputs.items() if isinstance(o, dict) and "Export" in o and old in names_used(o))
        if exported:
            # an export other stacks may import cannot change its value while they do: keep the id
            found.append(warning("deployment-in-outputs", f"the Body changed but {old} is exported by Output(s) {', '.join(exported)}, so it keeps its "
                                 f"id and CloudFormation will not redeploy the stage: redeploy it by hand after {update}"))
            continue
        resources = {(new if k == old else k): rename_logical_id(v, old, new) if _may_name(v, old, body, body_text) else v
                     for k, v in resources.items()}
        template = {**template, "Resources": resources}
        if any(old in names_used(o) for o in outputs.values()):
            template["Outputs"] = rename_logical_id(outputs, old, new)
        found.append(note("redeploy", f"redeploy: renamed {old} -> {new} (a content hash of the Body), so {update} creates a new deployment "
                          "and the stage serves the new paths (an unchanged Deployment leaves the old API live: 'Missing Authentication Token')"))
        props = resources[new].get("Properties")
        if isinstance(props, dict) and "StageDescription" in props and "StageName" in props:
            found.append(stage_description_refused(new, update))
    return template, found


def stage_description_refused(lid: str, update: str) -> Finding:
    """A renamed Deployment (a new one for CloudFormation) that names its stage and carries stage settings:
    CloudFormation refuses to create it when that stage exists ('StageDescription cannot be specified
    when stage referenced by StageName already exists'), which it does once the stack was deployed. A
    new AWS::ApiGateway::Stage of the same name is refused too ('already exists'): it must be imported."""
    return warning("stage-description-refused", f"{lid} has StageName and StageDescription: CloudFormation refuses a new Deployment with "
                   f"a StageDescription for a stage that already exists, so {update} will fail. Remove StageDescription (the live stage "
                   "keeps its settings), or move the settings to an AWS::ApiGateway::Stage that references the Deployment, with the "
                   "existing stage brought into it by resource import (created anew, it fails: the stage already exists)")
