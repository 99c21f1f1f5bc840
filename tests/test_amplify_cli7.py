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
