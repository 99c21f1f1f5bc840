"""Wire a converted API into its Amplify project: Lambda permissions, a Deployment that redeploys,
the API's dependsOn (backend-config.json, api-params.json), per-env values of new parameters, and
what nothing references any more (reported; removed with --prune). For Amplify CLI >= 7 the change
goes to an override.ts, since build/ is regenerated on every push.

Plain data in, plain data out: the new template, and the new text of every project file that
changes (formatting kept with exporter.io.write.patch_json_text). The CLI writes them all at once.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from exporter.amplify import AMPLIFY_OWN_PARAMS, Project, generation, known, split_param, wired_params
from exporter.errors import InternalError
from exporter.resolve import Unresolved, names_used, resolve
from exporter.rewrite import Rewriter
from exporter.io.load import Document
from exporter.io.write import patch_json_text
from exporter.model import note, warning
from exporter.targets.base import Built
from exporter.targets.shared import DEPLOYMENT, LAMBDA_URI, PERMISSION, lambda_permission, redeploy, source_arn, unique_id

OVERRIDE_MARK = "// Written by export-to-cfn"


Wiring = Built  # what the Amplify targets build: template, project files, notes, warnings


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


def lambda_invocations(body: dict, values: dict, template: dict, known: dict[int, Any] | None = None) -> tuple[list[tuple[str, bool, str]], bool]:
    """([(function ARN, needs a resource permission, how API Gateway calls it: INTEGRATION or AUTHORIZER)],
    all integrations resolved). `known`: id of a node -> its resolved value, for nodes whose value is
    already proven (the rules' rewrites)."""
    known = known or {}
    found: list[tuple[str, bool, str]] = []
    complete = True
    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        for key, uri_key, cred_key, kind in (("x-amazon-apigateway-integration", "uri", "credentials", INTEGRATION),
                                             ("x-amazon-apigateway-authorizer", "authorizerUri", "authorizerCredentials", AUTHORIZER)):
            spec = node.get(key)
            if isinstance(spec, dict) and uri_key in spec:
                node_uri = spec[uri_key]
                uri = node_uri if type(node_uri) is str else known.get(id(node_uri)) or _try(node_uri, values, template)
                if uri is None:
                    complete = False
                    continue
                m = LAMBDA_URI.match(str(uri))
                if m:
                    found.append((m.group(1), cred_key not in spec, kind))
        stack.extend(v for k, v in node.items() if k not in ("x-amazon-apigateway-integration", "x-amazon-apigateway-authorizer"))
    return found, complete


# How API Gateway calls a function, and the source ARN it calls it from (after the API's id): a method
# is <stage>/<METHOD>/<path>, which Amplify's own /*/*/* covers; an authorizer is authorizers/<id>,
# which only a wider scope (/*) does. A permission scoped for methods leaves a Lambda authorizer denied.
INTEGRATION, AUTHORIZER = "integration", "authorizer"
CALLED_FROM = {INTEGRATION: "/dev/GET/items", AUTHORIZER: "/authorizers/a1b2c3"}
SCOPE = {INTEGRATION: "/*/*/*", AUTHORIZER: "/*"}


def _covers(source: Any, kind: str) -> bool:
    """Does a permission's resolved SourceArn (None: none given, any source) let API Gateway call from
    where `kind` calls? `source` was resolved with the API's id as API_ID_MARK."""
    if source is None:
        return True
    if not isinstance(source, str) or API_ID_MARK not in source:
        return False
    scope = source.split(API_ID_MARK, 1)[1]
    return re.fullmatch(".*".join(map(re.escape, scope.split("*"))), CALLED_FROM[kind]) is not None


API_ID_MARK = "a1b2c3d4e5"  # what the API's logical id resolves to when a SourceArn is read


def _permissions(template: dict, api: str, values: dict) -> dict[str, tuple[tuple[str, str] | None, Any]]:
    """API Gateway permissions in the template that are about this API: logical id -> (function key, its
    SourceArn resolved with API_ID_MARK for the API, None when it has none)."""
    out = {}
    for lid, res in (template.get("Resources") or {}).items():
        if not isinstance(res, dict) or res.get("Type") != PERMISSION:
            continue
        props = res.get("Properties") or {}
        if _try(props.get("Principal"), values, template) != "apigateway.amazonaws.com":
            continue
        if "SourceArn" in props and api not in names_used(props["SourceArn"]):
            continue
        source = _try(props["SourceArn"], {**values, api: API_ID_MARK}, template) if "SourceArn" in props else None
        if "SourceArn" in props and source is None:
            source = API_ID_MARK + "/*"  # cannot be read here: taken to allow what it names (as before)
        out[lid] = (_function_key(_try(props.get("FunctionName"), values, template)), source)
    return out


class _Wirer:
    def __init__(self, conv: Any, project: Project, original: dict, *, prune: bool):
        self.conv = conv
        self.project = project
        self.original = original
        self.prune = prune
        self.api = conv.target.logical_id
        self.key = conv.target.body_key
        # The wiring replaces or adds top-level sections, resources and parameters, never edits a
        # node in place: copies of those three levels keep
        # conv.template (and the loaded template it shares nodes with) as it was, without a deep copy.
        self.template = dict(conv.template)
        for section in ("Resources", "Parameters"):
            if isinstance(self.template.get(section), dict):
                self.template[section] = dict(self.template[section])
        self._rewriter: Rewriter | None = None
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
        # what each rewrite stands for is proven (the rewriter checks it resolves back; the proof, the Body):
        # no need to resolve the integrations it wrote again
        known = {id(rw.after): rw.before for rw in self.conv.rewrites}
        invocations, complete = lambda_invocations(self.body(), self.values, self.template, known)
        existing = _permissions(self.template, self.api, self.values)
        invoked = {_function_key(arn) for arn, _, _ in invocations}
        needed: dict[tuple[str, str], tuple[str, set[str]]] = {}  # function key -> (its ARN, how it is called)
        for arn, needs, kind in invocations:
            if needs:
                needed.setdefault(_function_key(arn), (arn, set()))[1].add(kind)
        for key, (arn, kinds) in needed.items():
            sources = [source for k, source in existing.values() if k == key]
            if all(any(_covers(source, kind) for source in sources) for kind in kinds):
                continue
            # one permission for every way it is called: /* when an authorizer is among them
            self._add_permission(arn, key, kinds)
        if not complete:  # an integration we cannot resolve may call any of them: judge none
            return set()
        return {lid for lid, (key, _) in existing.items() if key is not None and key not in invoked}

    def _add_permission(self, arn: str, key: tuple[str, str], kinds: set[str]) -> None:
        scope = SCOPE[AUTHORIZER] if AUTHORIZER in kinds else SCOPE[INTEGRATION]
        name, qualifier = key
        out = next((o for o in self.project.outputs if o.category == "function" and o.name == "Name" and o.value == name), None)
        if out is not None and not qualifier:
            lid = f"function{out.resource}Permission{self.api}"
            function_name: Any = {"Ref": out.param}
        else:
            env = self.conv.ctx.env
            base = re.sub(r"[-_]" + re.escape(env) + "$", "", name) if env else name  # the id stays the same in every env
            lid = re.sub(r"[^A-Za-z0-9]", "", f"{base}{qualifier[:1].upper()}{qualifier[1:]}") + f"Permission{self.api}"
            if self._rewriter is None:  # one for every permission: the rules compile once, the results are cached
                self._rewriter = Rewriter(self.conv.rules, self.conv.ctx)
            function_name = self._rewriter.rewrite_string(arn, "/paths/~1x/get/x-amazon-apigateway-integration/uri/x")
        lid = unique_id(lid, self.resources)  # another resource may already have the id Amplify would use
        self.resources[lid] = lambda_permission(function_name, source_arn(self.api, scope=scope, style=self.conv.ctx.style),
                                                function_first=True)
        self._declare(function_name)
        got = _function_key(_try(function_name, {**self.values, self.api: "x"}, self.template))
        if got != key:  # pragma: no cover - a bug; the permission would name another function
            raise InternalError(f"the new permission {lid} resolves to {got}, not {key}; nothing was written (this is a bug, please report it)")
        self.w.notes.append(note('lambda-permission-added', f"added {lid}: API Gateway may invoke {name}{':' + qualifier if qualifier else ''} (Lambda {' and '.join(sorted(kinds))} without credentials)"))

    # -- parameters and dependsOn
    def _declare(self, node: Any) -> None:
        """Parameters a new resource uses (function<Name>Name) declared the way the Body's are."""
        params = self.template.setdefault("Parameters", {})
        for name in sorted(names_used(node)):
            if not name.startswith("AWS::") and name not in params and name not in self.resources:
                params[name] = {"Type": "String"}
                self.w.notes.append(note('parameter-declared', f"declared parameter {name} (used by a new Lambda permission)"))

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
        self.template, found = redeploy(self.template, self.api, self.body(), before, update="the push")
        self.w.add(found)

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
            self.w.notes.append(note('stale-depends-on', f"{verb}: dependsOn attribute(s) {', '.join(stale)}"))
        wired = wired_params(self.project)
        new = {k: [a for a in v if f"{k[0]}{k[1]}{a}" not in wired] for k, v in needed.items()}
        new = {k: v for k, v in new.items() if v}
        project = self.project
        if not isinstance((project.backend_config.data.get(project.category) or {}).get(project.api), dict):
            self.w.warnings.append(warning('not-in-backend-config', f"backend-config.json has no {project.ref}: dependsOn not wired (add the resource with the Amplify CLI first)"))
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
            self.w.notes.append(note('depends-on-wired', f"dependsOn of {project.ref} gains {what}: Amplify passes those outputs as parameters"))

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
            doc = known(project.parameters_json) or Document(str(path), {}, "", "json")
            data = {**(doc.data if isinstance(doc.data, dict) else {}), **new}
            if doc.text:
                self._patch(doc, data)
            else:
                self.w.files[path] = json.dumps(data, indent=4) + "\n"
            where = f"{project.ref}/parameters.json"
            self.w.warnings.append(warning('no-team-provider', f"no team-provider-info.json: {', '.join(new)} recorded in {where}, the same for every env; set each env's value there"))
        for k, v in new.items():
            self.w.notes.append(note('per-env-value', f"parameter {k} = {v} (an id no Amplify output explains) recorded in {where}"))

    # -- run
    def run(self) -> Wiring:
        stale_permissions = self.permissions()
        self.deployment()
        used_if_pruned = self.used_names(stale_permissions)
        stale_params = [p for p in self.amplify_params() if p not in used_if_pruned]
        if stale_permissions or stale_params:
            verb = "removed" if self.prune else "unreferenced (--prune removes them)"
            if stale_permissions:
                self.w.notes.append(note('stale-lambda-permission', f"{verb}: Lambda permission(s) {', '.join(sorted(stale_permissions))} (no integration invokes the function)"))
            if stale_params:
                self.w.notes.append(note('stale-parameter', f"{verb}: parameter(s) {', '.join(stale_params)}"))
        if self.prune:
            for lid in stale_permissions:
                del self.template["Resources"][lid]
            if stale_params:
                self.template["Parameters"] = {k: v for k, v in self.template["Parameters"].items() if k not in stale_params}
        # nothing was removed from Resources since used_if_pruned (no stale permission): the same names
        used = used_if_pruned if not stale_permissions else self.used_names(set())
        self.depends_on(used, used_if_pruned)
        self.per_env_values(used)
        self.w.bound = sorted(names_used([rw.after for rw in self.conv.rewrites]) & set(self.conv.ctx.bindings.values()))
        self.w.template = self.template
        return self.w


def wire(conv: Any, project: Project, original: dict, *, prune: bool) -> Wiring:
    """The converted template wired into its Amplify project (see the module docstring)."""
    return _Wirer(conv, project, original, prune=prune).run()


class AmplifyClassic:
    """An Amplify project whose API template is edited in place (the classic layout)."""

    name = "amplify-classic"

    @staticmethod
    def applies(conv: Any) -> bool:
        return conv.project is not None and conv.project.layout == "classic"

    def build(self, conv: Any) -> Built:
        return wire(conv, conv.project, conv.original, prune=conv.prune)
