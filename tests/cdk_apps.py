"""The CDK destinations' cases and the real toolchain: convert --target cdk (or amplify-gen2) into a
folder, compile every generated app with the real `typescript` against the real `aws-cdk-lib` in one
tsc run, and synthesise each with app.synth() in one node process (tests/js/cdk/synth.cjs).

Cases, collected by glob:
- fixtures/cdk/<name>/case.json: {"export": ..., "args": [...], "stderr_has": [...]} (paths from the repository root;
  "{corpus}/" is ../shared/corpus), with the golden generated files under fixtures/cdk/<name>/expected/;
- every corpus REST API export, standalone (no golden: it must convert, compile, synthesise and
  pass the same checks).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cases import CORPUS, corpus_files
from conftest import corpus_params, run_cli

ROOT = Path(__file__).resolve().parents[1]
JS = ROOT / "tests" / "js" / "cdk"
NODE_MODULES = JS / "node_modules"
FIXTURES = ROOT / "fixtures" / "cdk"


@dataclass(frozen=True)
class AppCase:
    id: str
    export: Path
    args: tuple[str, ...] = ()
    golden: Path | None = None  # fixtures/cdk/<name>/expected
    stderr_has: tuple[str, ...] = ()


def _path(text: str) -> str:
    return str(CORPUS) + text[len("{corpus}"):] if text.startswith("{corpus}") else str(ROOT / text) if "/" in text else text


def app_cases() -> list:
    """pytest params of every case. Without ../shared/corpus, the fixtures that convert a corpus export
    and the corpus cases are one visible skipped param (corpus-absent), never silently left out."""
    out = []
    needs_corpus = []
    for spec_file in sorted(FIXTURES.glob("*/case.json")):
        spec = json.loads(spec_file.read_text())
        if spec["export"].startswith("{corpus}") and not CORPUS.exists():
            needs_corpus.append(spec_file.parent.name)
            continue
        case = AppCase(spec_file.parent.name, Path(_path(spec["export"])), tuple(_path(a) for a in spec.get("args", [])),
                       spec_file.parent / "expected", tuple(spec.get("stderr_has", [])))
        out.append(pytest.param(case, id=case.id))
    corpus = corpus_params(lambda corpus: [AppCase(f"corpus-{f.parent.name}-{f.name}", f) for f in corpus_files("export")],
                           ids=lambda c: c.id, what="REST API export")
    if needs_corpus:  # the skip's reason names the fixtures it stands for too
        corpus = [pytest.param(None, id="corpus-absent", marks=pytest.mark.skip(
            reason=f"{CORPUS} is absent: the corpus exports and fixtures/cdk/{{{','.join(needs_corpus)}}} are not checked"))]
    return out + corpus


def cases_of(params: list) -> list[AppCase]:
    """The cases to run (a skipped corpus-absent param carries none)."""
    return [p.values[0] for p in params if p.values[0] is not None]


MARKER = ".export-to-cfn-installed"  # written in node_modules after a whole install: a half-done one never counts


def toolchain_reason() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    installed = NODE_MODULES / MARKER
    if not installed.is_file() or installed.read_text() != _lock_digest():
        return f"{NODE_MODULES} is absent or stale: run `npm install --prefix tests/js/cdk` (the tests do when npm can reach the registry)"
    wanted = json.loads((JS / "package.json").read_text())["devDependencies"]
    missing = sorted(name for name in wanted if not (NODE_MODULES / name / "package.json").is_file())
    if missing:
        return f"{', '.join(missing)} missing from {NODE_MODULES}: run `npm install --prefix tests/js/cdk`"
    return None


def _lock_digest() -> str:
    import hashlib

    return hashlib.sha256((JS / "package-lock.json").read_bytes()).hexdigest()


def ensure_toolchain() -> str | None:
    """Install tests/js/cdk (the locked typescript, aws-cdk-lib, @aws-amplify/backend) on first use, so
    the README's one test command sets up everything; once per machine, one xdist worker at a time
    (the others wait on the lock, then see the finished install).
    Not `npm ci`: npm 11 refuses this lock ("Missing: ... from lock file") because
    @aws-amplify/data-construct bundles packages whose own dependencies npm never writes to a lock;
    `npm install` installs the locked versions and leaves the lock as it is (about 90 s from empty)."""
    if shutil.which("node") is None:
        return "node is not installed"
    import fcntl

    with open(JS / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if toolchain_reason() is None:
            return None
        if shutil.which("npm") is None:
            return "npm is not installed"
        proc = subprocess.run(["npm", "install", "--prefix", str(JS), "--no-audit", "--no-fund", "--ignore-scripts",
                               "--loglevel=error"], capture_output=True, text=True, timeout=1200)
        if proc.returncode != 0:
            return f"npm install --prefix tests/js/cdk failed: {' '.join(proc.stderr.split())[-300:]}"
        (NODE_MODULES / MARKER).write_text(_lock_digest())
    return toolchain_reason()


def need_toolchain() -> None:
    """Install the toolchain if it is missing; skip with the reason when that cannot be done, but
    fail in CI (CI=true, as .ci/run runs), which must run these tests, never skip them."""
    reason = ensure_toolchain()
    if reason and os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI must run the CDK checks: {reason}")
    if reason:
        pytest.skip(reason)


def generate(case: AppCase, folder: Path) -> subprocess.CompletedProcess | object:
    return run_cli("convert", case.export, "--target", "cdk", "-o", folder, *case.args)


def tree(folder: Path) -> dict[str, str]:
    return {str(f.relative_to(folder)): f.read_text(encoding="utf-8") for f in sorted(folder.rglob("*"))
            if f.is_file() and "node_modules" not in f.parts}


def safe(case_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", case_id)


def compile_and_synth(apps: dict[str, Path], work: Path) -> tuple[dict[str, dict], str]:
    """tsc over every app at once, then each bin/app.js synthesised into work/out/<id>: (id -> template, tsc output)."""
    (work / "node_modules").unlink(missing_ok=True)
    (work / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
    config = {"compilerOptions": {"target": "ES2022", "module": "commonjs", "moduleResolution": "node", "lib": ["ES2022"], "strict": True,
                                  "esModuleInterop": True, "resolveJsonModule": True, "skipLibCheck": True, "outDir": "build",
                                  "rootDir": "."},
              "include": [f"apps/{safe(i)}/**/*.ts" for i in apps] + [f"apps/{safe(i)}/lib/*.json" for i in apps]}
    (work / "tsconfig.json").write_text(json.dumps(config))
    tsc = subprocess.run(["node", str(NODE_MODULES / "typescript" / "bin" / "tsc"), "-p", str(work)], cwd=work,
                         capture_output=True, text=True, timeout=600)
    if tsc.returncode != 0:
        return {}, tsc.stdout + tsc.stderr
    jobs = {i: (str(work / "build" / "apps" / safe(i) / "bin" / "app.js"), str(work / "out" / safe(i))) for i in apps}
    (work / "jobs.json").write_text(json.dumps(jobs))
    synth = subprocess.run(["node", str(JS / "synth.cjs"), str(work / "jobs.json")], cwd=work, capture_output=True, text=True, timeout=600,
                           env={**os.environ, "NODE_PATH": str(NODE_MODULES)})
    assert synth.returncode == 0, synth.stderr[-3000:]
    out = {}
    for i, (_, outdir) in jobs.items():
        found = sorted(Path(outdir).glob("*.template.json"))
        assert len(found) == 1, f"{i}: synthesised {found}"
        out[i] = json.loads(found[0].read_text())
    return out, tsc.stdout


# ---------------------------------------------------------------------------------------------
# Amplify Gen 2: the project's own backend.ts, synthesised as `ampx` does (tests/js/cdk/synth_gen2.mjs)

CDK_HASH = re.compile(r"[0-9A-F]{8}$")


@dataclass
class Gen2Synth:
    """One Gen 2 project's cloud assembly: the root stack and each nested stack (createStack, function, auth...)."""

    root: dict
    nested: dict[str, dict]  # the root's logical id of each AWS::CloudFormation::Stack -> its template
    api_stack: str  # the nested stack holding the RestApi

    @property
    def api_template(self) -> dict:
        return self.nested[self.api_stack]

    def inputs(self) -> dict[str, str]:
        """Each parameter of the API stack -> what the root stack passes it, as '<stack>/<resource>.<attribute>'
        (logical ids without CDK's hash; '<stack>' empty for the root): a prop backend.ts wired to another
        stack's resource arrives this way."""
        passed = self.root["Resources"][self.api_stack]["Properties"].get("Parameters") or {}
        out = {}
        for name in self.api_template.get("Parameters") or {}:
            assert name in passed, f"the API stack's parameter {name} gets no value from the root stack"
            out[name] = self._source(passed[name])
        return out

    def _source(self, node: Any) -> str:
        def stem(lid: str) -> str:
            return CDK_HASH.sub("", lid)

        def attribute(node: Any, stack: str) -> str:
            if isinstance(node, dict) and set(node) == {"Ref"}:
                return f"{stack}/{stem(node['Ref'])}.Ref"
            if isinstance(node, dict) and set(node) == {"Fn::GetAtt"}:
                lid, attr = node["Fn::GetAtt"]
                return f"{stack}/{stem(lid)}.{attr}"
            raise AssertionError(f"a value the test cannot trace: {json.dumps(node)[:300]}")

        if isinstance(node, dict) and set(node) == {"Fn::GetAtt"} and str(node["Fn::GetAtt"][1]).startswith("Outputs."):
            stack, output = node["Fn::GetAtt"][0], node["Fn::GetAtt"][1][len("Outputs."):]
            return attribute(self.nested[stack]["Outputs"][output]["Value"], stem(stack))
        return attribute(node, "")


