"""Destination: the paths merged into a template the user gave (an AWS::ApiGateway::RestApi Body or an
AWS::Serverless::Api DefinitionBody; exporter.merge does the merge). The template is all it writes."""

from __future__ import annotations

from typing import Any

from exporter.targets.base import Built


class TemplateMerge:
    name = "template"

    @staticmethod
    def applies(conv: Any) -> bool:
        return conv.target is not None and conv.project is None

    def build(self, conv: Any) -> Built:
        return Built(conv.template)
