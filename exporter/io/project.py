"""The Amplify project's facts, read from disk into plain data before the pipeline runs: where the
project is, its backend-config/api-params/team-provider/amplify-meta files, the env checked out,
every other resource's own stack (template and parameter files) where amplify-meta.json has no
outputs, and the API folder's parameters.json, override.ts and package.json.

A file read ahead of need that fails to load is kept as its UserError and raised only where the
run needs it (exporter.amplify.known), so a broken file nobody needs fails no run, as before.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from exporter.amplify import Project, Stack, find_home, meta_outputs, resource_folder
from exporter.errors import UserError
from exporter.io.load import Document, kind_of, load, present, read_bytes
from exporter.io.locate import line_finder

TEMPLATE_GLOBS = ("*cloudformation-template.json", "*cloudformation-template.yaml", "*cloudformation-template.yml", "*template.json", "*template.yaml", "*template.yml")
PARAMETER_FILES = ("parameters.json", "function-parameters.json", "build/parameters.json")


# The shapes of the Amplify files read, as far as this tool reads them: a mapping spec lists keys
# ("*": every other key), [spec] is a list of spec, a type is that type, ANY is anything. One check at
# load, so a file of the wrong shape is exit 2 naming the file, line and JSON pointer, never a crash
# somewhere in the evaluation or the wiring.
ANY = object()
DEPENDS_ON = [{"category": str, "resourceName": str, "attributes": [str], "*": ANY}]
SHAPES: dict[str, Any] = {
    "backend-config.json": {"*": {"*": {"dependsOn": DEPENDS_ON, "*": ANY}}},
    "api-params.json": {"dependsOn": DEPENDS_ON, "*": ANY},
    "team-provider-info.json": {"*": {"awscloudformation": {"*": ANY}, "categories": {"*": {"*": {"*": ANY}}}, "*": ANY}},
    "amplify-meta.json": {"providers": {"*": {"*": ANY}}, "*": {"*": {"output": {"*": ANY}, "*": ANY}}},
    "local-env-info.json": {"*": ANY},
    "parameters.json": {"*": ANY},
}


def _shape_error(node: Any, spec: Any, pointer: str) -> tuple[str, str] | None:
    """(pointer, what was expected) of the first place `node` does not fit `spec`, else None."""
    stack = [(node, spec, pointer)]
    while stack:
        n, sp, ptr = stack.pop()
        if sp is ANY:
            continue
        if isinstance(sp, dict):
            if not isinstance(n, dict):
                return ptr or "/", f"a mapping, got a {kind_of(n)}"
            for k, v in n.items():
                sub = sp.get(k, sp.get("*", ANY))
                stack.append((v, sub, f"{ptr}/{str(k).replace('~', '~0').replace('/', '~1')}"))
        elif isinstance(sp, list):
            if not isinstance(n, list):
                return ptr or "/", f"a list, got a {kind_of(n)}"
            stack.extend((v, sp[0], f"{ptr}/{i}") for i, v in enumerate(n))
        elif not isinstance(n, sp):
            return ptr or "/", f"a {kind_of(sp())}, got a {kind_of(n)}"
    return None


def load_amplify_file(path: Path) -> Document:
    """An Amplify project file, loaded safely and checked against its shape (SHAPES, by file name)."""
    doc = load(path)
    spec = SHAPES.get(path.name, {"*": ANY})
    problem = _shape_error(doc.data, spec, "")
    if problem:
        pointer, what = problem
        line = line_finder(doc)(pointer) if pointer != "/" else None
        raise UserError(f"{pointer}: expected {what} (not the shape Amplify writes)", file=doc.path, line=line)
    return doc


def _check_names(amplify: Path, backend_config: Document) -> None:
    """Every category and resource name backend-config.json holds, and every dependsOn entry's, names a
    folder under amplify/backend: none may be a path (checked once, before any of them is used)."""
    for category, entries in backend_config.data.items():
        if not isinstance(entries, dict):
            continue
        for name, entry in entries.items():
            resource_folder(amplify, category, name, backend_config.path)
            for dep in (entry.get("dependsOn") if isinstance(entry, dict) else None) or []:
                if isinstance(dep, dict) and ("category" in dep or "resourceName" in dep):
                    resource_folder(amplify, dep.get("category"), dep.get("resourceName"), backend_config.path)


def _amplify_of(start: Path) -> Path | None:
    for folder in [start, *start.parents]:
        if folder.name == "amplify" and present(folder / "backend" / "backend-config.json"):
            return folder
    return None


def find_project(template: Path | None, amplify_dir: Path | None, api: str | None, env: str | None) -> Project | None:
    """The Amplify project around `template` (or at --amplify-dir); None when there is none."""
    if amplify_dir is not None:
        d = amplify_dir.resolve()
        candidates = [d, d / "amplify", d.parent if d.name == "backend" else d]
        amplify = next((c for c in candidates if present(c / "backend" / "backend-config.json")), None)
        if amplify is None:
            raise UserError("--amplify-dir: no backend/backend-config.json there (expected an Amplify project or its amplify/ folder)", file=str(amplify_dir))
    elif template is not None:
        amplify = _amplify_of(template.resolve().parent)
        if amplify is None:
            return None
    else:
        return None
    backend_config = load_amplify_file(amplify / "backend" / "backend-config.json")
    if not isinstance(backend_config.data, dict):
        raise UserError("expected a JSON object", file=backend_config.path)
    _check_names(amplify, backend_config)
    category, name = _resource_of(amplify, template, api, backend_config.data)
    api_dir = resource_folder(amplify, category, name, "--api" if api and template is None else backend_config.path)
    in_build = template is not None and template.resolve().parent.name == "build"
    layout = "cli7" if category == "api" and (in_build or present(api_dir / "cli-inputs.json")) else "classic"
    project = Project(amplify, name, api_dir, layout, backend_config, category=category)
    if present(api_dir / "api-params.json"):
        project.api_params = load_amplify_file(api_dir / "api-params.json")
    if present(amplify / "team-provider-info.json"):
        project.team_provider = load_amplify_file(amplify / "team-provider-info.json")
    if present(amplify / "backend" / "amplify-meta.json"):
        project.meta = load_amplify_file(amplify / "backend" / "amplify-meta.json").data
    _find_env(project, env)
    find_home(project)
    _read_stacks(project)
    _read_api_files(project)
    return project


def _resource_of(amplify: Path, template: Path | None, api: str | None, config: dict) -> tuple[str, str]:
    """(category, resource name) of the stack that holds the RestApi: from the template's path
    (backend/<category>/<name>/...), else --api, else the project's only REST API."""
    if template is not None:
        rel = template.resolve().relative_to(amplify.resolve() / "backend") if _is_under(template, amplify / "backend") else None
        if rel is not None and len(rel.parts) >= 3:
            return rel.parts[0], rel.parts[1]
    if api:
        return "api", api
    apis = [n for n, e in (config.get("api") or {}).items() if isinstance(e, dict) and e.get("service") == "API Gateway"]
    if len(apis) != 1:
        raise UserError(f"{len(apis)} REST APIs in backend-config.json ({', '.join(apis) or 'none'}); pick one with --api", file=str(amplify / "backend" / "backend-config.json"))
    return "api", apis[0]


