"""A live stage's settings (the JSON of `aws apigateway get-stage`, or `get-stages` with a name) as
the CloudFormation a target writes: the properties of the standalone template's AWS::ApiGateway::Stage
(which the CDK targets read their stage variables from). Plain data, no disk (exporter.io.load reads the file).

Never a Deployment's StageDescription: CloudFormation refuses to create a Deployment with one when
the stage its StageName names already exists ("StageDescription cannot be specified when stage
referenced by StageName already exists"), and a redeploy (a renamed Deployment, every Amplify push
after a Body change) is exactly that. So a template merge, Amplify's included, takes no --stage
(exporter.convert refuses it); exporter.targets.shared warns when it renames a Deployment carrying one.

What is carried, field by field (get-stage -> CloudFormation):

    variables            -> Variables (one parameter per variable: StageVariable<Name>, Default the live value)
    methodSettings       -> MethodSettings (key "resourcePath/httpMethod", "/" in the path written "~1":
                            "~1pets~1{id}/GET" -> ResourcePath "/~1pets~1{id}", HttpMethod GET;
                            "*/*" -> "/*", "*"; the root "~1/GET" -> "/", GET)
    tracingEnabled       -> TracingEnabled
    accessLogSettings    -> AccessLogSetting (DestinationArn rewritten by the rules like any other ARN)
    cacheClusterEnabled  -> CacheClusterEnabled;  cacheClusterSize -> CacheClusterSize
    canarySettings       -> CanarySetting (DeploymentId: the template's own Deployment, or the live one with --adopt)
    clientCertificateId  -> ClientCertificateId (a parameter, StageClientCertificateId: an id of one account)
    description          -> Description
    tags                 -> Tags (aws:* tags are CloudFormation's own and are not carried)
    stageName            -> StageName

State, not settings (never carried, never reported): deploymentId (the template makes its own
deployment; --adopt uses it as the import identifier), createdDate, lastUpdatedDate,
cacheClusterStatus. Everything else the file has is reported by name as not carried.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from exporter.aws import first_free
from exporter.errors import InternalError, UserError
from exporter.infer import strings
from exporter.io.load import kind_of

STATE = ("deploymentId", "createdDate", "lastUpdatedDate", "cacheClusterStatus")
CACHE_SIZES = ("0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237")
# get-stage methodSettings entry -> MethodSetting property, and the JSON type each must have
METHOD_SETTINGS = {
    "metricsEnabled": ("MetricsEnabled", bool),
    "loggingLevel": ("LoggingLevel", str),
    "dataTraceEnabled": ("DataTraceEnabled", bool),
    "throttlingBurstLimit": ("ThrottlingBurstLimit", int),
    "throttlingRateLimit": ("ThrottlingRateLimit", (int, float)),
    "cachingEnabled": ("CachingEnabled", bool),
    "cacheTtlInSeconds": ("CacheTtlInSeconds", int),
    "cacheDataEncrypted": ("CacheDataEncrypted", bool),
}
# no CloudFormation property; API Gateway's defaults, which a new stage gets anyway
METHOD_DEFAULTS = {"requireAuthorizationForCacheControl": True, "unauthorizedCacheControlHeaderStrategy": "SUCCEED_WITH_RESPONSE_HEADER"}
CANARY = {"percentTraffic": ("PercentTraffic", (int, float)), "stageVariableOverrides": ("StageVariableOverrides", dict),
          "useStageCache": ("UseStageCache", bool), "deploymentId": ("DeploymentId", str)}
TOP = {"stageName": str, "description": str, "variables": dict, "methodSettings": dict, "tracingEnabled": bool,
       "accessLogSettings": dict, "cacheClusterEnabled": bool, "cacheClusterSize": str, "canarySettings": dict,
       "clientCertificateId": str, "tags": dict, "documentationVersion": str, "webAclArn": str}
NOT_CARRIED_WHY = {
    "documentationVersion": "no AWS::ApiGateway::DocumentationVersion here: the export holds no documentation parts",
    "webAclArn": "a WAF association is its own resource, AWS::WAFv2::WebACLAssociation",
}
# How API Gateway lets a Body read a stage variable (developer guide, "API Gateway stage variables
# reference" and the mapping-template variables reference):
# - in URIs and mapping templates: ${stageVariables.X}; in VTL also $stageVariables.X, the quiet
#   $!stageVariables.X / $!{stageVariables.X}, and the map's own access $stageVariables['X'],
#   ${stageVariables['X']} (documented) and $stageVariables.get('X') (Velocity's method call on the
#   map; either quote). A method call is no variable: $stageVariables.keySet() names none.
# - as a request or response parameter mapping's value, the whole string: stageVariables.X.
STAGE_VARIABLE = re.compile(r"\$!?\{?stageVariables(?:\.([A-Za-z0-9_]+)\b(?!\s*\()"
                            r"|\[\s*(['\"])([A-Za-z0-9_]+)\2\s*\]"
                            r"|\.get\(\s*(['\"])([A-Za-z0-9_]+)\4\s*\))")
# What API Gateway accepts as a stage variable's value: CreateStage/UpdateStage document "the values must
# match [A-Za-z0-9-._~:/?#&=,]+", and the service's own refusal ("Invalid stage variable value: .  Please
# use values with alphanumeric characters and the symbols ' ', '-', '.', '_', ':', '/', '?', '&', '=', and
# ','", reported for an empty value) also names the space. The union of both, never empty: anything else
# is refused when CloudFormation creates or updates the Stage.
VARIABLE_VALUE = re.compile(r"[A-Za-z0-9 \-._~:/?#&=,]+")
VARIABLE_VALUE_RULE = "a stage variable's value is letters, digits, spaces and - . _ ~ : / ? # & = , only, and not empty"
MAPPED_STAGE_VARIABLE = re.compile(r"stageVariables\.([A-Za-z0-9_]+)")
PARAMETER_MAPPINGS = ("requestParameters", "responseParameters")


@dataclass
class LiveStage:
    """The get-stage object, checked, and where it came from."""

    data: dict
    path: str

    @property
    def name(self) -> str | None:
        return self.data.get("stageName")


@dataclass
class StageSettings:
    """What a target writes for the stage: CloudFormation properties (StageName, RestApiId and
    DeploymentId aside), the parameters they use, and what was not carried."""

    properties: dict = field(default_factory=dict)
    parameters: dict = field(default_factory=dict)  # name -> declaration (Type, Default)
    not_carried: list[str] = field(default_factory=list)  # "field: why"
    variables_used: list[str] = field(default_factory=list)  # ${stageVariables.X} in the Body
    variables_missing: list[str] = field(default_factory=list)  # used, with no value given
    stage_name: str | None = None
    live: LiveStage | None = None
    canary_deployment: str | None = None  # the live canary's deployment id (kept with --adopt)
    literal_name: bool = False  # StageName stays a literal (--adopt: it is the import identifier)
    variable_params: dict[str, str] = field(default_factory=dict)  # stage variable -> its parameter

    def hashed(self) -> dict:
        """The part of the stage that goes into the Deployment's content hash (issue 11: stage
        variables; a canary points at a deployment). Empty: the hash is the Body's alone, as before."""
        out = {k: self.properties[k] for k in ("Variables", "CanarySetting") if k in self.properties}
        if "Variables" in out:  # the values the template states (a parameter's Default), else the Ref
            defaults = {f"Ref:{n}": p["Default"] for n, p in self.parameters.items() if "Default" in p}
            out["Variables"] = {k: defaults.get(f"Ref:{v.get('Ref')}", v) if isinstance(v, dict) else v for k, v in out["Variables"].items()}
        if "CanarySetting" in out:  # the live canary's deployment (--adopt) leaves the id as it is without --adopt
            out["CanarySetting"] = {k: v for k, v in out["CanarySetting"].items() if k != "DeploymentId"}
        return out


