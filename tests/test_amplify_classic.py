"""exporter.targets.amplify_classic on plain data: renames that follow a Deployment, its content hash."""

from __future__ import annotations

from exporter.targets.shared import HASHED, body_digest, rename_logical_id


def test_renamed_deployment_is_renamed_everywhere_it_is_used():
    stage = {"Type": "AWS::ApiGateway::Stage", "DependsOn": ["Dep", "Other"], "Properties": {
        "DeploymentId": {"Ref": "Dep"}, "Description": "Dep", "Variables": {"a": {"Fn::Sub": "${Dep}/${Dep.Attr}/${Depx}"}, "b": {"Fn::GetAtt": ["Dep", "X"]}}}}
    got = rename_logical_id(stage, "Dep", "Dep1a2b3c4d")
    assert got == {"Type": "AWS::ApiGateway::Stage", "DependsOn": ["Dep1a2b3c4d", "Other"], "Properties": {
        "DeploymentId": {"Ref": "Dep1a2b3c4d"}, "Description": "Dep",
        "Variables": {"a": {"Fn::Sub": "${Dep1a2b3c4d}/${Dep1a2b3c4d.Attr}/${Depx}"}, "b": {"Fn::GetAtt": ["Dep1a2b3c4d", "X"]}}}}


def test_the_deployment_suffix_is_the_one_amplify_ids_match():
    digest = body_digest({"paths": {}})
    assert len(digest) == 8 and HASHED.match("HelloApiDeployment" + digest).group(2) == digest
    assert body_digest({"paths": {"/a": {}}}) != digest


def test_lambda_invocations_take_a_proven_value_instead_of_resolving():
    """`known` (id -> value, from the rewrites the proof covers) is used as the node's value: here a
    node naming a parameter the values do not hold, which resolving could not read."""
    from exporter.targets.amplify_classic import lambda_invocations

    arn = "arn:aws:lambda:eu-west-1:123456789012:function:f"
    uri = {"Fn::Sub": "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/${fnArn}/invocations"}
    body = {"paths": {"/a": {"get": {"x-amazon-apigateway-integration": {"type": "aws_proxy", "uri": uri}}}}}
    assert lambda_invocations(body, {}, {}) == ([], False)  # ${fnArn} unknown: unresolved
    known = {id(uri): f"arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/{arn}/invocations"}
    assert lambda_invocations(body, {}, {}, known) == ([(arn, True)], True)
