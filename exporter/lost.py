"""What the export lost: what a live stage can have that the converted template does not carry, each
with the AWS CLI command that shows it (and hands it over, where the tool takes it). Plain data.

How it is decided (files only; the tool never calls AWS):
- stage settings (variables, method settings, logging, tracing, cache, canary, client certificate,
  tags): missing unless --stage gave the live stage. In an Amplify project (`mode` "amplify") --stage
  does not apply (exporter.stage.refused_into_template): the live stage keeps its settings across
  pushes, but no template holds them and a new env starts without them, so the line says how to see
  them and set them on a new env's stage. Merged into another template (`mode` "template") --stage does
  not apply either: that template's own stage (exporter.stage.own_stage) is where they go, so the line
  names it (or says there is none) and gives the get-stage command to compare with;
- without --stage nothing is known about the live API beyond its definition, so the other things a
  stage can have outside the export are listed too, to be checked: usage plans and API keys, custom
  domains and base path mappings, a WAF web ACL;
- with --stage the files are the evidence: a WAF web ACL when the get-stage JSON names one
  (webAclArn); usage plans and API keys when the export requires an API key on a method (they are
  then needed for any call to succeed). get-stage cannot show domains or usage plans that do not
  require keys, so with --stage they are not listed (README: "What the export lost").
Nothing listed: the section is not printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from exporter.io.load import operations


@dataclass
class Lost:
    what: str
    command: str


def requires_api_key(export: dict) -> bool:
    """Does a method of the export need an API key: does its security (its own `security` when it has
    one, `security: []` meaning none, else the API's) name an apiKey scheme in the x-api-key header?
    That is how an export writes a method's apiKeyRequired. Any requirement naming one counts: API
    Gateway exports a method's authorizer and its key as two entries of the list, both required.
    x-amazon-apigateway-api-key-source is not read: it says where the key of such a method comes from
    (the X-API-Key header, or a Lambda authorizer's usageIdentifierKey), not whether one is needed."""
    components = export.get("components")
    schemes = export.get("securityDefinitions") or (components.get("securitySchemes") if isinstance(components, dict) else None)
    if not isinstance(schemes, dict):
        return False
    key_schemes = {n for n, s in schemes.items() if isinstance(s, dict) and s.get("type") == "apiKey"
                   and str(s.get("name", "")).lower() == "x-api-key" and s.get("in") == "header"}
    if not key_schemes:
        return False

    def names_key(requirements: object) -> bool:
        return isinstance(requirements, list) and any(isinstance(r, dict) and key_schemes & set(r) for r in requirements)

    api_wide = export.get("security")
    return any(names_key(op["security"] if "security" in op else api_wide) for _path, _method, op in operations(export))


SETTINGS = ("stage settings (variables, method settings: throttling, caching, logging, metrics; tracing, access logs, "
            "cache cluster, canary, client certificate, tags)")


def what_was_lost(export: dict, *, api_id: str | None, stage: str | None, region: str | None, partition: str,
                  live: Any = None, mode: str = "standalone", own: Any = None) -> list[Lost]:
    """`live`: the --stage file's stage (exporter.stage.LiveStage), or None. `mode`: where the API goes,
    "standalone", "amplify" (an Amplify project's template) or "template" (another template, whose own
    stage is `own`, an exporter.stage.OwnStage)."""
    api = api_id or "API_ID"
    name = (live.name if live is not None else None) or stage or "STAGE"
    where = region or "REGION"
    stage_arn = f"arn:{partition}:apigateway:{where}::/restapis/{api}/stages/{name}"
    out: list[Lost] = []
    keys = requires_api_key(export)
    if mode == "amplify":
        out.append(Lost(f"{SETTINGS}: the live stage keeps them across pushes, but no template holds them and a new env starts without them",
                        f"aws apigateway get-stage --rest-api-id {api} --stage-name {name} shows them; on a new env's stage set each with "
                        "aws apigateway update-stage --rest-api-id API_ID --stage-name ENV --patch-operations op=replace,path=PATH,value=VALUE "
                        "(PATH /variables/NAME, /tracingEnabled, /*/*/throttling/rateLimit, ...)"))
    elif mode == "template":
        get = f"aws apigateway get-stage --rest-api-id {api} --stage-name {name} shows the live ones"
        if own is not None and own.where:
            out.append(Lost(f"{SETTINGS}: this template's own stage holds those it sets ({', '.join(own.where)})",
                            f"{get}; set any it lacks there"))
        else:
            out.append(Lost(f"{SETTINGS}: this template has no stage of its own for {own.api if own is not None else 'the API'}",
                            f"{get}; give them to the AWS::ApiGateway::Stage that serves it"))
    elif live is None:
        out.append(Lost(SETTINGS, f"aws apigateway get-stage --rest-api-id {api} --stage-name {name} > stage.json, then convert with --stage stage.json"))
    if live is None or keys:
        why = " (methods of the export require an API key)" if keys else ""
        out.append(Lost(f"usage plans and API keys{why}",
                        f"aws apigateway get-usage-plans --query \"items[?apiStages[?apiId=='{api}' && stage=='{name}']]\"; "
                        "aws apigateway get-usage-plan-keys --usage-plan-id PLAN_ID"))
    if live is None:
        out.append(Lost("custom domains and base path mappings",
                        "aws apigateway get-domain-names; aws apigateway get-base-path-mappings --domain-name DOMAIN"))
    if live is None or live.data.get("webAclArn"):
        acl = f" {live.data['webAclArn']}" if live is not None else ""
        out.append(Lost(f"WAF web ACL association{acl}", f"aws wafv2 get-web-acl-for-resource --resource-arn {stage_arn}"))
    return out