# ---------------------------------------------------------------------------------------------
# Reading


def _fail(path: str, pointer: str, message: str) -> UserError:
    return UserError(f"{pointer or '/'}: {message} (expected the JSON of `aws apigateway get-stage`)", file=path)


def pick_stage(data: Any, path: str, stage_name: str | None) -> LiveStage:
    """The get-stage object in `data` (get-stage output, or get-stages output and a name), checked."""
    if not isinstance(data, dict):
        raise _fail(path, "", f"a {kind_of(data)}, not an object")
    if "swagger" in data or "openapi" in data or "paths" in data:
        raise UserError("this is an API export, not a stage: --stage takes the JSON of `aws apigateway get-stage "
                        "--rest-api-id ID --stage-name NAME`", file=path)
    if "item" in data:  # get-stages
        items = data["item"]
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise _fail(path, "/item", f"a {kind_of(items)}, expected a list of stages")
        names = [i.get("stageName") for i in items]
        if stage_name is None:
            if len(items) != 1:
                raise UserError(f"get-stages output with {len(items)} stages ({', '.join(map(str, names)) or 'none'}): "
                                "pick one with --stage-name", file=path)
            index = 0
        elif stage_name in names:
            index = names.index(stage_name)
        else:
            raise UserError(f"--stage-name {stage_name}: no such stage here (stages: {', '.join(map(str, names)) or 'none'})", file=path)
        check_stage(items[index], path, f"/item/{index}")
        return LiveStage(items[index], path)
    check_stage(data, path, "")
    if stage_name is not None and data.get("stageName") != stage_name:
        raise UserError(f"--stage-name {stage_name}: this file is stage {data.get('stageName')}", file=path)
    return LiveStage(data, path)


