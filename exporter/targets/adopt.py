"""Destination: a standalone template for CloudFormation resource import of the live API (--adopt),
and the resources-to-import file `aws cloudformation create-change-set --change-set-type IMPORT` takes.

The import rules this follows (CloudFormation user guide, "Importing AWS resources into a stack";
identifiers from the resource types' registry schemas, which cfn-lint ships):
- every resource to import has a DeletionPolicy (Retain here, and UpdateReplacePolicy Retain, so that
  neither a later delete nor a replacement removes the live API);
- an IMPORT change set only imports: it cannot create resources or add Outputs, so the template holds
  the importable resources and nothing else (the Lambda permissions and Outputs come with the first
  ordinary update, from the same convert without --adopt);
- each resource is named by its primary identifier:
    AWS::ApiGateway::RestApi     RestApiId                 (the export's host: <id>.execute-api.<region>...)
    AWS::ApiGateway::Deployment  DeploymentId, RestApiId   (get-stage's deploymentId: needs --stage)
    AWS::ApiGateway::Stage       RestApiId, StageName      (needs --stage: a Stage names its deployment)
- not adoptable: AWS::Lambda::Permission (its primary identifier includes the statement Id, which only
  the function's policy knows, and the type has no update handler); it is created anew by the update.

Three files: the import template (-o), <stem>-resources-to-import.json, and <stem>-after-import.json:
the whole standalone template (same logical ids, the imported resources still Retain, the live canary
deployment kept) for the first ordinary update, which adds the permissions and Outputs.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from exporter.errors import UserError
from exporter.io.write import render_document
from exporter.model import Finding, note, warning
from exporter.resolve import names_used
from exporter.targets.base import Built
from exporter.targets.shared import DEPLOYMENT

REST_API = "AWS::ApiGateway::RestApi"
STAGE = "AWS::ApiGateway::Stage"
RETAIN = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}


def resources_to_import(template: dict, api_id: str, deployment_id: str | None, stage_name: str | None) -> list[dict]:
    out = []
    for lid, res in template["Resources"].items():
        kind = res["Type"]
        if kind == REST_API:
            ident = {"RestApiId": api_id}
        elif kind == DEPLOYMENT:
            ident = {"DeploymentId": deployment_id, "RestApiId": api_id}
        elif kind == STAGE:
            ident = {"RestApiId": api_id, "StageName": stage_name}
        else:  # pragma: no cover - adopt() keeps nothing else
            raise AssertionError(kind)
        out.append({"ResourceType": kind, "LogicalResourceId": lid, "ResourceIdentifier": ident})
    return out


def adopt(conv: Any) -> tuple[dict, dict, list[dict], list[Finding], list[Finding]]:
    """(import template, after-import template, resources-to-import, notes, warnings) for a standalone conversion."""
    api_id = conv.home.api_id
    if not api_id:
        raise UserError("--adopt needs the live API's id, which an export names in its host (<id>.execute-api.<region>.amazonaws.com) "
                        "or servers URL; export the live stage again (console Export, or aws apigateway get-export)")
    template = copy.deepcopy(conv.template)
    notes, warnings = [], []
    live = conv.live
    deployment_id = live.data.get("deploymentId") if live is not None else None
    if live is not None and not deployment_id:
        raise UserError("--adopt: the get-stage JSON has no deploymentId, which imports the stage's deployment", file=live.path)
    resources: dict[str, Any] = {}
    left: list[str] = []
    for lid, res in template["Resources"].items():
        kind = res.get("Type")
        if kind == REST_API or (live is not None and kind in (DEPLOYMENT, STAGE)):
            resources[lid] = {**res, **RETAIN}
        else:  # a Lambda permission (PERMISSION): not importable, see the module docstring
            left.append(lid)
    if left:
        notes.append(note("adopt-left-out", f"not in the import template: {', '.join(left)} (an IMPORT change set cannot create "
                          "resources; the update after the import creates them)"))
    if live is None:
        warnings.append(warning("adopt-without-stage", "--adopt without --stage imports the RestApi only: the stage's deployment id is in "
                                "`aws apigateway get-stage`; until the stage is imported, an update with this tool's Stage fails (the stage "
                                "already exists)"))
    after = copy.deepcopy(conv.template)
    after["Resources"] = {lid: ({**res, **RETAIN} if lid in resources else res) for lid, res in after["Resources"].items()}
    template["Resources"] = resources
    used = names_used(resources)
    if template.get("Parameters"):  # a parameter only what was cut used (a stage variable of the Stage) goes too
        template["Parameters"] = {n: p for n, p in template["Parameters"].items() if n in used}
        if not template["Parameters"]:
            del template["Parameters"]
    if "Outputs" in template:
        del template["Outputs"]
        notes.append(note("adopt-no-outputs", "no Outputs in the import template (an import cannot add them; the update after it does)"))
    stage_name = live.name if live is not None else None
    rti = resources_to_import(template, api_id, deployment_id, stage_name)
    what = ", ".join(f"{r['LogicalResourceId']} ({r['ResourceType']})" for r in rti)
    notes.append(note("adopt", f"adopt: import {what} of API {api_id}; steps in README, 'Adopting the live API'"))
    return template, after, rti, notes, warnings


class Adopt:
    """--adopt: the standalone template, cut to what resource import accepts, and its resources-to-import file."""

    name = "adopt"

    @staticmethod
    def applies(conv: Any) -> bool:
        return conv.target is None and getattr(conv, "adopt_to", None) is not None

    def build(self, conv: Any) -> Built:
        template, after, rti, notes, warnings = adopt(conv)
        out = conv.adopt_to
        files = {out.with_name(out.stem + "-resources-to-import.json"): json.dumps(rti, indent=2) + "\n",
                 out.with_name(out.stem + "-after-import.json"): render_document(after, None, None, "json")}
        return Built(template, files=files, notes=notes, warnings=warnings)