def gen2_scaffold(project: Path) -> None:
    """What `npm create amplify` leaves beside amplify/ and the synth needs: package.json, its lock
    (Amplify's defineFunction looks for one to find the project root) and node_modules."""
    if not (project / "package.json").exists():
        (project / "package.json").write_text(json.dumps({"name": "gen2-app", "private": True}) + "\n")
    if not (project / "package-lock.json").exists():
        (project / "package-lock.json").write_text(json.dumps({"name": "gen2-app", "lockfileVersion": 3, "requires": True, "packages": {}}) + "\n")
    (project / "node_modules").unlink(missing_ok=True)
    (project / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)


def synth_gen2(projects: dict[str, Path], work: Path) -> dict[str, Gen2Synth]:
    """Each Gen 2 project (a folder holding amplify/backend.ts, set up by gen2_scaffold) synthesised in one
    node process: id -> its stacks."""
    jobs = {i: (str(p / "amplify" / "backend.ts"), str(work / "gen2-out" / safe(i))) for i, p in projects.items()}
    (work / "gen2-jobs.json").write_text(json.dumps(jobs))
    run = subprocess.run(["node", str(JS / "synth_gen2.mjs"), str(work / "gen2-jobs.json")], cwd=work, capture_output=True, text=True,
                         timeout=1200)
    assert run.returncode == 0, run.stderr[-3000:]
    out = {}
    for i, (_, outdir) in jobs.items():
        roots = sorted(p for p in Path(outdir).glob("*.template.json") if not p.name.endswith(".nested.template.json"))
        assert len(roots) == 1, f"{i}: synthesised {roots}"
        root = json.loads(roots[0].read_text())
        files = {h: f["source"]["path"] for h, f in json.loads(roots[0].with_name(roots[0].name.replace(".template.json", ".assets.json"))
                                                                  .read_text())["files"].items()}
        nested = {}
        for lid, res in root["Resources"].items():
            if res["Type"] == "AWS::CloudFormation::Stack":
                key = re.search(r"/([0-9a-f]{64})\.json", json.dumps(res["Properties"]["TemplateURL"])).group(1)
                nested[lid] = json.loads((Path(outdir) / files[key]).read_text())
        apis = [lid for lid, t in nested.items() if any(r["Type"] == "AWS::ApiGateway::RestApi" for r in t["Resources"].values())]
        assert len(apis) == 1, f"{i}: RestApi in nested stacks {apis}"
        out[i] = Gen2Synth(root, nested, apis[0])
    return out


