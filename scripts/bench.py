#!/usr/bin/env python3
"""Speed figures for export-to-cfn on big generated APIs. Prints ratios next to their targets;
asserts nothing (machines differ; the ratios are what we track).

    python scripts/bench.py [--runs 5] [--keep DIR]

Floor: a Python process that only loads the export and the template with the json module, puts the
export's paths into the RestApi Body and writes the template back in its own indentation (4): the least any tool
must do to produce the same file. Every figure is the median of --runs separate processes of the
same interpreter, so start-up and imports count, as they do for a user; each command first runs
once untimed, so the figures are for an installed tool (compiled bytecode, rule cache warm).
Ratios use CPU time (user + system) of the child process: on a shared machine it moves far less
than wall time, which is printed alongside.

Last recorded (Python 3.11.7, 2 shared cores, --runs 5, a quiet run of 2026-12-02; machine-dependent):
convert --in-place 3.29x the floor (1,500 methods), Amplify convert 3.71x, diff 3.50x, Amplify diff
4.03x, doubling 1.65x, re-run doubling 1.73x, --help 2.11x python -c 0. The README's Speed section has
the figures over time and where the time goes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT, REGION, ENV = "123456789012", "eu-west-1", "dev"
CFN_LIMIT = 1_000_000  # bytes; CloudFormation's maximum template body (from S3)

TARGETS = {  # name -> limit (issue 12): CPU-time ratios to the same floor
    "convert": 2.0,  # standalone-bench merge and the Amplify merge alike
    "diff": 2.5,
    "linear": 2.1,  # re-run and doubling
    "help": 4.0,
}

FLOOR = """
import json, sys
export = json.load(open(sys.argv[1], encoding="utf-8"))
template = json.load(open(sys.argv[2], encoding="utf-8"))
template["Resources"]["BenchApi"]["Properties"]["Body"]["paths"].update(export["paths"])
with open(sys.argv[3], "w", encoding="utf-8") as f:
    json.dump(template, f, indent=4)  # the template's own indentation, as convert keeps it