def _check_type(path: str, pointer: str, value: Any, want: Any) -> None:
    ok = isinstance(value, want) and not (isinstance(value, bool) and want in (int, (int, float)))
    if not ok:
        names = {str: "a string", bool: "true or false", int: "an integer", dict: "an object", (int, float): "a number"}
        raise _fail(path, pointer, f"a {kind_of(value)}, expected {names.get(want, want)}")


def _string_map(path: str, pointer: str, value: Any) -> None:
    _check_type(path, pointer, value, dict)
    for k, v in value.items():
        if not isinstance(v, str):
            raise _fail(path, f"{pointer}/{k}", f"a {kind_of(v)}, expected a string")


def check_stage(stage: dict, path: str, at: str) -> None:
    """Every field the tool reads has the type get-stage gives it; one line naming the pointer if not."""
    if "stageName" not in stage:
        raise _fail(path, at, "no stageName")
    for key, want in TOP.items():
        if key in stage:
            _check_type(path, f"{at}/{key}", stage[key], want)
    if not stage["stageName"] or not re.fullmatch(r"[A-Za-z0-9_-]{1,128}", stage["stageName"]):
        raise _fail(path, f"{at}/stageName", f"{stage['stageName']!r} is not a stage name (letters, digits, - and _)")
    for key in ("variables", "tags"):
        if key in stage:
            _string_map(path, f"{at}/{key}", stage[key])
    for name, value in (stage.get("variables") or {}).items():
        if not re.fullmatch(r"[A-Za-z0-9_]+", name):
            raise _fail(path, f"{at}/variables/{name}", "a stage variable name has only letters, digits and _")
        if not VARIABLE_VALUE.fullmatch(value):
            raise _fail(path, f"{at}/variables/{name}", f"{value!r}: {VARIABLE_VALUE_RULE}")
    if "cacheClusterSize" in stage and stage["cacheClusterSize"] not in CACHE_SIZES:
        raise _fail(path, f"{at}/cacheClusterSize", f"{stage['cacheClusterSize']!r}, expected one of {', '.join(CACHE_SIZES)}")
    for key, entry in (stage.get("methodSettings") or {}).items():
        pointer = f"{at}/methodSettings/{key.replace('~', '~0').replace('/', '~1')}"
        split_method_key(key, lambda msg: _fail(path, pointer, msg))
        _check_type(path, pointer, entry, dict)
        for name, (_, want) in METHOD_SETTINGS.items():
            if name in entry:
                _check_type(path, f"{pointer}/{name}", entry[name], want)
    access = stage.get("accessLogSettings")
    if access is not None:
        for name in ("destinationArn", "format"):
            if name in access:
                _check_type(path, f"{at}/accessLogSettings/{name}", access[name], str)
    canary = stage.get("canarySettings")
    if canary is not None:
        for name, (_, want) in CANARY.items():
            if name in canary:
                _check_type(path, f"{at}/canarySettings/{name}", canary[name], want)
        if "stageVariableOverrides" in canary:
            _string_map(path, f"{at}/canarySettings/stageVariableOverrides", canary["stageVariableOverrides"])


def split_method_key(key: str, fail: Callable[[str], Exception]) -> tuple[str, str]:
    """get-stage methodSettings key -> (CloudFormation ResourcePath, HttpMethod)."""
    resource, sep, method = key.rpartition("/")
    if not sep or not resource or not method or "/" in resource:
        raise fail(f"method setting key {key!r}: expected resourcePath/httpMethod, the path's / written ~1 (~1pets/GET, */*)")
    if resource == "*":
        return "/*", method
    if resource == "~1":
        return "/", method
    return "/" + resource, method


