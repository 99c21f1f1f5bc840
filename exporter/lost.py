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
- with --stage the files are the evidence for what they show: a WAF web ACL when the get-stage JSON
  names one (webAclArn); usage plans and API keys are needed when the export requires an API key on
  a method (then no call succeeds without them). get-stage cannot show custom domains, or usage plans
  that require no key, so with --stage those are still named, as not visible to get-stage: the
  section never implies they were carried (README: "What the export lost").
- --target cdk / amplify-gen2 (`mode` "code"): the construct's stage carries its name and stage
  variables; the other --stage settings are named, to be given as deployOptions.
- --adopt: the live API keeps its id, so usage plans, domains and a WAF association stay attached to
  it; they are named all the same, since the stack does not manage them.
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
                  live: Any = None, mode: str = "standalone", own: Any = None, not_in_code: list[str] = ()) -> list[Lost]:
    """`live`: the --stage file's stage (exporter.stage.LiveStage), or None. `mode`: where the API goes:
    "standalone", "adopt" (a standalone template importing the live API), "code" (--target cdk /
    amplify-gen2: a construct whose stage carries its name and variables; `not_in_code`, the --stage
    settings it leaves out), "amplify" (an Amplify project's template) or "template" (another template,
    whose own stage is `own`, an exporter.stage.OwnStage)."""
    api = api_id or "API_ID"
    name = (live.name if live is not None else None) or stage or "STAGE"
    where = region or "REGION"
    stage_arn = f"arn:{partition}:apigateway:{where}::/restapis/{api}/stages/{name}"
    get = f"aws apigateway get-stage --rest-api-id {api} --stage-name {name}"
    out: list[Lost] = []
    keys = requires_api_key(export)
    if mode == "amplify":
        out.append(Lost(f"{SETTINGS}: the live stage keeps them across pushes, but no template holds them and a new env starts without them",
                        f"{get} shows them; on a new env's stage set each with "
                        "aws apigateway update-stage --rest-api-id API_ID --stage-name ENV --patch-operations op=replace,path=PATH,value=VALUE "
                        "(PATH /variables/NAME, /tracingEnabled, /*/*/throttling/rateLimit, ...)"))
    elif mode == "template":
        if own is not None and own.where:
            out.append(Lost(f"{SETTINGS}: this template's own stage holds those it sets ({', '.join(own.where)})",
                            f"{get} shows the live ones; set any it lacks there"))
        else:
            out.append(Lost(f"{SETTINGS}: this template has no stage of its own for {own.api if own is not None else 'the API'}",
                            f"{get} shows the live ones; give them to the AWS::ApiGateway::Stage that serves it"))
    elif mode == "code" and live is None:
        out.append(Lost(f"{SETTINGS}: the construct's stage has the export's name and the variables --stage-variable gives, nothing else",
                        f"{get} > stage.json, then convert with --stage stage.json (its variables go into stageVariables) and give "
                        "the rest as deployOptions"))
    elif mode == "code" and not_in_code:
        out.append(Lost(f"stage settings of {live.path} the construct does not carry: {', '.join(not_in_code)}",
                        "give them as deployOptions (CDK's StageOptions: methodOptions, tracingEnabled, accessLogDestination, ...)"))
    elif live is None:
        out.append(Lost(SETTINGS, f"{get} > stage.json, then convert with --stage stage.json"))
    # With --stage, get-stage is the evidence for what it shows (webAclArn); usage plans that need no key
    # and custom domains it cannot show: named as such, so the section never implies they were carried.
    # With --adopt they stay attached to the live API (it keeps its id), outside this stack.
    kept = "with --adopt they stay attached to the live API (same id), outside this stack" if mode == "adopt" else ""
    unseen = "not visible to get-stage, so unknown here: check them" if live is not None else ""

    def said(what: str, *remarks: str) -> str:
        remarks = tuple(r for r in remarks if r)
        return f"{what} ({'; '.join(remarks)})" if remarks else what

    plans = f"aws apigateway get-usage-plans --query \"items[?apiStages[?apiId=='{api}' && stage=='{name}']]\"; " \
            "aws apigateway get-usage-plan-keys --usage-plan-id PLAN_ID"
    out.append(Lost(said("usage plans and API keys", "methods of the export require an API key" if keys else unseen, kept), plans))
    out.append(Lost(said("custom domains and base path mappings", unseen, kept),
                    "aws apigateway get-domain-names; aws apigateway get-base-path-mappings --domain-name DOMAIN"))
    if live is None or live.data.get("webAclArn"):
        acl = f" {live.data['webAclArn']}" if live is not None else ""
        out.append(Lost(said(f"WAF web ACL association{acl}", kept), f"aws wafv2 get-web-acl-for-resource --resource-arn {stage_arn}"))
    return out