def _is_under(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def _find_env(project: Project, env: str | None) -> None:
    info = project.amplify / ".config" / "local-env-info.json"
    data = load_amplify_file(info).data if present(info) else None
    if isinstance(data, dict) and isinstance(data.get("envName"), str):
        project.local_env = data["envName"]
    if env:
        project.env, project.env_source = env, "--env"
    elif project.local_env:
        project.env, project.env_source = project.local_env, "amplify/.config/local-env-info.json"


def find_template(folder: Path) -> Path | None:
    """A resource's CloudFormation template: in its folder (classic) or its build/ folder (CLI >= 7)."""
    for where in (folder, folder / "build"):
        if not where.is_dir():
            continue
        for pattern in TEMPLATE_GLOBS:
            found = sorted(p for p in where.glob(pattern) if present(p))
            if found:
                return found[0]
    return None


def api_template(project: Project) -> Path:
    """The API's own template (--amplify-dir without --template)."""
    found = find_template(project.api_dir)
    if found is None:
        raise UserError(f"no CloudFormation template for {project.ref}", file=str(project.api_dir))
    return found


def _stack_keys(project: Project) -> list[tuple[str, str]]:
    """Every resource whose outputs the evaluation may ask for: the project's, and those named in a dependsOn."""
    keys: dict[tuple[str, str], None] = {}
    for category, name, entry in project.resources():
        keys[(category, name)] = None
        for dep in entry.get("dependsOn") or []:
            if isinstance(dep, dict):
                keys[(dep.get("category", ""), dep.get("resourceName", ""))] = None
    return list(keys)


def _depended_on(project: Project, category: str, name: str) -> bool:
    return any(isinstance(d, dict) and d.get("category", "") == category and d.get("resourceName", "") == name
               for _c, _n, entry in project.resources() for d in entry.get("dependsOn") or [])


def _fact(read):  # noqa: ANN001, ANN202 - a thunk; its value, or the UserError it raised
    try:
        return read()
    except UserError as e:
        return e


def _read_stacks(project: Project) -> None:
    """The own stack of every resource amplify-meta.json gives no outputs for (the API's only when
    another resource depends on it: nothing else evaluates it)."""
    for category, name in _stack_keys(project):
        if meta_outputs(project, category, name):
            continue
        if project.is_self(category, name) and not _depended_on(project, category, name):
            continue
        try:
            folder = project.folder(category, name)
        except UserError as e:  # a name that is a path: refused when the evaluation reaches it
            project.stacks[(category, name)] = Stack(None, error=e)
            continue
        path = find_template(folder)
        stack = Stack(path)
        if path is not None:
            stack.template = _fact(lambda: load(path).data)
            stack.params = [_fact(lambda f=folder / pfile: load_amplify_file(f).data) for pfile in PARAMETER_FILES if present(folder / pfile)]
        project.stacks[(category, name)] = stack


def _read_text(path: Path) -> Any:
    """A project file's current text as the preview and override.ts check read it (bounded, bytes
    decoded as they are); None when there is no file, the UserError when it cannot be read."""
    return _fact(lambda: read_bytes(path).decode("utf-8", "replace")) if present(path) else None


def _read_api_files(project: Project) -> None:
    params = project.api_dir / "parameters.json"
    if present(params):
        project.parameters_json = _fact(lambda: load_amplify_file(params))
    if project.layout == "cli7":
        project.override_text = _read_text(project.api_dir / "override.ts")
        project.has_package_json = present(project.api_dir / "package.json")
    docs = [project.backend_config, project.api_params, project.team_provider]
    for path in [Path(d.path) for d in docs if d is not None] + [params, project.api_dir / "override.ts"]:
        text = _read_text(path)
        if text is not None:
            project.texts[path] = text


def check_inside_project(project: Project, path: Path) -> None:
    """A project file export-to-cfn writes (the user named the template, not it) must really be
    inside the project: a symlink out of it is not written through."""
    root = os.path.realpath(project.amplify.parent)
    real = os.path.realpath(path)
    if os.path.commonpath([root, real]) != root:
        raise UserError(f"is a symlink to {real}, outside the Amplify project {root}; export-to-cfn writes only "
                        "project files inside it (replace the link with the file, or run without --in-place)", file=str(path))
