"""--target cdk, proven with the real toolchain: every case (fixtures/cdk/*/case.json and every corpus
REST export) converts to a CDK app whose TypeScript compiles with the real `typescript` against the
real `aws-cdk-lib`; app.synth() gives a template whose RestApi Body resolves to the export (the
project's resolver, tests/semantic.py), that cfn-lint finds no error in and that moto deploys, with
the Body moto resolved equal to the export. The generated files of fixtures/cdk/* match their goldens
(refresh: python scripts/refresh_goldens.py --cdk)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from exporter.resolve import resolve

from cdk_apps import app_cases, cases_of, compile_and_synth, generate, need_toolchain, permission_problems, safe, tree
from semantic import already_resolved, differences, home_of
from test_moto import deployable, without_nulls

PARAMS = app_cases()  # a visible corpus-absent skip when ../shared/corpus is not there
CASES = cases_of(PARAMS)
TOKENS = "stepfunctions-gen1-tokens"
TOKEN_APP = """import * as cdk from 'aws-cdk-lib';
import { HelloApi } from '../lib/HelloApi';

const app = new cdk.App();
const stack = new cdk.Stack(app, 'HelloApiStack');
new HelloApi(stack, 'HelloApi', {
  stepFunctionHelloStepArn: new cdk.CfnParameter(stack, 'StateMachineArn').valueAsString,
  stepFunctionHelloStepRoleName: new cdk.CfnParameter(stack, 'StatesRoleName').valueAsString,
});
app.synth();
"""
TOKEN_VALUES = {"StateMachineArn": "arn:aws:states:ap-northeast-1:123456789012:stateMachine:HelloStep-dev",
                "StatesRoleName": "exampleamplifyapiwitStatesExecutionRole-dev"}
GOLDEN = [p for p in PARAMS if p.values[0] is None or p.values[0].golden is not None]


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("cdk-apps")
    done = {}
    for case in CASES:
        folder = root / "apps" / safe(case.id)
        result = generate(case, folder)
        done[case.id] = (result, folder)
    return root, done


@pytest.fixture(scope="session")
def synthesised(generated):
    """id -> the synthesised template; compiled and synthesised once for every case."""
    need_toolchain()
    root, done = generated
    apps = {i: folder for i, (result, folder) in done.items() if result.exit_code == 0}
    if "stepfunctions-gen1" in apps:  # the same construct with tokens for props: stack parameters, as another stack's outputs would be
        tokens = root / "apps" / "stepfunctions-gen1-tokens"
        shutil.copytree(apps["stepfunctions-gen1"], tokens)
        (tokens / "bin" / "app.ts").write_text(TOKEN_APP)
        apps[TOKENS] = tokens
    templates, tsc = compile_and_synth(apps, root)
    assert templates, f"tsc failed:\n{tsc[-4000:]}"
    return templates


def _export(case) -> dict:  # noqa: ANN001
    from exporter.io.load import load

    return load(case.export).data


def _rest_api(template: dict) -> str:
    return next(k for k, r in template["Resources"].items() if r["Type"] == "AWS::ApiGateway::RestApi")


@pytest.mark.parametrize("case", GOLDEN)
def test_cdk_golden(case, generated):
    result, folder = generated[1][case.id]
    assert result.exit_code == 0, result.stderr
    want, got = tree(case.golden), tree(folder)
    assert sorted(got) == sorted(want), f"{case.id}: wrote {sorted(got)}, golden has {sorted(want)} (refresh: scripts/refresh_goldens.py --cdk)"
    for rel in want:
        assert got[rel] == want[rel], f"{case.id}: {rel} differs from {case.golden / rel} (refresh and review the diff)"
    for needle in case.stderr_has:
        assert needle in result.stderr, f"{case.id}: stderr lacks {needle!r}\n{result.stderr}"


@pytest.mark.parametrize("case", PARAMS)
def test_cdk_converts(case, generated):
    result, folder = generated[1][case.id]
    assert result.exit_code == 0, result.stderr
    assert (folder / "bin" / "app.ts").is_file() and list((folder / "lib").glob("*.body.json"))


@pytest.mark.slow
@pytest.mark.parametrize("case", PARAMS)
def test_cdk_synth_body_resolves_to_export(case, synthesised):
    template = synthesised[case.id]
    export = _export(case)
    api = _rest_api(template)
    body = template["Resources"][api]["Properties"]["Body"]
    diffs = differences(body, export, home_of(export), template, (export.get("host") or "").split(".")[0] or None)
    assert not diffs, f"{case.id}: the synthesised Body differs from the export:\n" + "\n".join(diffs[:5])
    assert {r["Type"] for r in template["Resources"].values()} >= {"AWS::ApiGateway::RestApi", "AWS::ApiGateway::Deployment", "AWS::ApiGateway::Stage"}


@pytest.mark.slow
@pytest.mark.parametrize("case", PARAMS)
def test_cdk_synth_cfn_lint(case, synthesised, cfn_lint):
    assert cfn_lint(json.dumps(synthesised[case.id])) == []


@pytest.mark.slow
@pytest.mark.parametrize("case", PARAMS)
def test_cdk_synth_moto_deploys(case, synthesised, moto_endpoint, monkeypatch):
    import boto3

    template = synthesised[case.id]
    export = _export(case)
    values = home_of(export)
    if values["AWS::Partition"] != "aws":
        # moto resolves AWS::Partition to aws (and AWS::URLSuffix to amazonaws.com) in every region: what it
        # deploys must then be what the project's resolver makes of the Body with those two values (under the
        # real ones the Body is the export: test_cdk_synth_body_resolves_to_export). The props bound to other
        # stacks' outputs stay the real partition's ARNs.
        values = {**values, "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
        body = template["Resources"][_rest_api(template)]["Properties"]["Body"]
        export = {k: resolve(body[k], values, template) if k in body else v for k, v in export.items()}
        assert export != _export(case), "the partition moved nothing: the test would prove nothing new"
    account, region = values.get("AWS::AccountId", "123456789012"), values.get("AWS::Region", "us-east-1")
    monkeypatch.setenv("MOTO_ACCOUNT_ID", account)

    def client(service):  # noqa: ANN001, ANN202
        return boto3.client(service, endpoint_url=moto_endpoint, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")

    # what `cdk bootstrap` leaves in every account: the version the stack's BootstrapVersion parameter reads
    client("ssm").put_parameter(Name="/cdk-bootstrap/hnb659fds/version", Value="30", Type="String", Overwrite=True)
    deployed = deployable(template, _rest_api(template))
    cf = client("cloudformation")
    name = "cdk-" + "".join(ch if ch.isalnum() else "-" for ch in case.id)[:100]
    cf.create_stack(StackName=name, TemplateBody=json.dumps(deployed))
    stack = cf.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", f"{case.id}: {stack['StackStatus']} {stack.get('StackStatusReason')}"
    body = json.loads(next(o["OutputValue"] for o in stack["Outputs"] if o["OutputKey"] == "BodyJson"))
    diffs = differences(body, without_nulls(export), values, deployed, None, resolver=already_resolved)
    assert not diffs, f"{case.id}: moto's Body differs from the export:\n" + "\n".join(diffs[:5])


API_ID = "a1b2c3d4e5"  # the RestApi's id in the resolved permissions: any id, as long as the SourceArn uses the same


def permission_values(export: dict) -> dict:
    """The pseudo parameters a permission resolves with (an export with no ARN names no account or region)."""
    return {"AWS::AccountId": "123456789012", "AWS::Region": "us-east-1", **home_of(export)}


@pytest.mark.slow
@pytest.mark.parametrize("case", PARAMS)
def test_cdk_synth_lambda_permissions(case, synthesised):
    """Each AWS::Lambda::Permission resolves to a function the Body's Lambda URIs or authorizers invoke
    without credentials, for API Gateway, from a SourceArn covering each method that calls it; every
    such function has one (moto's deployable() leaves permissions out: this is where they are proven)."""
    template = synthesised[case.id]
    export = _export(case)
    stage = next(r["Properties"]["StageName"] for r in template["Resources"].values() if r["Type"] == "AWS::ApiGateway::Stage")
    values = {**permission_values(export), _rest_api(template): API_ID}
    assert permission_problems(template, export, values, API_ID, stage) == []


@pytest.mark.slow  # its first run installs tests/js/cdk (npm, ~1 GB): not for the quick loop
def test_toolchain_present_in_ci():
    """The suite installs tests/js/cdk on first use; in CI (CI=true) a toolchain it cannot install fails."""
    need_toolchain()


@pytest.mark.slow
def test_cdk_scaffold_builds_as_written(generated):
    """The app as written (its own tsconfig.json and package.json's synth script), not the suite's
    shared tsconfig: tsc -p . then the synth script's command gives cdk.out/<Api>Stack.template.json."""
    import os
    import shutil
    import subprocess

    from cdk_apps import NODE_MODULES

    need_toolchain()
    _, folder = generated[1]["stepfunctions-gen1"]
    app = folder.parent.parent / "as-written"
    shutil.copytree(folder, app)
    (app / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
    script = json.loads((app / "package.json").read_text())["scripts"]["synth"]
    assert script == "tsc && CDK_OUTDIR=cdk.out node build/bin/app.js"
    tsc = subprocess.run(["node", str(NODE_MODULES / "typescript" / "bin" / "tsc"), "-p", str(app)], capture_output=True, text=True, timeout=600)
    assert tsc.returncode == 0, tsc.stdout + tsc.stderr
    synth = subprocess.run(["node", "build/bin/app.js"], cwd=app, capture_output=True, text=True, timeout=600, env={**os.environ, "CDK_OUTDIR": "cdk.out"})
    assert synth.returncode == 0, synth.stderr
    template = json.loads((app / "cdk.out" / "HelloApiStack.template.json").read_text())
    assert "AWS::ApiGateway::RestApi" in {r["Type"] for r in template["Resources"].values()}


# ---------------------------------------------------------------------------------------------
# The command: exit codes, one-line errors, --diff, --strict, nothing written on failure

SF = "fixtures/amplify-stepfunctions/export.json"
SF_EXPORT = __import__("pathlib").Path(__file__).resolve().parents[1] / SF


@pytest.mark.parametrize("args, message", [
    (["--target", "pulumi"], "--target 'pulumi': use cdk or amplify-gen2"),
    (["--target", "cdk", "--template", "t.json"], "--template does not apply"),
    (["--target", "cdk", "--in-place"], "--in-place does not apply"),
    (["--target", "cdk", "--format", "yaml"], "--format does not apply"),
    (["--target", "cdk", "-o", "-"], "-o must name a folder"),
])
def test_cdk_usage_errors(cli, args, message, tmp_path, monkeypatch):
    from conftest import ROOT

    monkeypatch.chdir(tmp_path)
    r = cli("convert", str(ROOT / SF), *args)
    assert r.exit_code == 2, r.stderr
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert list(tmp_path.iterdir()) == []


def test_cdk_output_onto_a_file_is_refused(cli, tmp_path):
    from conftest import ROOT

    (tmp_path / "app").write_text("x")
    r = cli("convert", str(ROOT / SF), "--target", "cdk", "-o", str(tmp_path / "app"))
    assert r.exit_code == 2 and "-o must name a folder" in r.stderr
    assert (tmp_path / "app").read_text() == "x"


def test_cdk_rerun_keeps_app_and_changes_nothing(cli, tmp_path):
    from conftest import ROOT

    out = tmp_path / "app"
    assert cli("convert", str(ROOT / SF), "--target", "cdk", "-o", str(out)).exit_code == 0
    (out / "bin" / "app.ts").write_text("// mine now\n")
    before = tree(out)
    r = cli("convert", str(ROOT / SF), "--target", "cdk", "-o", str(out))
    assert r.exit_code == 0, r.stderr
    assert tree(out) == before
    assert "kept" in r.stderr and "nothing to change" in r.stderr


def test_cdk_foreign_construct_is_never_replaced(cli, tmp_path):
    from conftest import ROOT

    out = tmp_path / "app"
    (out / "lib").mkdir(parents=True)
    (out / "lib" / "HelloApi.ts").write_text("export class HelloApi {}\n")
    r = cli("convert", str(ROOT / SF), "--target", "cdk", "-o", str(out))
    assert r.exit_code == 2 and "not written by export-to-cfn" in r.stderr
    assert tree(out) == {"lib/HelloApi.ts": "export class HelloApi {}\n"}


def test_cdk_diff_shows_each_file(cli, tmp_path):
    from conftest import ROOT

    out = tmp_path / "app"
    r = cli("convert", str(ROOT / SF), "--target", "cdk", "-o", str(out), "--diff")
    assert r.exit_code == 0, r.stderr
    assert "+++ " in r.stdout and "lib/HelloApi.ts" in r.stdout and "--- /dev/null" in r.stdout
    (out / "lib" / "HelloApi.body.json").write_text("{}\n")
    again = cli("convert", str(ROOT / SF), "--target", "cdk", "-o", str(out), "--diff")
    assert again.exit_code == 0
    assert "-{}" in again.stdout and "bin/app.ts" not in again.stdout  # only what changes


def test_cdk_strict_writes_nothing(cli, tmp_path):
    from conftest import ROOT

    export = ROOT / "fixtures" / "multi-account" / "export.json"
    r = cli("convert", str(export), "--target", "cdk", "-o", str(tmp_path / "app"), "--strict")
    assert r.exit_code == 1, r.stderr
    assert not (tmp_path / "app").exists()


def test_cdk_failed_write_leaves_no_folder(cli, tmp_path, monkeypatch):
    from conftest import ROOT
    from exporter.io import write

    def boom(files, backup=False):  # noqa: ANN001, ANN202
        raise write.UserError("cannot write: disk full; nothing was changed")

    monkeypatch.setattr(write, "write_atomic", boom)
    r = cli("convert", str(ROOT / SF), "--target", "cdk", "-o", str(tmp_path / "deep" / "app"))
    assert r.exit_code == 2 and "disk full" in r.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_cdk_props_may_be_tokens(synthesised, cfn_lint, moto_endpoint, monkeypatch):
    """Props passed as tokens (here stack parameters; in Gen 2 another stack's outputs) reach the Body as
    Fn::Sub variables CloudFormation resolves: the Body resolves to the export with the parameters'
    values, by our resolver and by moto's engine."""
    import boto3

    from exporter.io.load import load

    template = synthesised[TOKENS]
    export = load(SF_EXPORT).data
    api = _rest_api(template)
    body = template["Resources"][api]["Properties"]["Body"]
    assert "StateMachineArn" in json.dumps(body)  # a Ref inside an Fn::Sub variable map, not the literal
    assert "HelloStep-dev" not in json.dumps(body)
    values = {**home_of(export), **TOKEN_VALUES}
    diffs = differences(body, export, values, template, None)
    assert not diffs, "\n".join(diffs[:5])
    assert cfn_lint(json.dumps(template)) == []
    monkeypatch.setenv("MOTO_ACCOUNT_ID", values["AWS::AccountId"])

    def client(service):  # noqa: ANN001, ANN202
        return boto3.client(service, endpoint_url=moto_endpoint, region_name=values["AWS::Region"], aws_access_key_id="testing",
                            aws_secret_access_key="testing")

    client("ssm").put_parameter(Name="/cdk-bootstrap/hnb659fds/version", Value="30", Type="String", Overwrite=True)
    cf = client("cloudformation")
    cf.create_stack(StackName="cdk-tokens", TemplateBody=json.dumps(deployable(template, api)),
                    Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in TOKEN_VALUES.items()])
    stack = cf.describe_stacks(StackName="cdk-tokens")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    deployed = json.loads(next(o["OutputValue"] for o in stack["Outputs"] if o["OutputKey"] == "BodyJson"))
    diffs = differences(deployed, without_nulls(export), values, {}, None, resolver=already_resolved)
    assert not diffs, "\n".join(diffs[:5])


@pytest.mark.slow
def test_cdk_stage_gets_the_stage_variables_the_body_reads(synthesised):
    template = synthesised["stage-variables"]
    stages = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::ApiGateway::Stage"]
    assert [s.get("Variables") for s in stages] == [{"apiVersion": "unset", "backendHost": "orders.internal.example"}]
    assert [s["StageName"] for s in stages] == ["prod"]


def test_class_names_never_clash_with_imports():
    from exporter.targets.cdk import class_name

    assert class_name("orders-proxy") == "OrdersProxy"
    assert class_name("Construct") == "ConstructApi"
    assert class_name("2fa service") == "Api2faService"
    assert class_name("") == "RestApi"


def test_diff_target_previews_and_checks_without_writing(cli, tmp_path):
    from conftest import ROOT

    out = tmp_path / "app"
    r = cli("diff", str(ROOT / SF), "--target", "cdk", "--into", str(out), "--check")
    assert r.exit_code == 1, r.stderr
    assert "+++ " in r.stdout and "lib/HelloApi.ts" in r.stdout
    assert not out.exists()
    assert cli("convert", str(ROOT / SF), "--target", "cdk", "-o", str(out)).exit_code == 0
    again = cli("diff", str(ROOT / SF), "--target", "cdk", "--into", str(out), "--check")
    assert again.exit_code == 0, again.stderr
    assert again.stdout == "no file changes\n"
    bad = cli("diff", str(ROOT / SF), "--target", "cdk", "--format", "json")
    assert bad.exit_code == 2 and "does not apply" in bad.stderr


def test_cases_without_the_corpus_say_so(monkeypatch, tmp_path):
    """Without ../shared/corpus the corpus cases and the fixtures/cdk/corpus-* goldens are one visible
    skipped param whose reason names them, never silently dropped."""
    import cdk_apps
    import conftest

    monkeypatch.setattr(conftest, "CORPUS", tmp_path / "absent")
    monkeypatch.setattr(cdk_apps, "CORPUS", tmp_path / "absent")
    params = cdk_apps.app_cases()
    skipped = [p for p in params if p.id == "corpus-absent"]
    assert len(skipped) == 1 and skipped[0].values == (None,)
    reason = skipped[0].marks[0].kwargs["reason"]
    assert "corpus-lambda-authorizer" in reason and "corpus-openapi3" in reason and str(tmp_path / "absent") in reason
    assert [p.id for p in params if p.id != "corpus-absent"] == [f.parent.name for f in sorted(cdk_apps.FIXTURES.glob("*/case.json"))
                                                                if not f.parent.name.startswith("corpus-")]


CHINA = "fixtures/amplify-cli7-china"


def _china_project(tmp_path, override: str | None):  # noqa: ANN001, ANN202
    from conftest import ROOT

    project = tmp_path / "gen1"
    shutil.copytree(ROOT / CHINA / "amplify", project / "amplify")
    if override is not None:
        (project / "amplify" / "backend" / "api" / "notesApi" / "override.ts").write_text(override)
    return project


def test_gen1_stub_override_says_nothing(cli, tmp_path):
    """Amplify's empty override.ts stub (the China fixture's) overrides nothing: no word about it."""
    from conftest import ROOT

    project = _china_project(tmp_path, None)
    r = cli("convert", str(ROOT / CHINA / "export.json"), "--amplify-dir", str(project / "amplify"), "--target", "cdk", "-o", str(tmp_path / "app"))
    assert r.exit_code == 0, r.stderr
    assert "override.ts" not in r.stderr


def test_gen1_override_statements_are_reported(cli, tmp_path):
    """A hand-written override.ts: each statement of its override() is reported with its line, as text,
    so what the construct does not carry is said, not dropped."""
    from conftest import ROOT

    override = ("import { AmplifyApiRestResourceStackTemplate, AmplifyProjectInfo } from '@aws-amplify/cli-extensibility-helper';\n\n"
                "export function override(resources: AmplifyApiRestResourceStackTemplate, amplifyProjectInfo: AmplifyProjectInfo) {\n"
                "  // only from the office\n"
                "  resources.restApi.addPropertyOverride('Policy', {\n"
                "    Version: '2012-10-17', // ; inside a comment\n"
                "  });\n"
                "  resources.restApi.minimumCompressionSize = 1024\n"
                "}\n")
    project = _china_project(tmp_path, override)
    path = project / "amplify" / "backend" / "api" / "notesApi" / "override.ts"
    r = cli("convert", str(ROOT / CHINA / "export.json"), "--amplify-dir", str(project / "amplify"), "--target", "cdk", "-o", str(tmp_path / "app"))
    assert r.exit_code == 0, r.stderr
    tail = ("Amplify applies it at push (so its effect is in the export only if that push ran); not copied into the construct, carry it "
            "over by hand if it is still needed")
    said = [line for line in r.stderr.splitlines() if "override.ts" in line]
    assert said == [f"warning: {path} line 5: `resources.restApi.addPropertyOverride('Policy', {{ Version: '2012-10-17', }})`: {tail}",
                    f"warning: {path} line 8: `resources.restApi.minimumCompressionSize = 1024`: {tail}"]


def test_gen1_override_written_by_export_to_cfn_is_a_note(cli, tmp_path):
    from conftest import ROOT

    project = _china_project(tmp_path, "// Written by export-to-cfn from x.json; re-run it\nexport function override(resources) {\n"
                                       "  resources.restApi.body = {};\n}\n")
    path = project / "amplify" / "backend" / "api" / "notesApi" / "override.ts"
    r = cli("convert", str(ROOT / CHINA / "export.json"), "--amplify-dir", str(project / "amplify"), "--target", "cdk", "-o", str(tmp_path / "app"))
    assert r.exit_code == 0, r.stderr
    assert [line for line in r.stderr.splitlines() if "override.ts" in line] == [
        f"{path}: written by export-to-cfn (it sets the Body to a converted export): nothing else to carry"]


def test_cdk_stage_follows_the_env_parameter_under_its_new_name(cli, tmp_path):
    """A --bind named env moves the env to env2 (the names rule): the stage must follow env2, not keep
    the export's literal stage name (it did: the construct looked for a prop named env only)."""
    hello_step = "arn:aws:states:ap-northeast-1:123456789012:stateMachine:HelloStep-dev"
    out = tmp_path / "app"
    export = Path(__file__).resolve().parents[1] / "fixtures" / "amplify-stepfunctions" / "export.json"
    result = cli("convert", export, "--target", "cdk", "--bind", f"env={hello_step}", "-o", out)
    assert result.exit_code == 0, result.stderr
    construct = (out / "lib" / "HelloApi.ts").read_text()
    assert "readonly env: string;" in construct and "readonly env2: string;" in construct
    assert "stageName: props.env2," in construct


def test_cdk_says_what_audit_would_find_and_strict_refuses_it(cli, tmp_path):
    """Other accounts' ids stay literal (multi-account): without --strict one line says how many and where,
    as a template conversion does; with --strict nothing is written and the exit is 1."""
    export = Path(__file__).resolve().parents[1] / "fixtures" / "multi-account" / "export.json"
    result = cli("convert", export, "--target", "cdk", "-o", tmp_path / "app")
    assert result.exit_code == 0, result.stderr
    assert ("audit: 2 environment-specific literal(s) left in the output, first at "
            "/Resources/RestApi/Properties/Body/paths/~1rates/get/x-amazon-apigateway-integration/uri/Fn::Sub (account 999988887777)") in result.stderr
    result = cli("convert", export, "--target", "cdk", "--strict", "-o", tmp_path / "strict")
    assert result.exit_code == 1 and not (tmp_path / "strict").exists()
    assert "--strict: 2 environment-specific literal(s) left; nothing written" in result.stderr