"""


# ---------------------------------------------------------------------------------------------
# A console-shaped export: N paths x 5 methods, integrations of every common kind.


def _cors() -> dict:
    return {
        "produces": ["application/json"],
        "responses": {"200": {"description": "200 response", "headers": {
            "Access-Control-Allow-Origin": {"type": "string"}, "Access-Control-Allow-Methods": {"type": "string"},
            "Access-Control-Allow-Headers": {"type": "string"}}}},
        "x-amazon-apigateway-integration": {
            "type": "mock", "passthroughBehavior": "when_no_match",
            "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
            "responses": {"default": {"statusCode": "200", "responseParameters": {
                "method.response.header.Access-Control-Allow-Methods": "'GET,POST,PUT,DELETE,OPTIONS'",
                "method.response.header.Access-Control-Allow-Headers": "'Content-Type,X-Amz-Date,Authorization,X-Api-Key'",
                "method.response.header.Access-Control-Allow-Origin": "'*'"}}}},
    }


def _integration(kind: int, i: int) -> dict:
    arn = f"arn:aws:%s:{REGION}:{ACCOUNT}:%s"
    role = f"arn:aws:iam::{ACCOUNT}:role/api-integration-role-{ENV}"
    if kind == 0:
        return {"type": "aws_proxy", "httpMethod": "POST", "passthroughBehavior": "when_no_match",
                "uri": f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn % ('lambda', f'function:handler{i}-{ENV}')}/invocations",
                "responses": {"default": {"statusCode": "200"}}}
    if kind == 1:
        return {"type": "aws", "httpMethod": "POST", "credentials": role, "passthroughBehavior": "when_no_templates",
                "uri": f"arn:aws:apigateway:{REGION}:states:action/StartExecution",
                "requestTemplates": {"application/json": "{\r\n  \"input\": \"$util.escapeJavaScript($input.json('$'))\",\r\n"
                                     f"  \"stateMachineArn\": \"{arn % ('states', f'stateMachine:Flow{i}-{ENV}')}\",\r\n"
                                     "  \"name\": \"${context.requestId}\"\r\n}"},
                "responses": {"default": {"statusCode": "200", "responseTemplates": {
                    "application/json": "#set($o = $input.path('$'))\n{\"executionArn\": \"$o.executionArn\", \"at\": \"$o.startDate\"}"}}}}
    if kind == 2:
        return {"type": "aws", "httpMethod": "POST", "credentials": role, "passthroughBehavior": "never",
                "uri": f"arn:aws:apigateway:{REGION}:sqs:path/{ACCOUNT}/jobs{i}-{ENV}.fifo",
                "requestParameters": {"integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"},
                "requestTemplates": {"application/json": "Action=SendMessage&MessageGroupId=$context.requestId&MessageBody=$util.urlEncode($input.body)"},
                "responses": {"default": {"statusCode": "200"}, "4\\d{2}": {"statusCode": "400"}}}
    if kind == 3:
        return {"type": "aws", "httpMethod": "POST", "credentials": role, "passthroughBehavior": "when_no_templates",
                "uri": f"arn:aws:apigateway:{REGION}:dynamodb:action/GetItem",
                "requestTemplates": {"application/json": f"{{\"TableName\": \"Orders{i}-{ENV}\", \"Key\": {{\"id\": {{\"S\": \"$input.params('id')\"}}}}}}"},
                "responses": {"default": {"statusCode": "200", "responseTemplates": {
                    "application/json": "#set($item = $input.path('$.Item'))\n{\"id\": \"$item.id.S\", \"total\": $item.total.N}"}}}}
    return {"type": "http_proxy", "httpMethod": "ANY", "passthroughBehavior": "when_no_match",
            "uri": f"https://backend.example.com/v1/items/{i}/{{id}}", "requestParameters": {"integration.request.path.id": "method.request.path.id"},
            "responses": {"default": {"statusCode": "200"}}}


def make_export(paths: int) -> dict:
    out: dict = {}
    for i in range(paths):
        item: dict = {}
        for j, method in enumerate(("get", "post", "put", "delete")):
            kind = (i * 4 + j) % 5
            item[method] = {
                "produces": ["application/json"],
                "parameters": [{"name": "id", "in": "path", "required": True, "type": "string"}],
                "responses": {"200": {"description": "200 response", "schema": {"$ref": f"#/definitions/Item{i % 20}"}}},
                "security": [{"cognito": []}] if j % 2 else [{"sigv4": []}],
                "x-amazon-apigateway-integration": _integration(kind, i),
            }
        item["options"] = _cors()
        out[f"/area{i // 50}/items{i}/{{id}}"] = item
    definitions = {f"Item{k}": {"type": "object", "required": ["id"], "properties": {
        "id": {"type": "string"}, "total": {"type": "number"}, "tags": {"type": "array", "items": {"type": "string"}}},
        "title": f"Item {k}"} for k in range(20)}
    return {
        "swagger": "2.0",
        "info": {"version": "2026-01-01T00:00:00Z", "title": "BenchApi"},
        "host": f"a1b2c3d4e5.execute-api.{REGION}.amazonaws.com",
        "basePath": f"/{ENV}",
        "schemes": ["https"],
        "paths": out,
        "securityDefinitions": {
            "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"},
            "cognito": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "cognito_user_pools",
                        "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": [
                            f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{REGION}_AbCdEf123"]}},
        },
        "definitions": definitions,
        "x-amazon-apigateway-policy": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
            "Resource": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:a1b2c3d4e5/*"}]},
    }


def make_template() -> dict:
    """An Amplify-shaped API template whose Body holds one older route."""
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "API Gateway resource stack creation using Amplify CLI",
        "Parameters": {"authRoleName": {"Type": "String"}, "unauthRoleName": {"Type": "String"}, "env": {"Type": "String"}},
        "Conditions": {"ShouldNotCreateEnvResources": {"Fn::Equals": [{"Ref": "env"}, "NONE"]}},
        "Resources": {
            "BenchApi": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "BenchApi", "Description": "", "FailOnWarnings": True, "Body": {
                "swagger": "2.0", "info": {"version": "2018-05-24T17:52:00Z", "title": "BenchApi"},
                "host": {"Fn::Join": ["", ["apigateway.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]},
                "basePath": {"Fn::If": ["ShouldNotCreateEnvResources", "/Prod", {"Fn::Join": ["", ["/", {"Ref": "env"}]]}]},
                "schemes": ["https"],
                "paths": {"/legacy": {"options": _cors()}},
            }}},
            "DeploymentAPIGWBenchApi": {"Type": "AWS::ApiGateway::Deployment", "Properties": {
                "Description": "The Development stage deployment of your API.", "RestApiId": {"Ref": "BenchApi"},
                "StageName": {"Fn::If": ["ShouldNotCreateEnvResources", "Prod", {"Ref": "env"}]}}},
        },
        "Outputs": {"ApiId": {"Description": "API ID (prefix of API URL)", "Value": {"Ref": "BenchApi"}}},
    }


# ---------------------------------------------------------------------------------------------
# Timing


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    # An installed tool runs from compiled bytecode (pip compiles at install): let the warm-up run
    # write __pycache__, or every timed run would compile the package from source again (~40 ms).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _run(cmd: list[str], ok=(0,)) -> tuple[float, float]:  # noqa: ANN001
    """(wall, cpu) seconds of one process; cpu = user + system time of the child alone."""
    env = _env()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in ok:
        sys.exit(f"bench: {' '.join(cmd[:4])}... exited {proc.returncode}:\n{err.decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def timed(commands: dict[str, tuple], runs: int) -> dict[str, float]:
    """Median CPU and wall time of `runs` fresh processes per command ("name" and "name wall").
    The commands take turns, so a busy machine slows all of them alike. CPU time (user + system)
    is what the ratios use: on a shared machine it barely moves, while wall time follows the load.
    Each value: (cmd, before, ok codes); `before` runs untimed ahead of each process."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for cmd, before, ok in commands.values():  # warm-up, untimed: bytecode, rule cache, disk cache
        if before:
            before()
        _run(cmd, ok)
    for _ in range(runs):
        for name, (cmd, before, ok) in commands.items():
            if before:
                before()
            times[name].append(_run(cmd, ok))
    out = {}
    for name, ts in times.items():
        out[name] = statistics.median(c for _, c in ts)
        out[name + " wall"] = statistics.median(w for w, _ in ts)
    return out


