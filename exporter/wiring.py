"""Wire a converted API into its Amplify project: Lambda permissions, a Deployment that redeploys,
the API's dependsOn (backend-config.json, api-params.json), per-env values of new parameters, and
what nothing references any more (reported; removed with --prune). For Amplify CLI >= 7 the change
goes to an override.ts, since build/ is regenerated on every push.

Plain data in, plain data out: the new template, and the new text of every project file that
changes (formatting kept with exporter.write.patch_json_text). The CLI writes them all at once.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exporter.amplify import AMPLIFY_OWN_PARAMS, Project, generation, split_param, wired_params
from exporter.errors import InternalError
from exporter.resolve import Unresolved, names_used, resolve
from exporter.rewrite import Rewriter
from exporter.write import patch_json_text

LAMBDA_URI = re.compile(r"^arn:[^:]+:apigateway:[^:]+:lambda:path/[^/]+/functions/(arn:[^:]+:lambda:[^:]+:\d{12}:function:[^/]+)/invocations$")
DEPLOYMENT = "AWS::ApiGateway::Deployment"
PERMISSION = "AWS::Lambda::Permission"
HASHED = re.compile(r"^(.*?)([0-9a-f]{8})$")
OVERRIDE_MARK = "// Written by export-to-cfn"


@dataclass
class Wiring:
    template: dict
    files: dict[Path, str] = field(default_factory=dict)  # project file -> new text (changed files only)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    write_template: bool = True  # False for CLI >= 7: build/ is never edited in place
    bound: list[str] = field(default_factory=list)  # Amplify parameters the export's literals became
    generation: str = ""  # which Amplify CLI generation wrote the template


def _function_key(value: Any) -> tuple[str, str] | None:
    """(function name, qualifier) of a function name, partial ARN or ARN; None when not a string."""
    if not isinstance(value, str) or not value:
        return None
    if ":function:" in value:
        value = value.split(":function:", 1)[1]
    name, _, qualifier = value.partition(":")
    return name, qualifier


def _try(node: Any, values: dict, template: dict) -> Any:
    try:
        return resolve(node, values, template)
    except (Unresolved, KeyError, TypeError, ValueError, IndexError):
        return None


def lambda_invocations(body: dict, values: dict, template: dict) -> tuple[list[tuple[str, bool]], bool]:
    """([(function ARN, needs a resource permission)], all integrations resolved)."""
    found: list[tuple[str, bool]] = []
    complete = True
    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        for key, uri_key, cred_key in (("x-amazon-apigateway-integration", "uri", "credentials"), ("x-amazon-apigateway-authorizer", "authorizerUri", "authorizerCredentials")):
            spec = node.get(key)
            if isinstance(spec, dict) and uri_key in spec:
                uri = _try(spec[uri_key], values, template)
                if uri is None:
                    complete = False
                    continue
                m = LAMBDA_URI.match(str(uri))
                if m:
                    found.append((m.group(1), cred_key not in spec))
        stack.extend(v for k, v in node.items() if k not in ("x-amazon-apigateway-integration", "x-amazon-apigateway-authorizer"))
    return found, complete


def _permissions(template: dict, api: str, values: dict) -> dict[str, tuple[str, str] | None]:
    """API Gateway permissions in the template that are about this API: logical id -> function key."""
    out = {}
    for lid, res in (template.get("Resources") or {}).items():
        if not isinstance(res, dict) or res.get("Type") != PERMISSION:
            continue
        props = res.get("Properties") or {}
        if _try(props.get("Principal"), values, template) != "apigateway.amazonaws.com":
            continue
        if "SourceArn" in props and api not in names_used(props["SourceArn"]):
            continue
        out[lid] = _function_key(_try(props.get("FunctionName"), values, template))
    return out


def rename_logical_id(node: Any, old: str, new: str) -> Any:
    """Every Ref/GetAtt/DependsOn/${Sub} to `old` pointed at `new` (other strings are left alone)."""
    if isinstance(node, list):
        return [rename_logical_id(v, old, new) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for k, v in node.items():
        if k == "Ref" and v == old:
            out[k] = new
        elif k == "Fn::GetAtt" and isinstance(v, list) and v and v[0] == old:
            out[k] = [new, *v[1:]]
        elif k == "Fn::GetAtt" and isinstance(v, str) and v.split(".")[0] == old:
            out[k] = new + v[len(old):]
        elif k == "Fn::Sub" and isinstance(v[0] if isinstance(v, list) else v, str):
            text = re.sub(r"\$\{" + re.escape(old) + r"(?=[.}])", "${" + new, v[0] if isinstance(v, list) else v)
            out[k] = [text, rename_logical_id(v[1], old, new)] if isinstance(v, list) else text
        elif k == "DependsOn":
            out[k] = [new if d == old else d for d in v] if isinstance(v, list) else (new if v == old else v)
        else:
            out[k] = rename_logical_id(v, old, new)
    return out


def body_digest(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:8]


class _Wirer:
    def __init__(self, conv: Any, project: Project, original: dict, *, prune: bool):
        self.conv = conv
        self.project = project
        self.original = original
        self.prune = prune
        self.api = conv.target.logical_id
        self.key = conv.target.body_key
        self.template = copy.deepcopy(conv.template)
        self.values = {**{o.param: o.value for o in project.outputs}, **conv.ctx.values()}
        self.w = Wiring(self.template, generation=generation(original))

    @property
    def resources(self) -> dict:
        return self.template["Resources"]

    def body(self) -> dict:
        return self.resources[self.api]["Properties"][self.key]

    # -- permissions
    def permissions(self) -> set[str]:
        """Add the permissions API Gateway needs to call Lambda; return the ones nothing needs."""
        invocations, complete = lambda_invocations(self.body(), self.values, self.template)
        existing = _permissions(self.template, self.api, self.values)
        covered = {k for k in existing.values() if k}
        invoked = {_function_key(arn) for arn, _ in invocations}
        for arn, needs in invocations:
            key = _function_key(arn)
            if needs and key not in covered:
                self._add_permission(arn, key)
                covered.add(key)
        if not complete:  # an integration we cannot resolve may call any of them: judge none
            return set()
        return {lid for lid, key in existing.items() if key is not None and key not in invoked}

    def _add_permission(self, arn: str, key: tuple[str, str]) -> None:
        name, qualifier = key
        out = next((o for o in self.project.outputs if o.category == "function" and o.name == "Name" and o.value == name), None)
        if out is not None and not qualifier:
            lid = f"function{out.resource}Permission{self.api}"
            function_name: Any = {"Ref": out.param}
        else:
            env = self.conv.ctx.env
            base = re.sub(r"[-_]" + re.escape(env) + "$", "", name) if env else name  # the id stays the same in every env
            lid = re.sub(r"[^A-Za-z0-9]", "", f"{base}{qualifier[:1].upper()}{qualifier[1:]}") + f"Permission{self.api}"
            rewriter = Rewriter(self.conv.rules, self.conv.ctx)
            function_name = rewriter.rewrite_string(arn, "/paths/~1x/get/x-amazon-apigateway-integration/uri/x")
        stem, n = lid, 1
        while lid in self.resources:  # another resource already has the id Amplify would use
            n += 1
            lid = f"{stem}{n}"
        if self.conv.ctx.style == "join":
            source: Any = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":execute-api:", {"Ref": "AWS::Region"}, ":", {"Ref": "AWS::AccountId"}, ":", {"Ref": self.api}, "/*/*/*"]]}
        else:
            source = {"Fn::Sub": f"arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{self.api}}}/*/*/*"}
        self.resources[lid] = {
            "Type": PERMISSION,
            "Properties": {"FunctionName": function_name, "Action": "lambda:InvokeFunction", "Principal": "apigateway.amazonaws.com", "SourceArn": source},
        }
        self._declare(function_name)
        got = _function_key(_try(function_name, {**self.values, self.api: "x"}, self.template))
        if got != key:  # pragma: no cover - a bug; the permission would name another function
            raise InternalError(f"the new permission {lid} resolves to {got}, not {key}; nothing was written (this is a bug, please report it)")
        self.w.notes.append(f"added {lid}: API Gateway may invoke {name}{':' + qualifier if qualifier else ''} (Lambda integration without credentials)")

    # -- parameters and dependsOn
    def _declare(self, node: Any) -> None:
        """Parameters a new resource uses (function<Name>Name) declared the way the Body's are."""
        params = self.template.setdefault("Parameters", {})
        for name in sorted(names_used(node)):
            if not name.startswith("AWS::") and name not in params and name not in self.resources:
                params[name] = {"Type": "String"}
                self.w.notes.append(f"declared parameter {name} (used by a new Lambda permission)")

    def used_names(self, without: set[str]) -> set[str]:
        scope = {k: v for k, v in self.template.items() if k in ("Resources", "Outputs", "Conditions")}
        scope["Resources"] = {k: v for k, v in self.resources.items() if k not in without}
        return names_used(scope)

    def amplify_params(self) -> list[str]:
        wired = wired_params(self.project)
        return [p for p in (self.template.get("Parameters") or {})
                if p not in AMPLIFY_OWN_PARAMS and (p in wired or split_param(self.project, p) is not None)]

    def deployment(self) -> None:
        before = ((self.original.get("Resources") or {}).get(self.api) or {}).get("Properties", {}).get(self.key)
        if before == self.body():
            return
        deployments = [lid for lid, r in self.resources.items() if isinstance(r, dict) and r.get("Type") == DEPLOYMENT
                       and self.api in names_used((r.get("Properties") or {}).get("RestApiId"))]
        if not deployments:
            self.w.warnings.append(f"no AWS::ApiGateway::Deployment of {self.api} in the template: redeploy the stage yourself after the update")
        for old in deployments:
            m = HASHED.match(old)
            base = m.group(1) if m and m.group(1).endswith(self.api) else old
            new = base + body_digest(self.body())
            if old in names_used(self.template.get("Outputs") or {}):
                self.w.warnings.append(f"the Body changed but {old} is referenced by Outputs, so it keeps its id and CloudFormation "
                                       "will not redeploy the stage: redeploy it by hand after the push")
                continue
            self.template["Resources"] = {(new if k == old else k): rename_logical_id(v, old, new) for k, v in self.resources.items()}
            self.w.notes.append(f"redeploy: renamed {old} -> {new} (a content hash of the Body), so the push creates a new deployment "
                                "and the stage serves the new paths (an unchanged Deployment leaves the old API live: 'Missing Authentication Token')")

    # -- project files
    def depends_on(self, used: set[str], used_if_pruned: set[str]) -> None:
        """The API's dependsOn: add what the template now uses; report (or --prune) what it does not."""
        declared = set(self.template.get("Parameters") or {})
        needed: dict[tuple[str, str], list[str]] = {}
        for p in sorted(used & declared):
            if p in AMPLIFY_OWN_PARAMS:
                continue
            hit = split_param(self.project, p)
            if hit is not None:
                needed.setdefault((hit[0], hit[1]), []).append(hit[2])
        stale = [f"{d.get('category')}/{d.get('resourceName')} {a}" for d in self.project.api_entry().get("dependsOn") or [] if isinstance(d, dict)
                 for a in d.get("attributes") or [] if f"{d.get('category')}{d.get('resourceName')}{a}" not in used_if_pruned]
        if stale:
            verb = "removed" if self.prune else "unreferenced (--prune removes them)"
            self.w.notes.append(f"{verb}: dependsOn attribute(s) {', '.join(stale)}")
        wired = wired_params(self.project)
        new = {k: [a for a in v if f"{k[0]}{k[1]}{a}" not in wired] for k, v in needed.items()}
        new = {k: v for k, v in new.items() if v}
        project = self.project
        if not isinstance((project.backend_config.data.get(project.category) or {}).get(project.api), dict):
            self.w.warnings.append(f"backend-config.json has no {project.ref}: dependsOn not wired (add the resource with the Amplify CLI first)")
            return
        config = copy.deepcopy(project.backend_config.data)
        api_entry = config[project.category][project.api]
        api_entry["dependsOn"] = self._wired(api_entry.get("dependsOn") or [], needed, used)
        self._patch(self.project.backend_config, config)
        if self.project.api_params is not None and isinstance(self.project.api_params.data, dict):
            params = copy.deepcopy(self.project.api_params.data)
            params["dependsOn"] = self._wired(params.get("dependsOn") or [], needed, used)
            self._patch(self.project.api_params, params)
        if new:
            what = "; ".join(f"{c}/{r} ({', '.join(a)})" for (c, r), a in new.items())
            self.w.notes.append(f"dependsOn of {project.ref} gains {what}: Amplify passes those outputs as parameters")

    def _wired(self, entries: list, needed: dict[tuple[str, str], list[str]], used: set[str]) -> list:
        out = copy.deepcopy(entries)
        for (category, resource), attrs in needed.items():
            entry = next((e for e in out if isinstance(e, dict) and e.get("category") == category and e.get("resourceName") == resource), None)
            if entry is None:
                out.append({"category": category, "resourceName": resource, "attributes": list(attrs)})
                continue
            have = entry.setdefault("attributes", [])
            have += [a for a in attrs if a not in have]
        if self.prune:
            kept = []
            for e in out:
                if not isinstance(e, dict):
                    kept.append(e)
                    continue
                attrs = [a for a in e.get("attributes") or [] if f"{e.get('category')}{e.get('resourceName')}{a}" in used]
                if attrs:
                    kept.append({**e, "attributes": attrs} if attrs != e.get("attributes") else e)
            out = kept
        return out

    def _patch(self, doc: Any, new: Any) -> bool:
        if new == doc.data:
            return False
        self.w.files[Path(doc.path)] = patch_json_text(doc.text, doc.data, new)
        return True

    def per_env_values(self, used: set[str]) -> None:
        """New parameters for opaque ids: their value recorded where the project keeps per-env values."""
        new = {k: v for k, v in self.conv.ctx.new_params.items() if k in used}
        if not new:
            return
        project, env = self.project, self.conv.ctx.env
        if project.team_provider is not None and env and isinstance(project.team_provider.data, dict):
            data = copy.deepcopy(project.team_provider.data)
            slot = data.setdefault(env, {}).setdefault("categories", {}).setdefault(project.category, {}).setdefault(project.api, {})
            slot.update(new)
            self._patch(project.team_provider, data)
            where = f"team-provider-info.json (env {env}, categories.{project.category}.{project.api})"
        else:
            path = project.api_dir / "parameters.json"
            doc = _load_or_empty(path)
            data = {**(doc.data if isinstance(doc.data, dict) else {}), **new}
            if doc.text:
                self._patch(doc, data)
            else:
                self.w.files[path] = json.dumps(data, indent=4) + "\n"
            where = f"{project.ref}/parameters.json"
            self.w.warnings.append(f"no team-provider-info.json: {', '.join(new)} recorded in {where}, the same for every env; set each env's value there")
        for k, v in new.items():
            self.w.notes.append(f"parameter {k} = {v} (an id no Amplify output explains) recorded in {where}")

    # -- run
    def run(self) -> Wiring:
        stale_permissions = self.permissions()
        self.deployment()
        used_if_pruned = self.used_names(stale_permissions)
        stale_params = [p for p in self.amplify_params() if p not in used_if_pruned]
        if stale_permissions or stale_params:
            verb = "removed" if self.prune else "unreferenced (--prune removes them)"
            if stale_permissions:
                self.w.notes.append(f"{verb}: Lambda permission(s) {', '.join(sorted(stale_permissions))} (no integration invokes the function)")
            if stale_params:
                self.w.notes.append(f"{verb}: parameter(s) {', '.join(stale_params)}")
        if self.prune:
            for lid in stale_permissions:
                del self.template["Resources"][lid]
            if stale_params:
                self.template["Parameters"] = {k: v for k, v in self.template["Parameters"].items() if k not in stale_params}
        used = self.used_names(set())
        self.depends_on(used, used_if_pruned)
        self.per_env_values(used)
        if self.project.layout == "cli7":
            from exporter.override import write_override

            write_override(self)
        self.w.bound = sorted(names_used([rw.after for rw in self.conv.rewrites]) & set(self.conv.ctx.bindings.values()))
        self.w.template = self.template
        return self.w


def _load_or_empty(path: Path) -> Any:
    from exporter.amplify import load_amplify_file
    from exporter.load import Document

    if path.is_file():
        return load_amplify_file(path)
    return Document(str(path), {}, "", "json")


def wire(conv: Any, project: Project, original: dict, *, prune: bool) -> Wiring:
    """The converted template wired into its Amplify project (see the module docstring)."""
    return _Wirer(conv, project, original, prune=prune).run()
