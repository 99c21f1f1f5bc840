"""exporter.targets.amplify_classic on plain data: renames that follow a Deployment, its content hash."""

from __future__ import annotations

from exporter.targets.amplify_classic import HASHED, body_digest, rename_logical_id


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
