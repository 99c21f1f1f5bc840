"""exporter.cli.report: what `convert` says on stderr about a run (home, routes, rewrites, kept
literals, stage variables, what the export lost, the Amplify wiring), on real pipeline runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES
from exporter.cli import report
from exporter.cli.common import run_pipeline
from exporter.convert import Options

FN = "arn:aws:lambda:{r}:{a}:function:{n}"
URI = "arn:aws:apigateway:{r}:lambda:path/2015-03-31/functions/" + FN + "/invocations"


def integ(uri, **kw):
    return {"x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": uri, **kw}}


def http(url):
    return {"x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": url}}


def _run(tmp_path, export, template=None, **opts):
    e = tmp_path / "export.json"
    e.write_text(json.dumps(export))
    t = None
    if template is not None:
        t = tmp_path / "template.json"
        t.write_text(json.dumps(template))
    return run_pipeline(e, t, None, Options(**opts), None)


def _err(capsys) -> list[str]:
    return capsys.readouterr().err.splitlines()


CLEAN = {"swagger": "2.0", "info": {"title": "t"}, "paths": {"/a": {"get": http("https://example.com/a")},
                                                              "/b": {"get": http("https://example.com/b")}}}


# ----------------------------------------------------------------------------------- print_conversion

def test_home_and_routes_lines(tmp_path, capsys):
    run = _run(tmp_path, CLEAN, account="123456789012", region="eu-west-1")
    report.print_conversion(run.conversion, False)
    lines = _err(capsys)
    assert lines[0] == "home: account 123456789012, region eu-west-1, partition aws"
    assert lines[1] == "2 routes from the export: 2 added, 0 replaced, 0 unchanged; 0 literals rewritten; proof: the Body resolves to the export"


def test_one_route_is_singular(tmp_path, capsys):
    export = {**CLEAN, "paths": {"/a": CLEAN["paths"]["/a"]}}
    report.print_conversion(_run(tmp_path, export).conversion, False)
    assert any(line.startswith("1 route from the export: 1 added,") for line in _err(capsys))


def test_env_and_its_source(tmp_path, capsys):
    export = {**CLEAN, "paths": {"/a": {"get": http("https://orders-dev.example.com/a")}}}
    report.print_conversion(_run(tmp_path, export, env="dev").conversion, False)
    lines = _err(capsys)
    assert lines[0].endswith("; env dev (from --env)")
    assert not any("warning: --env" in x for x in lines)  # orders-dev carries it


def test_env_no_name_carries_warns(tmp_path, capsys):
    report.print_conversion(_run(tmp_path, CLEAN, env="qa").conversion, False)
    assert "warning: --env qa: no name in the export carries it, so nothing became ${env}" in _err(capsys)


def test_kept_literals_once_per_value_and_verbose_rewrites(tmp_path, capsys):
    away = URI.format(r="eu-west-1", a="210987654321", n="far")
    home = URI.format(r="us-east-1", a="123456789012", n="near")
    export = {"swagger": "2.0", "info": {"title": "t"}, "paths": {
        "/a": {"get": integ(away), "post": integ(away)}, "/b": {"get": integ(home)}}}
    conv = _run(tmp_path, export, account="123456789012", region="us-east-1").conversion
    report.print_conversion(conv, True)
    lines = _err(capsys)
    kept = [x for x in lines if x.startswith("kept literal:") and "210987654321" in x]
    assert len(kept) == 1 and kept[0].endswith("(first at /paths/~1a/get/x-amazon-apigateway-integration/uri)")
    verbose = [x for x in lines if x.startswith("  [")]
    assert any("/paths/~1b/get/x-amazon-apigateway-integration/uri" in x and "'" + home + "'" in x for x in verbose)
    assert len(verbose) == len(conv.rewrites) and verbose
    # the other account's function is granted there, not here
    assert any(x.startswith("security: Lambda " + FN.format(r="eu-west-1", a="210987654321", n="far")) for x in lines)


def test_not_verbose_lists_no_rewrites(tmp_path, capsys):
    home = URI.format(r="us-east-1", a="123456789012", n="near")
    conv = _run(tmp_path, {**CLEAN, "paths": {"/b": {"get": integ(home)}}}, account="123456789012", region="us-east-1").conversion
    report.print_conversion(conv, False)
    assert not any(x.startswith("  [") for x in _err(capsys))


def test_dropped_host(tmp_path, capsys):
    report.print_conversion(_run(tmp_path, {**CLEAN, "host": "abc.execute-api.us-east-1.amazonaws.com"}).conversion, False)
    assert any(x.startswith("dropped host") for x in _err(capsys))


def test_kept_and_pruned_template_routes(tmp_path, capsys):
    template = {"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": {
        "swagger": "2.0", "info": {"title": "t"}, "paths": {"/old": {"get": http("https://example.com/old")}}}}}}}
    report.print_conversion(_run(tmp_path, CLEAN, template=template).conversion, False)
    assert "kept 1 template route(s) the export does not have (--prune removes them): GET /old" in _err(capsys)
    report.print_conversion(_run(tmp_path, CLEAN, template=template, prune=True).conversion, False)
    assert "pruned 1 route(s): GET /old" in _err(capsys)


# ----------------------------------------------------------------------------------- print_stage

def test_stage_variable_without_a_value(tmp_path, capsys):
    export = {**CLEAN, "paths": {"/a": {"get": http("https://${stageVariables.backend}/a")}}}
    conv = _run(tmp_path, export).conversion
    report.print_stage(conv)
    [line] = [x for x in _err(capsys) if x.startswith("stage variable backend:")]
    assert "${stageVariables.backend}" in line and "--stage-variable backend=VALUE" in line


def test_stage_variable_given(tmp_path, capsys):
    export = {**CLEAN, "paths": {"/a": {"get": http("https://${stageVariables.backend}/a")}}}
    conv = _run(tmp_path, export, stage_variables={"backend": "api.example.com"}).conversion
    report.print_stage(conv)
    assert not any(x.startswith("stage variable backend:") for x in _err(capsys))


def test_stage_file_carried_and_not_carried(tmp_path, capsys):
    src = FIXTURES / "stage-settings"
    e = tmp_path / "export.json"
    shutil.copy(src / "export.json", e)
    run = run_pipeline(e, None, None, Options(), None, stage=src / "stage.json")
    report.print_stage(run.conversion)
    lines = _err(capsys)
    stage = json.loads((src / "stage.json").read_text())
    [carried] = [x for x in lines if x.startswith(f"stage {stage['stageName']} from ")]
    assert "carried " in carried and "Variables" in carried and "TracingEnabled" in carried
    assert any(x.startswith("not carried: ") for x in lines)


# ----------------------------------------------------------------------------------- print_lost

def test_lost_without_a_stage_file_points_to_get_stage(tmp_path, capsys):
    report.print_lost(_run(tmp_path, CLEAN).conversion)
    lines = _err(capsys)
    assert lines[0] == "what the export lost (a live stage can have these; the export holds none of them):"
    assert any(x.startswith("  stage settings") and "aws apigateway get-stage" in x for x in lines)


def test_lost_lists_what_a_live_stage_has(tmp_path, capsys):
    src = FIXTURES / "stage-settings"
    e = tmp_path / "export.json"
    shutil.copy(src / "export.json", e)
    run = run_pipeline(e, None, None, Options(), None, stage=src / "stage.json")
    report.print_lost(run.conversion)
    lines = _err(capsys)
    assert lines[0].startswith("what the export lost")
    assert all(x.startswith("  ") for x in lines[1:]) and len(lines) > 1
    assert any("arn:aws:wafv2:" in x for x in lines)  # the stage file's web ACL association
    assert not any(x.startswith("  stage settings") for x in lines)  # --stage carried them


# ----------------------------------------------------------------------------------- print_wiring

@pytest.fixture
def amplify_run(project):
    template = project / "amplify" / "backend" / "api" / "HelloApi" / "HelloApi-cloudformation-template.json"
    return run_pipeline(project / "export.json", template, None, Options(), None)


def test_wiring_summary_and_files_not_written(amplify_run, capsys):
    conv, wired = amplify_run.conversion, amplify_run.built
    report.print_wiring(conv, wired, False, False)
    lines = _err(capsys)
    assert lines[0].startswith(f"Amplify project {conv.project.amplify.parent} (api/HelloApi, classic layout, template: ")
    assert f"{len(conv.project.outputs)} outputs of other resources known" in lines[0]
    # the export calls the HelloStep state machine: Amplify passes its ARN as <category><resource><output>
    [bound] = [x for x in lines if x.startswith("bound to Amplify outputs: ")]
    assert "stepFunctionHelloStepArn" in bound.split(": ", 1)[1].split(", ")
    # the project files the wiring changes are those the fixture's golden tree holds
    golden = FIXTURES / "amplify-stepfunctions" / "expected" / "tree"
    want = sorted(str(p.relative_to(golden)) for p in golden.rglob("*") if p.is_file())
    [line] = [x for x in lines if x.startswith("not written without --in-place: ")]
    named = line.split(": ", 1)[1].split(", ")
    assert sorted(str(Path(n).relative_to(conv.project.amplify.parent)) for n in named) == want
    report.print_wiring(conv, wired, True, False)
    assert not any(x.startswith("not written without --in-place") for x in _err(capsys))


def test_wiring_verbose_lists_outputs(amplify_run, capsys):
    conv = amplify_run.conversion
    report.print_wiring(conv, amplify_run.built, True, True)
    lines = _err(capsys)
    outputs = [x for x in lines if x.startswith("  output ")]
    assert len(outputs) == len(conv.project.outputs)
    for o in conv.project.outputs:
        assert f"  output {o.category}/{o.resource} {o.name} = {o.value} (parameter {o.param}; from {o.source})" in lines
