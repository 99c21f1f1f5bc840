"""Destination: an Amplify Gen 2 project (amplify/backend.ts). The construct of exporter.targets.cdk
goes to amplify/custom/<Api>/resource.ts with its Body in body.json; backend.ts gets the lines that
use it: the import, backend.createStack, the construct with its props wired to what the project
defines (functions from defineFunction by name, auth and storage resources; the rest passed the value
the export ran with, each line saying what it is) and backend.addOutput, so the client config gets
the endpoint.

backend.ts is patched only when its shape is recognised: one `const <name> = defineBackend({...})`, or
the bare `defineBackend({...})` statement `npm create amplify` writes, which gets `const backend = `
before it; otherwise the lines are reported and nothing is written there. The lines live between two marker
comments, so a second run replaces them and leaves everything else byte for byte.

Gen 1 -> Gen 2: with --amplify-dir naming the Gen 1 project, the export's literals become the Gen 1
output parameters (functionordersFnArn, storagephotosBucketName...); each is mapped to the Gen 2
resource that replaces it, and every mapping is reported.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exporter.model import note, warning
from exporter.targets.base import Built
from exporter.targets.cdk import Construct, build_construct, construct_ts, refuse_foreign, stage_warnings, ts_string

DEFINE_BACKEND = re.compile(r"^(?:export\s+)?const\s+([A-Za-z_$][\w$]*)\s*=\s*defineBackend\(\s*\{([^}]*)\}\s*\)\s*;?[ \t]*$", re.M)
# what `npm create amplify` writes (since create-amplify 0.7.2): the call as a statement of its own, its
# result unused; the target assigns it to `const backend` so its lines can use it
BARE_DEFINE_BACKEND = re.compile(r"^defineBackend\(\s*\{([^}]*)\}\s*\)\s*;?[ \t]*$", re.M)
IMPORT = re.compile(r"^import\s*\{([^}]*)\}\s*from\s*['\"](\.{1,2}/[^'\"]+)['\"]\s*;?[ \t]*$", re.M)
DEFINE_FUNCTION = re.compile(r"defineFunction\(\s*\{[^)]*?\bname\s*:\s*['\"]([^'\"]+)['\"]", re.S)
DEFINE_KIND = re.compile(r"\b(defineFunction|defineAuth|defineStorage|defineData)\(")
FUNCTION_ATTRS = {"Arn": "functionArn", "Name": "functionName"}
AUTH_ATTRS = {"UserPoolId": "userPool.userPoolId", "UserPoolArn": "userPool.userPoolArn",
              "AppClientIDWeb": "userPoolClient.userPoolClientId", "AppClientID": "userPoolClient.userPoolClientId",
              "IdentityPoolId": "cfnResources.cfnIdentityPool.ref"}
STORAGE_ATTRS = {"BucketName": "bucket.bucketName", "BucketArn": "bucket.bucketArn"}


@dataclass
class Backend:
    """amplify/backend.ts as far as the target needs it."""

    path: Path
    text: str
    var: str | None = None  # the defineBackend result (None: shape not recognised)
    assign_at: int | None = None  # the line of a bare `defineBackend({...})` the patch turns into `const backend = ...`
    keys: list[str] = field(default_factory=list)  # defineBackend({ keys })
    kinds: dict[str, str] = field(default_factory=dict)  # key -> defineFunction / defineAuth / defineStorage / defineData
    functions: dict[str, str] = field(default_factory=dict)  # key -> the function's name (defineFunction name, else its folder)
    problem: str | None = None


def read_backend(amplify: Path, texts: dict[Path, str]) -> Backend:
    """Parse backend.ts and the resource files it imports (texts already read by exporter.io.cdk)."""
    path = amplify / "backend.ts"
    backend = Backend(path, texts[path])
    calls = len(re.findall(r"\bdefineBackend\s*\(", backend.text))
    found = list(DEFINE_BACKEND.finditer(backend.text))
    bare = list(BARE_DEFINE_BACKEND.finditer(backend.text))
    if calls > 1:
        backend.problem = "defineBackend is called more than once"
        return backend
    if len(found) == 1:
        backend.var, keys = found[0].group(1), found[0].group(2)
    elif len(bare) == 1 and re.search(r"(?<![\w$.])backend\b", _code(backend.text.replace(bare[0].group(0), ""))) is None:
        backend.var, keys = "backend", bare[0].group(1)
        backend.assign_at = backend.text.count("\n", 0, bare[0].start())
    else:
        backend.problem = ("its defineBackend({ ... }) is not assigned, and the name `backend` is taken" if bare
                           else "no defineBackend({ ... }) call" if not calls
                           else "defineBackend({ ... }) is neither assigned to a const nor a statement of its own")
        return backend
    entries = [e.strip() for e in keys.split(",") if e.strip()]
    local_of = {}
    for e in entries:
        key, _, value = e.partition(":")
        backend.keys.append(key.strip())
        local_of[key.strip()] = (value or key).strip()
    sources = {}
    for m in IMPORT.finditer(backend.text):
        for name in m.group(1).split(","):
            original, _, alias = name.strip().partition(" as ")
            sources[(alias or original).strip()] = m.group(2)
    for key, local in local_of.items():
        source = sources.get(local)
        if source is None:
            continue
        file = Path(os.path.normpath(amplify / source))  # pure path arithmetic: exporter.io already read the files
        wanted = {file.with_suffix(".ts"), file / "resource.ts", file}
        text = next((t for p, t in texts.items() if Path(os.path.normpath(p)) in wanted), None)
        kind = DEFINE_KIND.search(text or "")
        if kind:
            backend.kinds[key] = kind.group(1)
        if kind and kind.group(1) == "defineFunction":
            name = DEFINE_FUNCTION.search(text)
            backend.functions[key] = name.group(1) if name else file.parent.name if file.name == "resource" else file.name
    return backend


CODE_NOISE = re.compile(r"//[^\n]*|/\*.*?\*/|'(?:\\.|[^'\\\n])*'|\"(?:\\.|[^\"\\\n])*\"|`(?:\\.|[^`\\])*`", re.S)


def _code(text: str) -> str:
    """TypeScript without its comments and string literals (an import path may say 'backend')."""
    return CODE_NOISE.sub(" ", text)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@dataclass
class Wire:
    prop: str
    expr: str  # TypeScript for backend.ts
    what: str  # the mapping, said in words


def wire(c: Construct, backend: Backend, project: Any) -> list[Wire]:
    """Each prop's value in backend.ts: a Gen 2 resource where one matches, else the export's value."""
    from exporter.amplify import split_param

    var = backend.var or "backend"
    by_kind = {kind: key for key, kind in backend.kinds.items()}
    out = []
    for p in c.props:
        gen1 = split_param(project, p.name) if project is not None else None
        source = f"Gen 1 {gen1[0]}/{gen1[1]} {gen1[2]}" if gen1 else f"`{p.name}`"
        category, resource, attr = gen1 if gen1 else ("", "", "")
        if not gen1:  # a --bind or non-Amplify name: [function]<name>[Function]<Arn|Name> of a function the project defines
            m = re.fullmatch(r"(?:function)?(.+?)(?:Function)?(Arn|Name)", p.name)
            if m and any(_norm(m.group(1)) in (_norm(n), _norm(k)) for k, n in backend.functions.items()):
                category, resource, attr = "function", m.group(1), m.group(2)
        key = None
        if category == "function" and attr in FUNCTION_ATTRS:
            key = next((k for k, n in backend.functions.items() if _norm(n) == _norm(resource) or _norm(k) == _norm(resource)), None)
            if key:
                out.append(Wire(p.name, f"{var}.{key}.resources.lambda.{FUNCTION_ATTRS[attr]}",
                                f"{source} -> {var}.{key} (defineFunction '{backend.functions[key]}')"))
                continue
        if category == "auth" and attr in AUTH_ATTRS and "defineAuth" in by_kind:
            key = by_kind["defineAuth"]
            out.append(Wire(p.name, f"{var}.{key}.resources.{AUTH_ATTRS[attr]}", f"{source} -> {var}.{key} (defineAuth)"))
            continue
        if category == "storage" and attr in STORAGE_ATTRS and "defineStorage" in by_kind:
            key = by_kind["defineStorage"]
            out.append(Wire(p.name, f"{var}.{key}.resources.{STORAGE_ATTRS[attr]}", f"{source} -> {var}.{key} (defineStorage)"))
            continue
        if p.name == (c.stage_prop or "env") and not gen1:  # the env parameter (env2 when env was taken)
            out.append(Wire(p.name, ts_string(str(p.example)), f"the Gen 1 env the export ran in ({p.example!r}): Gen 2 has one "
                            "deployment per branch, so pass the name each branch's API should carry"))
            continue
        hint = {"function": "define the function with defineFunction and pass its resources.lambda."
                            + FUNCTION_ATTRS.get(attr, "functionArn"),
                "storage": "a DynamoDB table (defineData, or a table in a custom stack) or bucket: pass its " + (attr or "name"),
                "auth": "pass the matching backend.auth.resources value",
                "stepFunction": {"Arn": "pass the state machine's stateMachineArn (an sfn.StateMachine in a stack from backend.createStack)",
                                 "RoleName": "pass the roleName of the role API Gateway assumes to start executions (an iam.Role beside the state machine)",
                                 }.get(attr, f"pass the state machine stack's {attr}"),
                "custom": f"pass {attr} of the construct that replaces the Gen 1 custom resource {resource} (a stack from backend.createStack)",
                }.get(category, "pass the value from the resource that now holds it (a custom stack's construct, or a per-branch value)")
        out.append(Wire(p.name, ts_string(str(p.example)) if p.example is not None else "''",
                        f"{source}: nothing in this project matches, so the export's value is passed; {hint}"))
    return out


def _begin(c: Construct) -> str:
    return f"// export-to-cfn: {c.class_name} (begin; regenerated by convert --target amplify-gen2, edits here are replaced)"


def _end(c: Construct) -> str:
    return f"// export-to-cfn: {c.class_name} (end)"


def backend_lines(c: Construct, wires: list[Wire], var: str) -> tuple[str, list[str]]:
    """(the import line, the block) backend.ts needs."""
    local = c.class_name[:1].lower() + c.class_name[1:]
    block = [_begin(c), f"const {local}Stack = {var}.createStack({ts_string(c.class_name)});",
             f"const {local} = new {c.class_name}({local}Stack, {ts_string(c.class_name)}, {{"]
    for w in wires:
        block.append(f"  {w.prop}: {w.expr}, // {w.what}")
    if c.stage_variables:
        if any(v not in c.stage_values for v in c.stage_variables):
            block.append("  // 'unset': the export has no stage variable values (give them with --stage or --stage-variable)")
        block.append("  stageVariables: { " + ", ".join(f"{v}: {ts_string(c.stage_values.get(v, 'unset'))}" for v in c.stage_variables) + " },")
    block += ["});",
              f"{var}.addOutput({{",
              f"  custom: {{ {c.class_name}: {{ endpoint: {local}.api.url, region: {local}Stack.region, apiName: {local}.api.restApiName }} }},",
              "});",
              _end(c)]
    return f"import {{ {c.class_name} }} from './custom/{c.class_name}/resource';", block


def patch_backend(backend: Backend, import_line: str, block: list[str], c: Construct) -> str:
    """backend.ts with the import (once), the block (replacing an earlier one between the markers) and,
    for the bare `defineBackend({...})` `npm create amplify` writes, `const backend = ` before it."""
    text = backend.text
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines()
    if backend.assign_at is not None:
        lines[backend.assign_at] = f"const {backend.var} = {lines[backend.assign_at]}"
    begin = next((i for i, line in enumerate(lines) if line.strip() == _begin(c).strip()), None)
    end = next((i for i, line in enumerate(lines) if line.strip() == _end(c)), None)
    if begin is not None and end is not None and end > begin:
        lines[begin:end + 1] = block
    else:
        while lines and not lines[-1].strip():
            lines.pop()
        lines += ["", *block]
    if import_line not in lines:
        last_import = max((i for i, line in enumerate(lines) if line.startswith("import ")), default=-1)
        lines.insert(last_import + 1, import_line)
    return newline.join(lines) + newline


class AmplifyGen2:
    """--target amplify-gen2: amplify/custom/<Api>/{resource.ts, body.json} and backend.ts's lines."""

    name = "amplify-gen2"

    @staticmethod
    def applies(conv: Any) -> bool:
        return getattr(conv, "destination", None) is not None and conv.destination.kind == "amplify-gen2"

    def build(self, conv: Any) -> Built:
        dest = conv.destination
        backend: Backend = dest.backend
        c = build_construct(conv)
        conv.report.declared_params = []  # no template is written: its parameters are the construct's props (one note each)
        folder = dest.root / "custom" / c.class_name
        built = Built(conv.template, write_template=False)
        files = {
            folder / "resource.ts": construct_ts(c, body_import="./body.json", command="export-to-cfn convert EXPORT --target amplify-gen2"),
            folder / "body.json": c.body_json(),
        }
        refuse_foreign(files, dest, folder / "resource.ts")
        wires = wire(c, backend, conv.project)
        for w in wires:
            built.notes.append(note("gen2-prop", f"prop {w.prop}: {w.what}"))
        import_line, block = backend_lines(c, wires, backend.var or "backend")
        built.warnings += stage_warnings(c, "backend.ts")
        if backend.var is None:
            lines = [import_line, *block]
            found = warning("gen2-backend-not-patched", f"{backend.path}: shape not recognised ({backend.problem}); nothing written "
                            f"there. The lines use `backend`: assign defineBackend({{ ... }}) to it (const backend = defineBackend({{ ... }});), "
                            f"then add these {len(lines)} lines (the import with the others, the rest after defineBackend):")
            found.lines = tuple(lines)
            built.warnings.append(found)
        else:
            if backend.assign_at is not None:
                built.notes.append(note("gen2-backend-assigned", f"{backend.path}: line {backend.assign_at + 1}: defineBackend({{ ... }}) "
                                        "assigned to `const backend`, which the added lines use"))
            files[backend.path] = patch_backend(backend, import_line, block, c)
        built.files = {p: t for p, t in files.items() if dest.texts.get(p) != t}
        return built


def function_bindings(export: dict, backend: Backend) -> dict[str, str]:
    """--bind entries for the Lambda functions the export invokes that the Gen 2 project defines (same
    name, give or take an env or hash suffix): <key>FunctionArn = the export's function ARN, so the
    construct takes the function as a prop and backend.ts passes backend.<key>.resources.lambda."""
    from exporter.targets.shared import LAMBDA_URI

    out: dict[str, str] = {}
    text_uris = []
    stack = [export]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("uri", "authorizerUri") and isinstance(v, str):
                    text_uris.append(v)
                else:
                    stack.append(v)
        elif isinstance(node, list):
            stack.extend(node)
    for uri in sorted(set(text_uris)):
        m = LAMBDA_URI.match(uri)
        if not m or m.group(1).count(":") > 6:  # an alias- or version-qualified ARN: the function itself is not the target
            continue
        name = m.group(4)
        for key, fn in backend.functions.items():
            if _norm(name) in (_norm(fn), _norm(key)) or _norm(re.sub(r"[-_][A-Za-z0-9]+$", "", name)) in (_norm(fn), _norm(key)):
                out[f"{key}FunctionArn"] = m.group(1)
    return out