# ---------------------------------------------------------------------------------------------
# Lambda permissions, read off the export independently of exporter.targets.shared

LAMBDA_URI = re.compile(r"^arn:[^:]+:apigateway:[^:]+:lambda:path/[^/]+/functions/(arn:.+)/invocations$")
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "x-amazon-apigateway-any-method"}


def invoked_functions(export: dict, stage: str) -> dict[str, set[str]]:
    """Function ARN -> the execute-api resources (after '<api id>/') API Gateway calls it from with its
    own identity: each Lambda integration and authorizer without credentials. A stage-variable
    function name is left out: no permission can name it in advance."""
    out: dict[str, set[str]] = {}

    def add(uri: Any, where: str) -> None:
        m = LAMBDA_URI.match(uri) if isinstance(uri, str) else None
        if m and "${stageVariables." not in m.group(1):
            out.setdefault(m.group(1), set()).add(where)

    for path, item in (export.get("paths") or {}).items():
        for method, op in (item or {}).items():
            integration = (op or {}).get("x-amazon-apigateway-integration") if method in HTTP_METHODS else None
            if integration and not integration.get("credentials"):
                verb = "*" if method == "x-amazon-apigateway-any-method" else method.upper()
                add(integration.get("uri"), f"{stage}/{verb}{path}")
    schemes = {**(export.get("securityDefinitions") or {}), **((export.get("components") or {}).get("securitySchemes") or {})}
    for name, scheme in schemes.items():
        authorizer = (scheme or {}).get("x-amazon-apigateway-authorizer") or {}
        if not authorizer.get("authorizerCredentials"):
            add(authorizer.get("authorizerUri"), f"authorizers/{name}")
    return out