def has_command(name: str) -> bool:
    return subprocess.run([sys.executable, "-m", "exporter", name, "--help"], capture_output=True, env=_env(), cwd=ROOT).returncode == 0


def verdict(ratio: float, limit: float) -> str:
    return f"{ratio:5.2f}x  (target <= {limit}x: {'ok' if ratio <= limit else 'MISSED'})"


class Case:
    def __init__(self, folder: Path, paths: int):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.export = folder / "export.json"
        self.pristine = folder / "template.orig.json"
        self.template = folder / "BenchApi-cloudformation-template.json"
        self.floor_out = folder / "floor-out.json"
        self.converted = folder / "template.converted.json"
        self.export.write_text(json.dumps(make_export(paths), indent=2), encoding="utf-8")
        self.pristine.write_text(json.dumps(make_template(), indent=4), encoding="utf-8")
        self.methods = paths * 5

    def reset(self) -> None:
        shutil.copyfile(self.pristine, self.template)

    def reset_converted(self) -> None:
        """The template as a first convert left it: the re-run after a new export changes little."""
        if not self.converted.exists():
            self.reset()
            _run([sys.executable, "-m", "exporter", "convert", str(self.export), "--template", str(self.template), "--in-place"])
            shutil.copyfile(self.template, self.converted)
        shutil.copyfile(self.converted, self.template)


# ---------------------------------------------------------------------------------------------
# The canonical case: the export merged --in-place into an Amplify project (classic layout) with
# backend-config.json, amplify-meta.json, the env checked out, and a stepFunction custom resource
# whose output the export's literals bind to.


