"""Every conversion the engine tests check, collected by glob, converted once per session.

Three sources, one shape (Case):
- fixtures/<scenario>/scenario.json: the bundled examples, merged into their template as the
  scenario says and, when it names one, also converted standalone;
- every REST API export in ../shared/corpus, converted standalone;
- a sample of corpus Swagger exports merged into each corpus Amplify API template (one export per
  template, picked by position so the sample is stable).
A Case says how to convert and with which parameter values its output resolves back to the export;
`converted(case)` (a session fixture in conftest) runs the CLI once and hands every test the result.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from conftest import CORPUS, corpus_params, run_cli
from exporter.infer import infer_home
from exporter.io.load import export_version, find_intrinsic, is_template, load
from scenarios import Scenario, run, scenarios
from semantic import home_of

ROOT = Path(__file__).resolve().parents[1]
REST_APIS = ("AWS::ApiGateway::RestApi", "AWS::Serverless::Api")


@dataclass(frozen=True)
class Case:
    id: str
    export: Path
    template: Path | None = None  # merged into this template; None: standalone
    args: tuple[str, ...] = ()
    values: tuple[tuple[str, str], ...] = ()  # parameter values the output is resolved/deployed with
    scenario: Scenario | None = field(default=None, compare=False, hash=False)

    @property
    def merged(self) -> bool:
        return self.template is not None


@dataclass
class Converted:
    """One conversion's result: the CLI outcome and everything needed to resolve its output."""

    case: Case
    exit_code: int
    stderr: str
    out: Path
    export: dict  # the export as loaded
    template: dict  # the output template
    api: str  # logical id of the RestApi that got the paths
    values: dict[str, Any]  # pseudo parameters + parameter values: what the output resolves with
    template_body_before: Any = None  # the merged template's Body before conversion
    work: Path | None = None  # the folder the conversion ran in (a copy of the scenario)

    @property
    def body(self) -> dict:
        props = self.template["Resources"][self.api]["Properties"]
        return props.get("Body") or props.get("DefinitionBody")

    @property
    def api_id(self) -> str | None:
        return (self.export.get("host") or "").split(".")[0] or None


# ---------------------------------------------------------------------------------------------
# Collection


def _corpus_documents() -> list[tuple[Path, str, Any]]:
    """(path, kind, data) for every corpus file: kind is export, body (already converted) or template."""
    out = []
    for f in sorted(CORPUS.rglob("*")):
        if f.suffix not in (".json", ".yaml", ".yml") or not f.is_file():
            continue
        data = load(f).data
        if not isinstance(data, dict):
            continue
        if is_template(data):
            out.append((f, "template", data))
        elif export_version(data):
            out.append((f, "body" if find_intrinsic(data) else "export", data))
    return out


@lru_cache(maxsize=None)
def corpus_documents() -> tuple:
    return tuple(_corpus_documents()) if CORPUS.exists() else ()


def corpus_files(kind: str) -> list[Path]:
    return [f for f, k, _ in corpus_documents() if k == kind]


def _amplify_values(template: dict, export: dict) -> dict[str, str]:
    """Values for an Amplify template's parameters that have no default. env is the export's stage
    (what a user converting that stage's export would deploy with); the rest only need to exist."""
    out = {}
    for name, decl in (template.get("Parameters") or {}).items():
        if isinstance(decl, dict) and "Default" not in decl:
            out[name] = (infer_home(export).stage or "dev") if name == "env" else f"test-{name}"
    return out


def _amplify_templates() -> list[Path]:
    return [f for f, k, d in corpus_documents() if k == "template" and f.parent.name.startswith("amplify-")
            and any(isinstance(r, dict) and r.get("Type") in REST_APIS for r in (d.get("Resources") or {}).values())]


def _standalone_args(args: list[str]) -> tuple[str, ...]:
    """A scenario's arguments without those that only make sense with --template."""
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a in ("--api",):
            skip = True
        elif a not in ("--prune", "--in-place", "-i") and not a.startswith("--api="):
            out.append(a)
    return tuple(out)


