"""Rewritten paths into the target RestApi Body; parameters declared; or a standalone template.

Works on plain data and returns a new template (the input is not mutated); key order of the
template is kept, new keys go last, so the writer can keep every untouched byte.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from exporter.errors import UserError
from exporter.model import WARNING, Finding
from exporter.aws import METHODS, method_name
from exporter.io.load import export_version, kind_of
from exporter.resolve import names_used

REST_API = "AWS::ApiGateway::RestApi"
SAM_API = "AWS::Serverless::Api"
# Top-level Body keys that belong to the template (its address and identity), not to the export.
TEMPLATE_OWNED = {"swagger", "openapi", "info", "host", "basePath", "schemes", "servers", "paths"}
MERGED_BY_NAME = {"definitions", "securityDefinitions", "parameters", "responses", "tags"}


@dataclass
class Target:
    logical_id: str
    body_key: str  # "Body" or "DefinitionBody"
    resource_type: str


@dataclass
class MergeReport:
    added_routes: list[str] = field(default_factory=list)
    replaced_routes: list[str] = field(default_factory=list)
    unchanged_routes: list[str] = field(default_factory=list)
    kept_routes: list[str] = field(default_factory=list)  # in the template, not in the export
    pruned_routes: list[str] = field(default_factory=list)
    kept_keys: list[str] = field(default_factory=list)  # top-level Body keys only the template has
    security: list[Finding] = field(default_factory=list)  # merge decisions that touch auth (changes: exporter.security)
    declared_params: list[str] = field(default_factory=list)
    dropped: list[Finding] = field(default_factory=list)


def route(method: str, path: str) -> str:
    return f"{method_name(method)} {path}"


def find_target(template: dict, api: str | None, name: str) -> Target:
    resources = template.get("Resources") or {}
    candidates = [(lid, r) for lid, r in resources.items() if isinstance(r, dict) and r.get("Type") in (REST_API, SAM_API)]
    if api is not None:
        res = resources.get(api)
        if not isinstance(res, dict):
            known = ", ".join(lid for lid, _ in candidates) or "none"
            raise UserError(f"--api {api}: no resource with that logical id (the template's REST APIs: {known})", file=name)
        if res.get("Type") not in (REST_API, SAM_API):
            raise UserError(f"--api {api}: is a {res.get('Type')}, not an {REST_API} or {SAM_API}", file=name)
        candidates = [(api, res)]
    if not candidates:
        raise UserError(f"no {REST_API} (or {SAM_API}) in this template", file=name)
    if len(candidates) > 1:
        ids = ", ".join(lid for lid, _ in candidates)
        raise UserError(f"several REST APIs ({ids}); pick one with --api", file=name)
    lid, res = candidates[0]
    rtype = res["Type"]
    key = "Body" if rtype == REST_API else "DefinitionBody"
    props = res.get("Properties")
    if not isinstance(props, dict):
        raise UserError(f"{lid} has no Properties" if props is None else f"{lid}.Properties is a {kind_of(props)}, expected a mapping", file=name)
    if key not in props:
        other = "BodyS3Location" if rtype == REST_API else "DefinitionUri"
        if other in props:
            raise UserError(f"{lid} takes its definition from {other}; export-to-cfn merges into an inline {key}", file=name)
    elif not isinstance(props[key], dict):
        raise UserError(f"{lid}.{key} is a {kind_of(props[key])}, expected a mapping", file=name)
    elif len(props[key]) == 1 and (next(iter(props[key])).startswith("Fn::") or "Ref" in props[key]):
        fn = next(iter(props[key]))
        raise UserError(f"{lid}.{key} is built by {fn}, not written inline; export-to-cfn merges into a literal {key} "
                        f"(merge into the file {fn} reads, or inline the {key} first)", file=name)
    else:
        _check_merged_parts(props[key], f"{lid}.{key}", name)
    return Target(lid, key, rtype)


def _built_by(node: Any) -> str | None:
    """The intrinsic that builds `node` ({"Fn::If": ...}, {"Ref": ...}), or None for literal data."""
    if isinstance(node, dict) and len(node) == 1:
        k = next(iter(node))
        if k == "Ref" or (isinstance(k, str) and k.startswith("Fn::")):
            return k
    return None


def _check_merged_parts(body: dict, where: str, name: str) -> None:
    """What the merge writes into (paths, each route, each method) must be literal mappings: routes
    written beside an `Fn::If` key, or into a list, would be a template that means something else."""
    if "paths" not in body:
        return
    parts = [(f"{where}.paths", body["paths"])]
    paths = body["paths"]
    if isinstance(paths, dict) and not _built_by(paths):
        for route_name, item in paths.items():
            parts.append((f"{where}.paths[{route_name!r}]", item))
            if isinstance(item, dict) and not _built_by(item):
                parts += [(f"{where}.paths[{route_name!r}].{m}", op) for m, op in item.items() if m in METHODS]
    for label, node in parts:
        fn = _built_by(node)
        if fn:
            raise UserError(f"{label} is built by {fn}, not written inline; export-to-cfn merges only into literal "
                            "routes (write that part out, or keep the condition outside the Body)", file=name)
        if not isinstance(node, dict):
            raise UserError(f"{label} is a {kind_of(node)}, expected a mapping", file=name)


def merge_body(body: dict, export: dict, *, prune: bool, report: MergeReport, template_name: str) -> dict:
    """The template's Body with the export's paths and API-level settings merged in."""
    bv, ev = export_version(body), export_version(export)
    if bv and ev and bv != ev:
        have = "Swagger 2.0" if bv == "swagger2" else "OpenAPI 3"
        got = "Swagger 2.0" if ev == "swagger2" else "OpenAPI 3"
        raise UserError(
            f"the template's Body is {have} but the export is {got}; export the stage again as {have} "
            f"(console: Stage > Export > {'Swagger' if bv == 'swagger2' else 'OpenAPI 3'} + API Gateway extensions, "
            f"or aws apigateway get-export --export-type {'swagger' if bv == 'swagger2' else 'oas30'} --parameters extensions=apigateway)",
            file=template_name,
        )
    out = dict(body)
    if not bv:
        version_key = "swagger" if ev == "swagger2" else "openapi"
        out = {version_key: export[version_key], "info": export.get("info", {}), **out}
    old_paths = body.get("paths") or {}
    paths = dict(old_paths)
    for p, item in export["paths"].items():
        old_item = old_paths.get(p)
        if old_item is None:
            paths[p] = item
            report.added_routes += [route(m, p) for m in item if m in METHODS]
            continue
        new_item = dict(old_item)
        for key, value in item.items():
            if key in METHODS:
                rt = route(key, p)
                before = old_item.get(key)
                if before is None:
                    report.added_routes.append(rt)
                elif before == value:
                    report.unchanged_routes.append(rt)
                else:
                    report.replaced_routes.append(rt)
            new_item[key] = value
        for key in old_item:
            if key in METHODS and key not in item:
                if prune:
                    del new_item[key]
                    report.pruned_routes.append(route(key, p))
                else:
                    report.kept_routes.append(route(key, p))
        paths[p] = new_item
    for p in old_paths:
        if p not in export["paths"]:
            methods = [route(m, p) for m in old_paths[p] if m in METHODS] if isinstance(old_paths[p], dict) else [p]
            if prune:
                del paths[p]
                report.pruned_routes += methods
            else:
                report.kept_routes += methods
    out["paths"] = paths
    for key, value in export.items():
        if key in TEMPLATE_OWNED:
            continue
        if key == "components" and isinstance(value, dict):
            comps = dict(out.get("components") or {})
            for section, entries in value.items():
                if isinstance(entries, dict) and isinstance(comps.get(section), dict):
                    comps[section] = {**comps[section], **entries}
                else:
                    comps[section] = entries
            out["components"] = comps
        elif key in MERGED_BY_NAME and isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    for key in body:
        if key not in TEMPLATE_OWNED and key not in export:
            report.kept_keys.append(key)
    if "x-amazon-apigateway-policy" in body and "x-amazon-apigateway-policy" not in export:
        report.security.append(Finding("security", "resource policy: the template has one, the export has none (kept; remove it by hand if that is intended)",
                                       "/x-amazon-apigateway-policy", rule="policy-kept", severity=WARNING))
    return out


def declare_parameters(template: dict, body: dict, values: dict[str, Any], *, with_defaults: bool | set[str], report: MergeReport,
                       used: set[str] | None = None) -> dict:
    """Declare every name the Body uses that the template does not define yet (`used`: names_used(body), if known)."""
    params = dict(template.get("Parameters") or {})
    defined = set(params) | set(template.get("Resources") or {})
    for name in sorted(names_used(body) if used is None else used):
        if name.startswith("AWS::") or name in defined:
            continue
        decl: dict[str, Any] = {"Type": "String"}
        if (with_defaults is True or (isinstance(with_defaults, set) and name in with_defaults)) and name in values:
            decl["Default"] = values[name]
        params[name] = decl
        report.declared_params.append(name)
    if params == (template.get("Parameters") or {}):
        return template
    out = {}
    inserted = False
    for key, value in template.items():
        if key == "Resources" and not inserted and "Parameters" not in template:
            out["Parameters"] = params
            inserted = True
        out[key] = params if key == "Parameters" else value
    if "Parameters" not in out:
        out["Parameters"] = params
    return out


def merge_into_template(template: dict, target: Target, export: dict, *, prune: bool, values: dict[str, Any], template_name: str,
                        export_names: set[str] | None = None, new_params: set[str] | None = None) -> tuple[dict, MergeReport]:
    """`export_names`: the names the rewritten export uses, when the caller knows them (its rewrite
    records); then only the template's old Body is walked, not the whole merged one."""
    report = MergeReport()
    new = copy.copy(template)
    resources = dict(template["Resources"])
    res = dict(resources[target.logical_id])
    props = dict(res["Properties"])
    body = merge_body(props.get(target.body_key) or {}, export, prune=prune, report=report, template_name=template_name)
    # one walk serves both checks; the merged Body holds nothing but the old Body's and the export's values
    old_body = props.get(target.body_key) or {}
    used = names_used(body) if export_names is None else names_used(old_body) | export_names
    if target.logical_id in used:
        raise UserError(f"the Body of {target.logical_id} would reference {target.logical_id} itself (a circular dependency)", file=template_name)
    props[target.body_key] = body
    res["Properties"] = props
    resources[target.logical_id] = res
    new["Resources"] = resources
    # a parameter this run invents (an opaque id) gets its value as Default: a later run can then see
    # the value it stands for and reuse it, instead of guessing (issue 16: names never collide)
    new = declare_parameters(new, body, values, with_defaults=set(new_params or ()), report=report, used=used)
    return new, report