def permission_problems(template: dict, export: dict, values: dict, api_id: str, stage: str) -> list[str]:
    """Each AWS::Lambda::Permission of `template`, resolved with `values`, against what the export's
    Lambda URIs and authorizers need: every invoked function has a permission for API Gateway whose
    SourceArn covers every method and authorizer that calls it, and no permission names another function."""
    from fnmatch import fnmatchcase

    from exporter.resolve import resolve

    needed = invoked_functions(export, stage)
    prefix = f"arn:{values['AWS::Partition']}:execute-api:{values['AWS::Region']}:{values['AWS::AccountId']}:{api_id}/"
    granted: dict[str, list[str]] = {}
    problems = []
    for lid, res in template["Resources"].items():
        if res["Type"] != "AWS::Lambda::Permission":
            continue
        p = resolve(res["Properties"], values, template)
        if (p.get("Action"), p.get("Principal")) != ("lambda:InvokeFunction", "apigateway.amazonaws.com"):
            problems.append(f"{lid}: grants {p.get('Action')} to {p.get('Principal')}")
        granted.setdefault(p["FunctionName"], []).append(p.get("SourceArn", "*"))
        if p["FunctionName"] not in needed:
            problems.append(f"{lid}: names {p['FunctionName']}, which the Body never invokes without credentials")
    for function, sources in sorted(needed.items()):
        if function not in granted:
            problems.append(f"no permission for {function} (invoked from {sorted(sources)})")
            continue
        for source in sorted(sources):
            if not any(fnmatchcase(prefix + source, arn) for arn in granted[function]):
                problems.append(f"{function}: no SourceArn of {granted[function]} covers {prefix + source}")
    return problems