def join_method_key(resource_path: str, method: str) -> str:
    """The inverse of split_method_key: CloudFormation ResourcePath, HttpMethod -> get-stage key."""
    if resource_path == "/*":
        return f"*/{method}"
    if resource_path == "/":
        return f"~1/{method}"
    return f"{resource_path[1:]}/{method}"


@dataclass
class OwnStage:
    """A merged template's own stage for its RestApi: where it is set, and the stage variables it sets."""

    api: str  # the RestApi's logical id
    where: list[str] = field(default_factory=list)  # "AWS::ApiGateway::Stage Prod", ...; empty: the template has none
    variables: set[str] = field(default_factory=set)


def own_stage(template: dict, api: str) -> OwnStage:
    """The stage `template` gives RestApi `api`: its AWS::ApiGateway::Stage resources, a Deployment's
    StageName (with its StageDescription), or an AWS::Serverless::Api's own stage properties."""
    from exporter.resolve import names_used

    out = OwnStage(api)
    resources = template.get("Resources") if isinstance(template.get("Resources"), dict) else {}

    def take(variables: Any) -> None:
        if isinstance(variables, dict):  # (an intrinsic in its place: which names it sets is unknown)
            out.variables.update(k for k in variables if isinstance(k, str))

    for lid, res in resources.items():
        props = res.get("Properties") if isinstance(res, dict) else None
        if not isinstance(props, dict):
            continue
        kind = res.get("Type")
        if lid == api and kind == "AWS::Serverless::Api":
            out.where.append(f"AWS::Serverless::Api {lid} (its StageName, Variables, MethodSettings...)")
            take(props.get("Variables"))
        elif kind == "AWS::ApiGateway::Stage" and api in names_used(props.get("RestApiId")):
            out.where.append(f"AWS::ApiGateway::Stage {lid}")
            take(props.get("Variables"))
        elif kind == "AWS::ApiGateway::Deployment" and "StageName" in props and api in names_used(props.get("RestApiId")):
            out.where.append(f"the StageName of AWS::ApiGateway::Deployment {lid}")
            description = props.get("StageDescription")
            take(description.get("Variables") if isinstance(description, dict) else None)
    return out


def refused_into_template(flag: str, *, amplify: bool) -> UserError:
    """Why --stage / --stage-variable do not go into a template merge, and what to do instead (one line)."""
    if amplify:
        # Amplify keeps its stage on the API's Deployment (StageName), renamed on every Body change so the push
        # redeploys: a StageDescription there is refused for the stage that already exists (module docstring)
        return UserError(f"{flag} does not apply to an Amplify project: each push after an API change creates a new Deployment for "
                         "the existing stage, and CloudFormation refuses stage settings (StageDescription) on it; the live stage keeps "
                         "its settings and variables across pushes. To carry them as code: --target amplify-gen2 or --target cdk, "
                         "or a standalone template (add --adopt to import the live API)")
    return UserError(f"{flag} goes into a standalone template (or --target cdk / amplify-gen2); a merged template's stage is its own: "
                     "set the settings there")


# ---------------------------------------------------------------------------------------------
# Building


def variables_used(export: dict) -> list[str]:
    """Stage variables the export reads (every form of STAGE_VARIABLE, and parameter mappings), sorted."""
    found: set[str] = set()
    carried = {k: v for k, v in export.items() if k not in ("info", "host", "servers", "basePath")}
    if "stageVariables" not in json.dumps(carried, ensure_ascii=False, default=str):  # (C speed; the walk is not)
        return []
    for s in strings(carried):
        if "stageVariables" in s:
            for m in STAGE_VARIABLE.finditer(s):
                found.add(m.group(1) or m.group(3) or m.group(5))
    stack: list[Any] = [carried]
    while stack:  # a mapping's value is its whole string: not found inside other text (a description)
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key in PARAMETER_MAPPINGS and isinstance(value, dict):
                    found.update(m.group(1) for v in value.values() if isinstance(v, str)
                                 for m in [MAPPED_STAGE_VARIABLE.fullmatch(v)] if m)
                elif isinstance(value, (dict, list)):
                    stack.append(value)
    return sorted(found)


def parameter_name(prefix: str, name: str, taken: set[str]) -> str:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", name) if w]
    base = prefix + "".join(w[:1].upper() + w[1:] for w in words)
    lid = first_free(base, taken.__contains__)
    taken.add(lid)
    return lid


