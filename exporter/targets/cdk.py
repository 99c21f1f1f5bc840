"""Destination: a plain AWS CDK app. The converted Body goes to a JSON file with its intrinsics; a
TypeScript construct builds a SpecRestApi from it (ApiDefinition.fromInline), with the export's stage
and the Lambda permissions a spec-based API does not get by itself; every template parameter the Body
binds becomes a typed construct prop, substituted into the Body's Ref / Fn::Sub by the construct
(pseudo parameters such as AWS::Region stay as they are). A minimal bin/app.ts instantiates it with
the export's own values as example props.

The construct and Body are regenerated on every run (they carry a marker line); the app entry and the
scaffold (package.json, tsconfig.json, cdk.json) are written only when absent, never overwritten.
Plain data in, plain data out: exporter.io reads the current files before, the CLI writes after.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exporter.errors import InternalError, UserError
from exporter.io.write import pretty_json
from exporter.merge import REST_API
from exporter.model import note
from exporter.resolve import names_used
from exporter import stage as stages
from exporter.targets.base import Built
from exporter.targets.shared import PERMISSION

MARKER = "// Written by export-to-cfn"
# The versions tests/js/cdk/package.json pins (the test suite compiles and synthesises against them).
CDK_VERSIONS = {"aws-cdk-lib": "2.276.0", "constructs": "10.8.1", "typescript": "5.9.3"}
PSEUDO_TS = {
    "AWS::AccountId": "cdk.Aws.ACCOUNT_ID", "AWS::Region": "cdk.Aws.REGION", "AWS::Partition": "cdk.Aws.PARTITION",
    "AWS::URLSuffix": "cdk.Aws.URL_SUFFIX", "AWS::StackName": "cdk.Aws.STACK_NAME", "AWS::StackId": "cdk.Aws.STACK_ID",
    "AWS::NoValue": "cdk.Aws.NO_VALUE", "AWS::NotificationARNs": "cdk.Aws.NOTIFICATION_ARNS",
}


@dataclass
class Destination:
    """Where a CDK / Amplify Gen 2 target writes, and what is there now (read by exporter.io.cdk)."""

    kind: str  # "cdk" or "amplify-gen2"
    root: Path  # the CDK app folder, or the Gen 2 project's amplify/ folder
    texts: dict[Path, str] = field(default_factory=dict)  # current text of each file the target may write
    backend: Any = None  # exporter.targets.amplify_gen2.Backend facts (Gen 2 only)


@dataclass
class Prop:
    name: str  # the template parameter the Body binds, as the construct prop
    example: Any  # the export's own value
    doc: str


@dataclass
class Construct:
    """What both CDK destinations generate from one conversion."""

    class_name: str
    props: list[Prop]
    body: dict
    stage: str
    stage_prop: str | None  # a prop the stage name follows (env), or None: a literal stage
    name_ts: str  # restApiName, as a TypeScript expression
    permissions: list[tuple[str, str]]  # (construct id, functionName as a TypeScript expression)
    stage_variables: list[str] = field(default_factory=list)  # names the Body reads (${stageVariables.X}, $stageVariables.X)
    stage_values: dict[str, str] = field(default_factory=dict)  # their values, from --stage / --stage-variable

    def body_json(self) -> str:
        return pretty_json(self.body) + "\n"


# what the generated files import or declare themselves: a class of that name would clash
TAKEN_NAMES = {"Construct", "App", "Stack", "CfnOutput", "cdk", "apigateway", "lambda", "body", "bind", "Object", "Array", "Record", "String"}
def class_name(title: Any) -> str:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", str(title or "")) if w]
    name = "".join(w[:1].upper() + w[1:] for w in words) or "RestApi"
    name = name if name[0].isalpha() else "Api" + name
    return name + "Api" if name in TAKEN_NAMES else name


def ts_string(text: str) -> str:
    """A TypeScript string literal (JSON's escaping is valid TypeScript)."""
    return json.dumps(text, ensure_ascii=False)


def ts_expr(node: Any, props: set[str]) -> str:
    """An intrinsic (Ref, Fn::Sub, Fn::Join) as a TypeScript expression over cdk.Fn/cdk.Aws and `props`."""
    if isinstance(node, str):
        return ts_string(node)
    if isinstance(node, dict) and len(node) == 1:
        (key, arg), = node.items()
        if key == "Ref" and arg in PSEUDO_TS:
            return PSEUDO_TS[arg]
        if key == "Ref" and arg in props:
            return f"props.{arg}"
        if key == "Fn::Sub" and isinstance(arg, str):
            used = sorted(n for n in names_used(node) if n in props)
            variables = "{ " + ", ".join(f"{n}: props.{n}" for n in used) + " }" if used else ""
            return f"cdk.Fn.sub({ts_string(arg)}{', ' + variables if variables else ''})"
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
            return f"cdk.Fn.join({ts_string(arg[0])}, [{', '.join(ts_expr(v, props) for v in arg[1])}])"
    raise InternalError(f"no TypeScript form for {json.dumps(node)[:200]}; nothing was written (this is a bug, please report it)")


def build_construct(conv: Any) -> Construct:
    """The construct's parts from a standalone conversion (conv.template: RestApi + Deployment + Stage)."""
    template = conv.template
    resources = template["Resources"]
    api = next((lid for lid, r in resources.items() if r.get("Type") == REST_API), None)
    if api is None:  # pragma: no cover - the standalone template always has one
        raise InternalError("no RestApi in the standalone template (this is a bug, please report it)")
    body = resources[api]["Properties"]["Body"]
    params = template.get("Parameters") or {}
    used = names_used(body)
    unknown = sorted(n for n in used if not n.startswith("AWS::") and n not in params)
    if unknown:
        raise InternalError(f"the Body names {', '.join(unknown)}, which is no parameter (this is a bug, please report it)")
    values = conv.values
    props = []
    for name in params:
        if name not in used and not _used_by_permissions(resources, name):
            continue
        if not re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", name):
            raise UserError(f"parameter {name!r} is not a TypeScript identifier; rename it with --bind")
        if name in ("deployOptions", "stageVariables"):
            raise UserError(f"parameter {name!r} would clash with the construct's own prop of that name; rename it with --bind")
        example = values.get(name, (params[name] or {}).get("Default"))
        props.append(Prop(name, example, f"Bound in the Body where the export has {json.dumps(example)}"))
    prop_names = {p.name for p in props}
    settings = getattr(conv, "stage", None)
    stage = (settings.stage_name if settings is not None and settings.stage_name else None) or conv.home.stage or "v1"
    env_param = conv.ctx.env_param  # env, or the name it gave way to (env2) when the output had an env of another kind
    stage_prop = env_param if env_param in prop_names and values.get(env_param) == stage else None
    permissions = []
    for lid, res in resources.items():
        if res.get("Type") == PERMISSION:
            permissions.append((lid, ts_expr(res["Properties"]["FunctionName"], prop_names)))
    name = resources[api]["Properties"].get("Name") or class_name((body.get("info") or {}).get("title"))
    # the export's (exporter.stage.variables_used: every form API Gateway reads; an export carries no values)
    used = list(settings.variables_used) if settings is not None else stages.variables_used(conv.export or {})
    c = Construct(class_name((body.get("info") or {}).get("title")), props, body, stage, stage_prop, ts_expr(name, prop_names), permissions,
                  used)
    if settings is not None:  # exporter.stage: the values --stage / --stage-variable gave (parameter defaults of the Stage)
        for var, param in settings.variable_params.items():
            default = (params.get(param) or {}).get("Default")
            if default is not None:
                c.stage_values[var] = str(default)
        c.stage_variables = sorted(set(c.stage_variables) | set(c.stage_values))
    return c


def _used_by_permissions(resources: dict, name: str) -> bool:
    return any(name in names_used(r.get("Properties")) for r in resources.values() if r.get("Type") == PERMISSION)


BIND_FUNCTION = '''
/** The Body with every `Ref` to a prop replaced by its value and every prop an `Fn::Sub` names given
 * to it as a variable; pseudo parameters (AWS::Region, ...) and everything else stay as they are. */
function bind(node: unknown, values: Record<string, string>): unknown {
  if (Array.isArray(node)) return node.map((item) => bind(item, values));
  if (node === null || typeof node !== 'object') return node;
  const entries = Object.entries(node as Record<string, unknown>);
  if (entries.length === 1) {
    const [key, arg] = entries[0];
    if (key === 'Ref' && typeof arg === 'string' && arg in values) return values[arg];
    if (key === 'Fn::Sub') {
      const [text, given] = typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, unknown>]);
      const variables: Record<string, unknown> = bind(given, values) as Record<string, unknown>;
      for (const name of Object.keys(values)) {
        if (!(name in variables) && text.includes('${' + name + '}')) variables[name] = values[name];
      }
      return Object.keys(variables).length ? { 'Fn::Sub': [text, variables] } : { 'Fn::Sub': text };
    }
  }
  return Object.fromEntries(entries.map(([key, value]) => [key, bind(value, values)]));
}
'''


def construct_ts(c: Construct, *, body_import: str, command: str) -> str:
    """The construct's TypeScript source."""
    lines = [
        f"{MARKER} from an API Gateway export: regenerate it rather than edit it",
        f"// ({command}).",
        "import * as cdk from 'aws-cdk-lib';",
        "import * as apigateway from 'aws-cdk-lib/aws-apigateway';",
    ]
    if c.permissions:
        lines.append("import * as lambda from 'aws-cdk-lib/aws-lambda';")
    lines += ["import { Construct } from 'constructs';", f"import body from '{body_import}';", ""]
    lines.append(f"export interface {c.class_name}Props {{")
    for p in c.props:
        lines.append(f"  /** {p.doc}. */")
        lines.append(f"  readonly {p.name}: string;")
    if c.stage_variables:
        lines.append("  /** The stage variables the Body reads (an export carries no values: they live on the stage). */")
        lines.append("  readonly stageVariables: { " + " ".join(f"readonly {v}: string;" for v in c.stage_variables) + " };")
    lines.append("  /** Stage options over the export's (stage name, variables, throttling, logging...). */")
    lines.append("  readonly deployOptions?: apigateway.StageOptions;")
    lines += ["}", ""]
    lines.append(f"/** The REST API as the export says it runs: a SpecRestApi over {c.class_name}'s Body. */")
    lines.append(f"export class {c.class_name} extends Construct {{")
    lines.append("  public readonly api: apigateway.SpecRestApi;")
    lines.append("")
    default = "" if c.props or c.stage_variables else " = {}"
    lines.append(f"  constructor(scope: Construct, id: string, props: {c.class_name}Props{default}) {{")
    lines.append("    super(scope, id);")
    values = ", ".join(f"{p.name}: props.{p.name}" for p in c.props)
    lines.append(f"    const values: Record<string, string> = {{ {values} }};" if values else "    const values: Record<string, string> = {};")
    stage = f"props.{c.stage_prop}" if c.stage_prop else ts_string(c.stage)
    lines += [
        "    this.api = new apigateway.SpecRestApi(this, 'RestApi', {",
        f"      restApiName: {c.name_ts},",
        "      apiDefinition: apigateway.ApiDefinition.fromInline(bind(body, values)),",
        "      cloudWatchRole: false, // an account-wide setting: left to whoever owns the account",
        f"      deployOptions: {{ stageName: {stage}, {'variables: { ...props.stageVariables }, ' if c.stage_variables else ''}...props.deployOptions }},",
        "    });",
    ]
    for lid, function in c.permissions:
        lines += [
            "    // API Gateway calls this function with its own identity (no credentials role): a spec-based API gets no permission by itself.",
            "    // <api id>/* covers its authorizers (<api id>/authorizers/<id>) too; arnForExecuteApi()'s /*/*/* does not",
            f"    new lambda.CfnPermission(this, {ts_string(lid)}, {{",
            "      action: 'lambda:InvokeFunction',",
            "      principal: 'apigateway.amazonaws.com',",
            f"      functionName: {function},",
            "      sourceArn: cdk.Stack.of(this).formatArn({ service: 'execute-api', resource: this.api.restApiId, resourceName: '*' }),",
            "    });",
        ]
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n" + BIND_FUNCTION


def example_props(c: Construct, indent: str) -> list[str]:
    out = [f"{indent}{p.name}: {ts_string(str(p.example)) if p.example is not None else ts_string('')}," for p in c.props]
    if c.stage_variables:
        if any(v not in c.stage_values for v in c.stage_variables):
            out.append(f"{indent}// 'unset': the export has no stage variable values (give them with --stage or --stage-variable)")
        out.append(f"{indent}stageVariables: {{ " + ", ".join(f"{v}: {ts_string(c.stage_values.get(v, 'unset'))}" for v in c.stage_variables) + " },")
    return out


def stage_warnings(c: Construct, where: str) -> list:
    from exporter.model import warning

    out = []
    missing = [v for v in c.stage_variables if v not in c.stage_values]
    if missing:
        out.append(warning("stage-variables", f"the Body reads stage variable(s) {', '.join(missing)}; the export has no values, so "
                                              f"{where} passes 'unset' for each: set them (prop stageVariables, or --stage / --stage-variable)"))
    return out


def app_ts(c: Construct) -> str:
    lines = [
        f"{MARKER}: a minimal app around the {c.class_name} construct. Yours to edit: never overwritten.",
        "import * as cdk from 'aws-cdk-lib';",
        f"import {{ {c.class_name} }} from '../lib/{c.class_name}';",
        "",
        "const app = new cdk.App();",
        f"const stack = new cdk.Stack(app, '{c.class_name}Stack');",
        "// Example props: the values the export ran with. Pass your own (other stacks' outputs, per environment).",
        f"const api = new {c.class_name}(stack, '{c.class_name}', {{",
        *example_props(c, "  "),
        "});",
        "new cdk.CfnOutput(stack, 'Endpoint', { value: api.api.url });",
        "app.synth();",
    ]
    return "\n".join(lines) + "\n"


TSCONFIG = {
    "compilerOptions": {
        "target": "ES2022", "module": "commonjs", "moduleResolution": "node", "lib": ["ES2022"], "strict": True,
        "esModuleInterop": True, "resolveJsonModule": True, "skipLibCheck": True, "outDir": "build", "rootDir": ".",
    },
    "include": ["bin/**/*.ts", "lib/**/*.ts", "lib/**/*.json"],
}


def scaffold(c: Construct) -> dict[str, str]:
    package = {
        "name": re.sub(r"[^a-z0-9-]+", "-", c.class_name.lower()) + "-cdk",
        "private": True,
        "scripts": {"build": "tsc", "synth": "tsc && CDK_OUTDIR=cdk.out node build/bin/app.js"},
        "dependencies": {"aws-cdk-lib": CDK_VERSIONS["aws-cdk-lib"], "constructs": CDK_VERSIONS["constructs"]},
        "devDependencies": {"typescript": CDK_VERSIONS["typescript"]},
    }
    return {
        "package.json": pretty_json(package) + "\n",
        "tsconfig.json": pretty_json(TSCONFIG) + "\n",
        "cdk.json": pretty_json({"app": "node build/bin/app.js"}) + "\n",
    }


def ours(text: str | None) -> bool:
    """Was this file written by export-to-cfn (and so may be regenerated)?"""
    return text is None or MARKER in text.split("\n", 1)[0]


def refuse_foreign(generated: dict[Path, str], dest: Destination, ts: Path) -> None:
    """A generated file may replace only what export-to-cfn wrote: the construct `ts` with the marker
    line, or the Body JSON next to such a construct."""
    for path in generated:
        if path in dest.texts and (ts not in dest.texts or not ours(dest.texts[ts])):
            raise UserError(f"exists and was not written by export-to-cfn (no '{MARKER}' first line in {ts.name}); "
                            "move it or pick another -o", file=str(path))


class CdkApp:
    """--target cdk: lib/<Api>.ts + lib/<Api>.body.json (regenerated), bin/app.ts and the scaffold (when absent)."""

    name = "cdk"

    @staticmethod
    def applies(conv: Any) -> bool:
        return getattr(conv, "destination", None) is not None and conv.destination.kind == "cdk"

    def build(self, conv: Any) -> Built:
        dest: Destination = conv.destination
        c = build_construct(conv)
        conv.report.declared_params = []  # no template is written: its parameters are the construct's props (the note says which)
        built = Built(conv.template, write_template=False)
        generated = {
            dest.root / "lib" / f"{c.class_name}.ts": construct_ts(c, body_import=f"./{c.class_name}.body.json",
                                                                    command="export-to-cfn convert EXPORT --target cdk"),
            dest.root / "lib" / f"{c.class_name}.body.json": c.body_json(),
        }
        refuse_foreign(generated, dest, dest.root / "lib" / f"{c.class_name}.ts")
        once = {dest.root / "bin" / "app.ts": app_ts(c), **{dest.root / k: v for k, v in scaffold(c).items()}}
        files = dict(generated)
        for path, text in once.items():
            if path in dest.texts:
                built.notes.append(note("cdk-file-kept", f"kept {path} (exists; written only when absent)"))
            else:
                files[path] = text
        built.files = {p: t for p, t in files.items() if dest.texts.get(p) != t}
        built.notes.append(note("cdk-construct", f"construct {c.class_name}: props {', '.join(p.name for p in c.props) or '(none)'}; stage "
                           f"{'props.' + c.stage_prop if c.stage_prop else c.stage}; {len(c.permissions)} Lambda permission(s)"))
        built.warnings += stage_warnings(c, "bin/app.ts")
        return built


def gen1_differences(merged: Any, project: Any) -> list:
    """What the Gen 1 API template says that the export does not, from the conversion merged into it
    (what `diff` would show): the export is what runs and is what the construct holds; each
    difference is reported so no hand edit or override.ts change goes silently."""
    from exporter.model import warning

    r = merged.report
    out = []
    for rt in r.added_routes:
        out.append(note("gen1-console-only", f"Gen 1 template vs export: {rt} only in the export (added in the console): in the construct"))
    for rt in r.replaced_routes:
        out.append(note("gen1-changed", f"Gen 1 template vs export: {rt} differs (console or hand edit): the construct has the export's"))
    for rt in r.kept_routes:
        out.append(warning("gen1-template-only", f"Gen 1 template vs export: {rt} only in the template (never deployed, or removed in "
                                                 "the console): not in the construct; add it in the console and export again if it should exist"))
    for key in r.kept_keys:
        out.append(warning("gen1-template-only", f"Gen 1 template vs export: Body key {key} only in the template: not in the construct"))
    for finding in merged.security:
        out.append(warning("gen1-security", f"Gen 1 template vs export (security, {finding.severity}): {finding}"))
    if project is not None and project.override_text is not None:
        out += override_findings(project.override_text, project.api_dir / "override.ts")
    return out


OVERRIDE_FUNCTION = re.compile(r"export\s+function\s+override\s*\(")


def override_findings(text: Any, path: Path) -> list:
    """What the Gen 1 override.ts does, one finding per statement of its override(): Amplify applies
    it at push, so its effect is in the export only if that push ran; the construct copies none of it.
    The empty stub Amplify writes says nothing, and neither does the override export-to-cfn wrote
    (it only sets the Body, which the construct holds)."""
    from exporter.model import warning
    from exporter.targets.amplify_classic import OVERRIDE_MARK

    if isinstance(text, UserError):  # unreadable: say so rather than pass over it
        return [warning("gen1-override", f"{path}: {text}; what it overrides is not compared with the construct")]
    if OVERRIDE_MARK in text:  # (amplify_cli7 refuses to replace an override.ts without it, as hand-written)
        return [note("gen1-override", f"{path}: written by export-to-cfn (it sets the Body to a converted export): nothing else to carry")]
    found = OVERRIDE_FUNCTION.search(text)
    if found is None:
        return [warning("gen1-override", f"{path}: no `export function override(...)` in it: compare it with the construct by hand")]
    statements = override_statements(text, found.end())
    return [warning("gen1-override", f"{path} line {line}: `{shorten(stmt)}`: Amplify applies it at push (so its effect is in the export "
                                     "only if that push ran); not copied into the construct, carry it over by hand if it is still needed")
            for line, stmt in statements]


def shorten(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def override_statements(text: str, start: int) -> list[tuple[int, str]]:
    """The top-level statements of the function whose parameter list opens just before `start`:
    (line number, text), comments dropped. A statement ends at `;`, or at a line end where every
    bracket is closed and nothing says it goes on (an operator, a comma, a leading `.`)."""
    i, depth, n = start, 1, len(text)
    while i < n and depth:  # the parameter list
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        i += 1
    i = text.find("{", i)
    if i < 0:
        return []
    i += 1
    out: list[tuple[int, str]] = []
    current, line_of, depth = [], None, 0

    def flush() -> None:
        nonlocal current, line_of
        stmt = "".join(current).strip()
        if stmt:
            out.append((line_of, stmt))
        current, line_of = [], None

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            i = text.find("\n", i) if text.find("\n", i) >= 0 else n
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if c in "'\"`":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            if line_of is None:
                line_of = text.count("\n", 0, i) + 1
            current.append(text[i:j + 1])
            i = j + 1
            continue
        if c == "}" and depth == 0:  # the end of override()
            flush()
            break
        if c in "({[":
            depth += 1
        elif c in ")}]":
            depth -= 1
        if depth == 0 and (c == ";" or (c == "\n" and "".join(current).strip()
                                        and not "".join(current).rstrip().endswith(tuple("=,+-*/&|?:.({["))
                                        and not text[i + 1:].lstrip().startswith((".", "?", ":")))):
            flush()
        else:
            if line_of is None and not c.isspace():
                line_of = text.count("\n", 0, i) + 1
            current.append(c)
        i += 1
    return out
