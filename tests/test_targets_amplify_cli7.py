"""exporter.targets.amplify_cli7.render_override: the TypeScript that turns the build template into the converted one."""

from __future__ import annotations

from exporter.targets.amplify_cli7 import SIGNATURE, STUB, render_override
from exporter.targets.amplify_classic import OVERRIDE_MARK


def _template(paths, params=None, extra=None):
    resources = {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": {"swagger": "2.0", "paths": paths}}}}
    return {"Parameters": params or {}, "Resources": {**resources, **(extra or {})}}


def test_only_what_changed_is_written_and_the_file_says_who_wrote_it():
    original = _template({"/keep": {"get": {}}, "/gone": {"get": {}}})
    new = _template({"/keep": {"get": {}}, "/new": {"post": {"x": 1}}}, {"functionFnName": {"Type": "String"}},
                    {"FnPermission": {"Type": "AWS::Lambda::Permission", "Properties": {"Action": "lambda:InvokeFunction"}}})
    text = render_override(original, new, "Api", "Body", ("ApiDeployment", "ApiDeploymentab12cd34"), "the console export")
    assert text.startswith(OVERRIDE_MARK) and SIGNATURE in text
    assert 'body.paths["/new"] = {' in text and 'delete body.paths["/gone"];' in text
    assert '"/keep"' not in text
    assert "resources.addCfnParameter({ type: 'String' }, \"functionFnName\");" in text
    assert 'resources.addCfnResource({' in text and '"FnPermission");' in text
    assert 'resources.deploymentResource.overrideLogicalId("ApiDeploymentab12cd34");' in text


def test_the_stub_amplify_writes_may_be_replaced():
    stub = "export function override(resources: AmplifyApiRestResourceStackTemplate) {\n  // add your overrides here\n}\n"
    assert STUB.search(stub)
    assert not STUB.search(stub.replace("// add your overrides here", "resources.restApi.body = {};"))


def test_changed_properties_of_resources_amplify_generates_are_overridden(tmp_path):
    """What the conversion changes outside the Body (Amplify's Lambda permission made portable, a RestApi
    property, a property dropped) is set on the CDK stack's own constructs; applied to the build template
    (tests/js/apply_override.mjs, as `amplify build` runs it), the result is the converted template."""
    import json
    import shutil
    import subprocess
    from pathlib import Path

    import pytest

    def join(partition: list) -> dict:
        return {"Fn::Join": ["", [*partition, ":execute-api:", {"Ref": "AWS::Region"}, ":", {"Ref": "Api"}, "/*/*/*"]]}

    permission = {"Type": "AWS::Lambda::Permission", "Properties": {"Action": "lambda:InvokeFunction", "SourceArn": join(["arn:aws"]), "Old": "x"}}
    original = _template({"/a": {"get": {}}}, extra={"FnPermission": permission})
    new = json.loads(json.dumps(original))
    new["Resources"]["FnPermission"]["Properties"]["SourceArn"] = join(["arn:", {"Ref": "AWS::Partition"}])
    del new["Resources"]["FnPermission"]["Properties"]["Old"]
    new["Resources"]["Api"]["Properties"]["Description"] = "d"
    text = render_override(original, new, "Api", "Body", None, "the console export")
    assert text.count("const stack = Reflect.get(resources, 'node');") == 1
    assert 'stack.tryFindChild("FnPermission")?.addPropertyOverride("SourceArn", {' in text
    assert 'stack.tryFindChild("FnPermission")?.addPropertyDeletionOverride("Old");' in text
    assert 'resources.restApi.addPropertyOverride("Description", "d");' in text
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: cannot apply override.ts")
    (tmp_path / "t.json").write_text(json.dumps(original))
    (tmp_path / "override.ts").write_text(text)
    stand_in = Path(__file__).parent / "js" / "apply_override.mjs"
    p = subprocess.run([node, stand_in, tmp_path / "t.json", tmp_path / "override.ts", "Api"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == new