def build(export: dict, live: LiveStage | None, given: dict[str, str], *, rewrite_arn: Callable[[str], Any],
          adopt: bool = False, taken: Iterable[str] = ()) -> StageSettings:
    """The standalone Stage. `given`: --stage-variable values (they win over the file's); `rewrite_arn`:
    the run's rewriter for ARNs. Variables and the client certificate are template parameters, named
    apart from `taken` (names the output already has)."""
    out = StageSettings(live=live, stage_name=live.name if live else None)
    out.variables_used = variables_used(export)
    data = live.data if live else {}
    values = {**(data.get("variables") or {}), **given}
    for name in out.variables_used:
        if name not in values:
            values[name] = None
    taken = set(taken)
    props: dict[str, Any] = {}
    if "description" in data:
        props["Description"] = data["description"]
    if values:
        variables = {}
        for name, value in values.items():
            if value is None:
                out.variables_missing.append(name)
            pname = parameter_name("StageVariable", name, taken)
            decl: dict[str, Any] = {"Type": "String", "Description": f"stage variable {name} (${{stageVariables.{name}}})"}
            if value is not None:
                decl["Default"] = value
            out.parameters[pname] = decl
            out.variable_params[name] = pname
            variables[name] = {"Ref": pname}
        if variables:
            props["Variables"] = variables
    if "tracingEnabled" in data:
        props["TracingEnabled"] = data["tracingEnabled"]
    if "cacheClusterEnabled" in data:
        props["CacheClusterEnabled"] = data["cacheClusterEnabled"]
    if "cacheClusterSize" in data:
        props["CacheClusterSize"] = data["cacheClusterSize"]
    access = data.get("accessLogSettings")
    if access:
        setting: dict[str, Any] = {}
        if "destinationArn" in access:
            setting["DestinationArn"] = rewrite_arn(access["destinationArn"])
        if "format" in access:
            setting["Format"] = access["format"]
        props["AccessLogSetting"] = setting
    if "clientCertificateId" in data:
        pname = parameter_name("StageClientCertificateId", "", taken)
        out.parameters[pname] = {"Type": "String", "Description": "the stage's client certificate (an id in one account)",
                                 "Default": data["clientCertificateId"]}
        props["ClientCertificateId"] = {"Ref": pname}
    settings = []
    for key, entry in (data.get("methodSettings") or {}).items():
        resource_path, method = split_method_key(key, InternalError)
        one: dict[str, Any] = {"ResourcePath": resource_path, "HttpMethod": method}
        for name, (prop, _) in METHOD_SETTINGS.items():
            if name in entry:
                one[prop] = entry[name]
        for name, default in METHOD_DEFAULTS.items():
            if name in entry and entry[name] != default:
                out.not_carried.append(f"methodSettings {key} {name} = {shown(entry[name])} (no CloudFormation property; "
                                       f"a new stage has {shown(default)})")
        for name in entry:
            if name not in METHOD_SETTINGS and name not in METHOD_DEFAULTS:
                out.not_carried.append(f"methodSettings {key} {name} (unknown setting)")
        settings.append(one)
    if settings:
        props["MethodSettings"] = settings
    canary = data.get("canarySettings")
    if canary:  # {} is no canary (not one on this template's deployment with nothing else set)
        setting = {}
        for name, (prop, _) in CANARY.items():
            if name in canary and name != "deploymentId":
                setting[prop] = canary[name]
        if "deploymentId" in canary:
            out.canary_deployment = canary["deploymentId"]
            if adopt:  # the live API's own deployment: it exists where the template is imported
                setting["DeploymentId"] = canary["deploymentId"]
            else:
                out.not_carried.append(f"canarySettings deploymentId {canary['deploymentId']} (a deployment of the live API; "
                                       "the canary starts on this template's deployment)")
        for name in canary:
            if name not in CANARY:
                out.not_carried.append(f"canarySettings {name} (unknown setting)")
        props["CanarySetting"] = setting
    tags = data.get("tags") or {}
    own = [k for k in tags if k.startswith("aws:")]
    if own:
        out.not_carried.append(f"tags {', '.join(own)} (aws: tags are CloudFormation's own)")
    if any(k not in own for k in tags):
        props["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items() if k not in own]
    for key in data:
        if key in NOT_CARRIED_WHY:
            out.not_carried.append(f"{key} {shown(data[key])} ({NOT_CARRIED_WHY[key]})")
        elif key not in TOP and key not in STATE:
            out.not_carried.append(f"{key} (a field this tool does not know)")
    out.properties = props
    return out


def shown(value: Any) -> str:
    """A get-stage value as the file writes it (false, 300, null), a string bare (FAIL_WITH_403)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def as_get_stage(props: dict) -> dict:
    """Resolved Stage properties read back as get-stage fields (the inverse of build), for the proof."""
    out: dict[str, Any] = {}
    simple = {"StageName": "stageName", "Description": "description", "Variables": "variables", "TracingEnabled": "tracingEnabled",
              "CacheClusterEnabled": "cacheClusterEnabled", "CacheClusterSize": "cacheClusterSize",
              "ClientCertificateId": "clientCertificateId"}
    for prop, key in simple.items():
        if prop in props:
            out[key] = props[prop]
    if "AccessLogSetting" in props:
        a = props["AccessLogSetting"]
        out["accessLogSettings"] = {k: a[p] for p, k in (("Format", "format"), ("DestinationArn", "destinationArn")) if p in a}
    if "MethodSettings" in props:
        back = {v[0]: k for k, v in METHOD_SETTINGS.items()}
        out["methodSettings"] = {join_method_key(m["ResourcePath"], m["HttpMethod"]): {back[p]: v for p, v in m.items() if p in back}
                                 for m in props["MethodSettings"]}
    if "CanarySetting" in props:
        back = {v[0]: k for k, v in CANARY.items()}
        out["canarySettings"] = {back[p]: v for p, v in props["CanarySetting"].items() if p in back}
    if "Tags" in props:
        out["tags"] = {t["Key"]: t["Value"] for t in props["Tags"]}
    return out


def carried_view(live: LiveStage, settings: StageSettings, given: dict[str, str]) -> dict:
    """The get-stage fields the written stage must resolve to: the file minus what is not carried."""
    data = live.data
    out = {k: v for k, v in data.items() if k in TOP and k not in NOT_CARRIED_WHY}
    if given or settings.variables_used:
        out["variables"] = {**(data.get("variables") or {}), **given}
        out["variables"] = {k: v for k, v in out["variables"].items() if v is not None}
    if "methodSettings" in out:
        out["methodSettings"] = {k: {n: v for n, v in e.items() if n in METHOD_SETTINGS} for k, e in out["methodSettings"].items()}
    if out.get("canarySettings"):
        carried = "DeploymentId" in settings.properties.get("CanarySetting", {})
        out["canarySettings"] = {k: v for k, v in out["canarySettings"].items() if k in CANARY and (k != "deploymentId" or carried)}
    if "tags" in out:
        out["tags"] = {k: v for k, v in out["tags"].items() if not k.startswith("aws:")}
    # an empty object is none: build writes no property for it (a canary reduced to nothing above is
    # still one: it runs on this template's deployment)
    for key in ("variables", "methodSettings", "tags", "accessLogSettings"):
        if key in out and not out[key]:
            del out[key]
    if data.get("canarySettings") == {}:
        del out["canarySettings"]
    return out


def prove(props: dict, live: LiveStage, settings: StageSettings, given: dict[str, str], values: dict, template: dict,
          *, what: str) -> None:
    """The written Stage (`props`), resolved with the project's resolver, equals the get-stage file on
    every field the tool carries; InternalError if not."""
    from exporter.resolve import Unresolved, resolve

    props = {k: v for k, v in props.items() if k not in ("RestApiId", "DeploymentId")}
    unset = {settings.variable_params[n] for n in settings.variables_missing if n in settings.variable_params}
    if unset and isinstance(props.get("Variables"), dict):  # a parameter to pass at deploy time: no value to compare
        props["Variables"] = {k: v for k, v in props["Variables"].items() if not (isinstance(v, dict) and v.get("Ref") in unset)}
        if not props["Variables"]:
            del props["Variables"]
    canary = props.get("CanarySetting")
    if isinstance(canary, dict) and isinstance(canary.get("DeploymentId"), dict):  # this template's own deployment
        props["CanarySetting"] = {k: v for k, v in canary.items() if k != "DeploymentId"}
    try:
        have = as_get_stage(resolve(props, values, template))
    except (Unresolved, KeyError, TypeError, ValueError) as e:
        raise InternalError(f"stage proof failed: cannot resolve {e}; nothing was written (this is a bug, please report it)") from None
    want = carried_view(live, settings, given)
    for key in sorted(set(want) | set(have)):
        if want.get(key) != have.get(key) or type(want.get(key)) is not type(have.get(key)):
            raise InternalError(f"stage proof failed: {what} does not resolve to {live.path} at /{key}: want {want.get(key)!r}, "
                                f"have {have.get(key)!r}; nothing was written (this is a bug, please report it)")