def make_stepfunction_template() -> dict:
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"env": {"Type": "String"}},
        "Resources": {"StateMachine": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
            "StateMachineName": {"Fn::Join": ["-", ["Flow0", {"Ref": "env"}]]},
            "DefinitionString": "{\"StartAt\": \"Done\", \"States\": {\"Done\": {\"Type\": \"Succeed\"}}}",
            "RoleArn": {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:role/flow-role-${env}"}}}},
        "Outputs": {"StateMachineArn": {"Value": {"Ref": "StateMachine"}},
                    "StateMachineName": {"Value": {"Fn::GetAtt": ["StateMachine", "Name"]}}},
    }


class AmplifyCase(Case):
    """Case's export and template, the template inside an Amplify project."""

    def __init__(self, folder: Path, paths: int):
        super().__init__(folder, paths)
        amplify = folder / "project" / "amplify"
        backend = amplify / "backend"
        api_dir = backend / "api" / "BenchApi"
        for d in (api_dir, backend / "custom" / "stepFunction", amplify / ".config"):
            d.mkdir(parents=True, exist_ok=True)
        self.template = api_dir / "BenchApi-cloudformation-template.json"
        self.backend_config = backend / "backend-config.json"
        self.pristine_config = folder / "backend-config.orig.json"
        self.pristine_config.write_text(json.dumps({
            "api": {"BenchApi": {"service": "API Gateway", "providerPlugin": "awscloudformation", "dependsOn": []}},
            "custom": {"stepFunction": {"service": "customCloudformation", "providerPlugin": "awscloudformation", "dependsOn": []}},
        }, indent=2) + "\n", encoding="utf-8")
        state_machine = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:Flow0-{ENV}"
        (backend / "amplify-meta.json").write_text(json.dumps({
            "providers": {"awscloudformation": {"Region": REGION, "StackName": f"amplify-bench-{ENV}-12345",
                                                "StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/amplify-bench-{ENV}-12345/0f1e2d3c"}},
            "api": {"BenchApi": {"service": "API Gateway", "output": {"ApiName": "BenchApi", "ApiId": "a1b2c3d4e5"}}},
            "custom": {"stepFunction": {"service": "customCloudformation", "output": {"StateMachineArn": state_machine, "StateMachineName": f"Flow0-{ENV}"}}},
        }, indent=2) + "\n", encoding="utf-8")
        (backend / "custom" / "stepFunction" / "stepFunction-cloudformation-template.json").write_text(
            json.dumps(make_stepfunction_template(), indent=2) + "\n", encoding="utf-8")
        (amplify / ".config" / "local-env-info.json").write_text(json.dumps({"envName": ENV}) + "\n", encoding="utf-8")
        self.converted_config = folder / "backend-config.converted.json"
        self.parameters = api_dir / "parameters.json"
        self.converted_parameters = folder / "parameters.converted.json"

    def reset(self) -> None:
        super().reset()
        shutil.copyfile(self.pristine_config, self.backend_config)
        self.parameters.unlink(missing_ok=True)  # where convert records the user pool id (no team-provider-info.json)

    def reset_converted(self) -> None:
        if not self.converted.exists():
            self.reset()
            _run([sys.executable, "-m", "exporter", "convert", str(self.export), "--template", str(self.template), "--in-place"])
            shutil.copyfile(self.template, self.converted)
            shutil.copyfile(self.backend_config, self.converted_config)
            shutil.copyfile(self.parameters, self.converted_parameters)
        shutil.copyfile(self.converted, self.template)
        shutil.copyfile(self.converted_config, self.backend_config)
        shutil.copyfile(self.converted_parameters, self.parameters)


def measure(case: Case, runs: int, diff: bool) -> dict:
    py = sys.executable
    commands = {
        "floor": ([py, "-c", FLOOR, str(case.export), str(case.pristine), str(case.floor_out)], None, (0,)),
        "convert": ([py, "-m", "exporter", "convert", str(case.export), "--template", str(case.template), "--in-place"], case.reset, (0,)),
        "rerun": ([py, "-m", "exporter", "convert", str(case.export), "--template", str(case.template), "--in-place"], case.reset_converted, (0,)),
    }
    if diff:
        commands["diff"] = ([py, "-m", "exporter", "diff", str(case.export), "--template", str(case.template), "--format", "json"], case.reset, (0, 1))
    out = timed(commands, runs)
    case.reset()
    _run(commands["convert"][0])
    out["size"] = case.template.stat().st_size
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="processes per figure (median)")
    ap.add_argument("--keep", type=Path, help="write the generated files here and keep them")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="e2c-bench-"))
    try:
        diff = has_command("diff")
        small, big = Case(work / "m1500", 300), Case(work / "m3000", 600)
        print(f"python {sys.version.split()[0]}; {args.runs} runs per figure (median); files in {work}")
        print(f"export: {small.methods:,} methods = {small.export.stat().st_size / 1e6:.2f} MB; "
              f"{big.methods:,} methods = {big.export.stat().st_size / 1e6:.2f} MB")
        amp = AmplifyCase(work / "amplify-m1500", 300)
        s = measure(small, args.runs, diff)
        b = measure(big, args.runs, diff)
        a = measure(amp, args.runs, diff)
        start = timed({"bare": ([sys.executable, "-c", "0"], None, (0,)),
                       "help": ([sys.executable, "-m", "exporter", "--help"], None, (0,))}, args.runs * 2)
        bare, helps = start["bare"], start["help"]
        print()
        print("CPU time (user+sys), median; wall time in brackets")
        for label, key in (("floor (json load both, write template)", "floor"), ("convert --in-place", "convert"),
                           ("convert again (template holds the routes)", "rerun"), ("diff --format json", "diff")):
            if key in s:
                print(f"{label:40s} 1,500: {s[key] * 1000:6.0f} ms [{s[key + ' wall'] * 1000:6.0f}]   "
                      f"3,000: {b[key] * 1000:6.0f} ms [{b[key + ' wall'] * 1000:6.0f}]")
        for label, key in (("Amplify: convert --in-place", "convert"), ("Amplify: convert again", "rerun"), ("Amplify: diff --format json", "diff")):
            if key in a:
                print(f"{label:40s} 1,500: {a[key] * 1000:6.0f} ms [{a[key + ' wall'] * 1000:6.0f}]   (floor {a['floor'] * 1000:.0f} ms)")
        print(f"{'python -c 0':40s} {bare * 1000:6.0f} ms [{start['bare wall'] * 1000:6.0f}]")
        print(f"{'export-to-cfn --help':40s} {helps * 1000:6.0f} ms [{start['help wall'] * 1000:6.0f}]")
        print()
        print(f"convert --in-place / floor (1,500)      {verdict(s['convert'] / s['floor'], TARGETS['convert'])}")
        print(f"Amplify convert --in-place / floor      {verdict(a['convert'] / a['floor'], TARGETS['convert'])}")
        if diff:
            print(f"Amplify diff --format json / floor      {verdict(a['diff'] / a['floor'], TARGETS['diff'])}")
        if diff:
            print(f"diff --format json / floor (1,500)      {verdict(s['diff'] / s['floor'], TARGETS['diff'])}")
        else:
            print("diff --format json / floor (1,500)      n/a (diff not available)")
        print(f"convert 3,000 / 1,500 methods           {verdict(b['convert'] / s['convert'], TARGETS['linear'])}")
        print(f"convert again 3,000 / 1,500 methods     {verdict(b['rerun'] / s['rerun'], TARGETS['linear'])}")
        if diff:
            print(f"diff 3,000 / 1,500 methods              {verdict(b['diff'] / s['diff'], TARGETS['linear'])}")
        print(f"--help / python -c 0                    {verdict(helps / bare, TARGETS['help'])}")
        print()
        for label, r in (("1,500", s), ("3,000", b)):
            note = "over" if r["size"] > CFN_LIMIT else "under"
            print(f"converted template ({label} methods): {r['size']:,} bytes, {note} CloudFormation's {CFN_LIMIT:,}-byte limit")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
