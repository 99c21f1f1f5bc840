"""Destination: the paths merged into a template the user gave (an AWS::ApiGateway::RestApi Body or an
AWS::Serverless::Api DefinitionBody; exporter.merge does the merge). The template is all it writes:
with a changed RestApi Body, its Deployments renamed so the stack update redeploys the stage (SAM
deploys a changed DefinitionBody itself)."""

from __future__ import annotations

from typing import Any

from exporter.model import Finding, warning
from exporter.resolve import names_used
from exporter.targets.base import Built
from exporter.targets.shared import redeploy


class TemplateMerge:
    name = "template"

    @staticmethod
    def applies(conv: Any) -> bool:
        return conv.target is not None and conv.project is None

    def build(self, conv: Any) -> Built:
        api = conv.target.logical_id
        if conv.template["Resources"][api].get("Type") != "AWS::ApiGateway::RestApi":
            return Built(conv.template)
        body = conv.template["Resources"][api]["Properties"][conv.target.body_key]
        template, found = redeploy(conv.template, api, body, conv.before_body, update="the stack update")
        found += _routes_as_resources(template, api)
        return Built(template).add(found)


def _routes_as_resources(template: dict, api: str) -> list[Finding]:
    """A RestApi whose routes the template also builds as Resource/Method resources: with a Body as
    well, the two definitions of one API collide when the stack deploys."""
    kinds = ("AWS::ApiGateway::Resource", "AWS::ApiGateway::Method")
    ids = sorted(lid for lid, r in (template.get("Resources") or {}).items() if isinstance(r, dict) and r.get("Type") in kinds
                 and api in names_used((r.get("Properties") or {}).get("RestApiId")))
    if not ids:
        return []
    shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
    return [warning("routes-as-resources", f"{api} also has routes as AWS::ApiGateway::Resource/Method resources ({shown}): with the Body "
                    "they define the API twice and collide when the stack deploys; remove them (the export holds every route) or "
                    "keep this API without a Body")]