def cases(kinds: tuple[str, ...] = ("scenario", "standalone", "merged")) -> list:
    """pytest params, one per Case, ids readable in -k: scenario-<name>, standalone-scenario-<name>,
    standalone-<folder>/<file>, merged-<template folder>+<export folder>/<file>."""
    out = []
    if "scenario" in kinds:
        for sc in scenarios():
            template = sc.folder / sc.spec["template"] if sc.spec.get("template") else None
            values = tuple(sorted((sc.spec.get("values") or {}).items()))
            case = Case(f"scenario-{sc.name}", sc.folder / sc.spec["export"], template, tuple(sc.spec.get("args", [])), values, sc)
            out.append(pytest.param(case, id=case.id))
    if "standalone" in kinds:  # a scenario merged into a template is also converted on its own
        for sc in scenarios():
            if sc.spec.get("template"):
                case = Case(f"standalone-scenario-{sc.name}", sc.folder / sc.spec["export"], None, _standalone_args(sc.spec.get("args", [])))
                out.append(pytest.param(case, id=case.id))
    if not CORPUS.exists():
        if kinds != ("scenario",):
            out += corpus_params(lambda corpus: ())  # the one skipped param that says why
        return out
    exports = corpus_files("export")
    if "standalone" in kinds:
        for f in exports:
            case = Case(f"standalone-{f.parent.name}/{f.name}", f)
            out.append(pytest.param(case, id=case.id))
    if "merged" in kinds:
        swagger = [f for f in exports if export_version(load(f).data) == "swagger2"]
        templates = _amplify_templates()
        for i, t in enumerate(templates):
            f = swagger[(i * 3) % len(swagger)]  # a spread of exports, stable across runs
            export = load(f).data
            values = tuple(sorted(_amplify_values(load(t).data, export).items()))
            case = Case(f"merged-{t.parent.name}+{f.parent.name}/{f.name}", f, t, (), values)
            out.append(pytest.param(case, id=case.id))
    return out


# ---------------------------------------------------------------------------------------------
# Conversion


def target_api(template: dict) -> str:
    return next(k for k, r in template["Resources"].items() if isinstance(r, dict) and r.get("Type") in REST_APIS)


def convert_case(case: Case, workdir: Path) -> Converted:
    """Run `export-to-cfn convert` for the case in a copy under workdir (the sources stay untouched)."""
    if case.scenario is not None:
        result, out, work = run(case.scenario, workdir)
        export = work / case.scenario.spec["export"]
        before = load(case.template).data if case.template else None
    else:
        work = workdir / re.sub(r"[^A-Za-z0-9_.-]+", "_", case.id)
        work.mkdir(parents=True)
        export = work / case.export.name
        shutil.copyfile(case.export, export)
        args = ["convert", str(export)]
        if case.template:
            out = work / case.template.name
            shutil.copyfile(case.template, out)
            before = load(out).data
            args += ["--template", str(out), "--in-place"]
        else:
            out, before = work / "template.json", None
            args += ["-o", str(out)]
        result = run_cli(*args, *case.args)
    export_data = load(export).data
    if result.exit_code != 0:
        return Converted(case, result.exit_code, result.stderr, out, export_data, {}, "", {}, work=work)
    template_data = deployed_template(case, work, out)
    api = (case.scenario.spec.get("api") if case.scenario else None) or target_api(template_data)
    values = home_of(export_data)
    values.update({n: p["Default"] for n, p in (template_data.get("Parameters") or {}).items() if isinstance(p, dict) and "Default" in p})
    values.update(dict(case.values))
    before_body = None
    if before is not None:
        props = before["Resources"][api]["Properties"]
        before_body = props.get("Body") or props.get("DefinitionBody")
    return Converted(case, 0, result.stderr, out, export_data, template_data, api, values, before_body, work)


APPLY_OVERRIDE = Path(__file__).parent / "js" / "apply_override.mjs"


def deployed_template(case: Case, work: Path, out: Path) -> dict:
    """The template as it deploys: the output itself, or for Amplify CLI >= 7 the build/ template
    with the written override.ts applied (by node, as `amplify override api` would)."""
    import json
    import subprocess

    template = load(out).data
    override = case.scenario.spec.get("override") if case.scenario else None
    if not override:
        return template
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: cannot apply override.ts")
    api = case.scenario.spec.get("api") or target_api(template)
    p = subprocess.run([node, str(APPLY_OVERRIDE), str(out), str(work / override), api], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)
