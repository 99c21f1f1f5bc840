"""Destination: the paths merged into a template the user gave (an AWS::ApiGateway::RestApi Body or an
AWS::Serverless::Api DefinitionBody; exporter.merge does the merge). The template is all it writes:
with a changed RestApi Body, its Deployments renamed so the stack update redeploys the stage (SAM
deploys a changed DefinitionBody itself)."""

from __future__ import annotations

from typing import Any

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
        return Built(template, notes=[f for f in found if f.kind == "note"], warnings=[f for f in found if f.kind != "note"])
