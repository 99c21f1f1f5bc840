"""Destination: a standalone CloudFormation template (Parameters, the RestApi with the Body, a
content-hashed Deployment, a Stage, Outputs) that deploys as it is, with the Lambda permissions
the export's integrations and authorizers need when their functions live in this stack's account
and region."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from exporter.infer import Home
from exporter.aws import METHODS, escape_pointer
from exporter.model import WARNING, Finding
from exporter.merge import REST_API, MergeReport, declare_parameters, route
from exporter.resolve import names_used
from exporter.rewrite import Context, Rewriter, Taken
from exporter.stage import StageSettings
from exporter.targets.base import Built
from exporter.targets.shared import DEPLOYMENT, LAMBDA_URI, content_hash, lambda_permission, source_arn, unique_id



@dataclass
class Invoker:
    """A Lambda function API Gateway calls with its own service identity (no credentials role):
    it needs a resource-based permission, or every call fails with 500."""

    function_arn: str
    region: str
    account: str
    name: str
    pointer: str


def lambda_invokers(export: dict) -> list[Invoker]:
    """Lambda integrations and authorizers without credentials, one per function ARN, in export order."""
    found: dict[str, Invoker] = {}

    def add(uri: Any, pointer: str) -> None:
        m = LAMBDA_URI.match(uri) if isinstance(uri, str) else None
        if m and m.group(1) not in found:
            found[m.group(1)] = Invoker(m.group(1), m.group(2), m.group(3), m.group(4), pointer)

    for p, item in (export.get("paths") or {}).items():
        for method, op in item.items():
            integ = op.get("x-amazon-apigateway-integration") if method in METHODS and isinstance(op, dict) else None
            if isinstance(integ, dict) and integ.get("type") in ("aws", "aws_proxy") and not integ.get("credentials"):
                add(integ.get("uri"), f"/paths/{escape_pointer(p)}/{method}/x-amazon-apigateway-integration/uri")
    schemes = export.get("securityDefinitions") or (export.get("components") or {}).get("securitySchemes") or {}
    section = "/securityDefinitions" if "securityDefinitions" in export else "/components/securitySchemes"
    for name, scheme in schemes.items():
        auth = scheme.get("x-amazon-apigateway-authorizer") if isinstance(scheme, dict) else None
        if isinstance(auth, dict) and not auth.get("authorizerCredentials"):
            add(auth.get("authorizerUri"), f"{section}/{name}/x-amazon-apigateway-authorizer/authorizerUri")
    return list(found.values())


def own_names() -> dict[str, Taken]:
    """The names this target writes whatever the export, which no parameter may take (a Body Ref to its own
    RestApi is a circular dependency). The Deployment's and the permissions' ids give way instead."""
    return {"RestApi": Taken(f"a resource the standalone template writes ({REST_API})"),
            "Stage": Taken("a resource the standalone template writes (AWS::ApiGateway::Stage)")}


def permission_id(name: str, env: str | None, taken: set[str]) -> str:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", name) if w and w != env]
    lid = unique_id("".join(w[:1].upper() + w[1:] for w in words) + "InvokePermission", taken)
    taken.add(lid)
    return lid


def standalone_template(export: dict, *, values: dict[str, Any], stage: str | None,
                        permissions: list[tuple[str, Any]] = (), name: Any = None,
                        settings: StageSettings | None = None, env_param: str = "env", adopt: bool = False) -> tuple[dict, MergeReport]:
    """A complete template (Parameters, RestApi with the Body, Deployment, Stage) that deploys as it is.
    `settings`: the stage's own settings (stage variables, a live stage's get-stage), exporter.stage;
    `env_param`: the parameter ${env} names (exporter.rewrite.Context.env_param);
    `adopt`: the template imports the live API (exporter.targets.adopt), which keeps its address."""
    report = MergeReport()
    settings = settings or StageSettings()
    body = {k: v for k, v in export.items() if k not in ("host", "servers")}
    why = ("the API's own address, not part of the Body: with --adopt the live API keeps its id and URL" if adopt
           else "the API's own address; CloudFormation assigns a new one")
    for k in ("host", "servers"):
        if k in export:
            report.dropped.append(Finding("dropped", f"{k} ({why})", f"/{k}", rule="address-dropped"))
    title = (export.get("info") or {}).get("title") or "RestApi"
    hashed = settings.hashed()  # nothing: the Body alone, as every template before stage settings
    digest = content_hash({"Body": body, "Stage": hashed} if hashed else body, length=10, compact=False)
    stage = settings.stage_name or stage
    stage_name: Any = stage or "v1"
    used = names_used(body)
    stage_props = settings.properties
    used_by_stage = names_used(stage_props)
    # the ids this template invents give way to every parameter name the Body and the Stage use
    parameters = used | used_by_stage | set(settings.parameters)
    deployment = unique_id(f"Deployment{digest}", parameters)
    if (env_param in used or env_param in used_by_stage) and stage and stage == values.get(env_param) and not settings.literal_name:
        stage_name = {"Ref": env_param}
    stage_res = {"RestApiId": {"Ref": "RestApi"}, "DeploymentId": {"Ref": deployment}, "StageName": stage_name}
    for key, value in stage_props.items():
        stage_res[key] = value
    if "CanarySetting" in stage_res and "DeploymentId" not in stage_res["CanarySetting"]:
        stage_res["CanarySetting"] = {**stage_res["CanarySetting"], "DeploymentId": {"Ref": deployment}}
    template: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"REST API {title}, converted from an API Gateway export by export-to-cfn",
        "Resources": {
            "RestApi": {"Type": REST_API, "Properties": {"Name": name or title, "Body": body}},
            deployment: {
                "Type": DEPLOYMENT,
                "Properties": {"RestApiId": {"Ref": "RestApi"}, "Description": f"content hash {digest}: a changed Body{' or stage' if hashed else ''} gets a new deployment"},
            },
            "Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": stage_res},
        },
        "Outputs": {
            "RootUrl": {
                "Description": "Root URL of the API",
                "Value": {"Fn::Sub": "https://${RestApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}"},
            },
            "ApiId": {"Description": "API id", "Value": {"Ref": "RestApi"}},
        },
    }
    taken = set(template["Resources"]) | parameters
    for function_name, function in permissions:
        # SourceArn names the RestApi: fine here, outside the Body (only the Body must not Ref it).
        template["Resources"][permission_id(function_name, values.get(env_param), taken)] = lambda_permission(
            function, source_arn("RestApi", scope="/*"))
    report.added_routes = [route(m, p) for p, item in export["paths"].items() for m in item if m in METHODS]
    if settings.parameters:
        template = {"AWSTemplateFormatVersion": template.pop("AWSTemplateFormatVersion"), "Description": template.pop("Description"),
                    "Parameters": dict(settings.parameters), **template}
        report.declared_params += list(settings.parameters)
    template = declare_parameters(template, body, values, with_defaults=True, report=report, used=used | used_by_stage)
    return template, report


def assemble(export: dict, rewritten: dict, rewriter: Rewriter, ctx: Context, home: Home, values: dict[str, Any],
             settings: StageSettings | None = None, *, adopt: bool = False) -> tuple[dict, MergeReport]:
    """The standalone template of the rewritten export; the permissions' function ARNs go through the
    same rewriter as the export (recorded with its rewrites, covered by the proof's values)."""
    permissions, elsewhere = [], []
    for inv in lambda_invokers(export):
        if (inv.account, inv.region) == (ctx.account, ctx.region):
            permissions.append((inv.name, rewriter.rewrite_value(inv.function_arn, inv.pointer)))
        else:  # a permission is created next to its function, not in this stack
            elsewhere.append(Finding("security", f"Lambda {inv.function_arn} is in another account or region: grant apigateway.amazonaws.com "
                                     "lambda:InvokeFunction on it there", inv.pointer, inv.function_arn, rule="permission-elsewhere", severity=WARNING))
    title = (export.get("info") or {}).get("title")
    name = rewriter.rewrite_name(title) if isinstance(title, str) and title else None
    template, report = standalone_template(rewritten, values=values, stage=home.stage, permissions=permissions, name=name,
                                           settings=settings, env_param=ctx.env_param, adopt=adopt)
    report.security += elsewhere
    return template, report


class Standalone:
    """No template given: the converted template is all there is; nothing else to write."""

    name = "standalone"

    @staticmethod
    def applies(conv: Any) -> bool:
        return conv.target is None and getattr(conv, "adopt_to", None) is None  # --adopt: exporter.targets.adopt

    def build(self, conv: Any) -> Built:
        return Built(conv.template)
