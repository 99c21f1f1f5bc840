"""The destinations seam: which target a conversion goes to, and the pieces they share."""

from __future__ import annotations

import hashlib
import json
from types import SimpleNamespace

from exporter import targets
from exporter.targets.amplify_classic import body_digest
from exporter.targets.shared import content_hash, lambda_permission, source_arn, unique_id

BODY = {"paths": {"/b": {"get": {}}, "/a": {"post": {"x": [1, 2]}}}, "swagger": "2.0"}


def _conv(target, layout=None):
    return SimpleNamespace(target=target, project=None if layout is None else SimpleNamespace(layout=layout))


def test_each_conversion_has_exactly_one_destination():
    cases = {(None, None): "standalone", ("t", None): "template", ("t", "classic"): "amplify-classic", ("t", "cli7"): "amplify-cli7"}
    for (target, layout), name in cases.items():
        conv = _conv(target, layout)
        assert [t.name for t in targets.TARGETS if t.applies(conv)] == [name]
        assert targets.choose(conv).name == name
    adopt = SimpleNamespace(target=None, project=None, adopt_to="t.json")  # --adopt: standalone, cut for resource import
    assert [t.name for t in targets.TARGETS if t.applies(adopt)] == ["adopt"]


def test_content_hash_keeps_each_targets_historic_digest():
    standalone = hashlib.sha256(json.dumps(BODY, sort_keys=True).encode()).hexdigest()[:10]
    amplify = hashlib.sha256(json.dumps(BODY, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:8]
    assert content_hash(BODY, length=10, compact=False) == standalone
    assert body_digest(BODY) == content_hash(BODY, length=8, compact=True) == amplify
    assert standalone[:8] != amplify  # the two really differ: the parameter is not decoration


def test_unique_id_counts_from_two():
    assert unique_id("FnPermission", set()) == "FnPermission"
    assert unique_id("FnPermission", {"FnPermission", "FnPermission2"}) == "FnPermission3"


def test_lambda_permission_key_orders():
    fn, src = {"Ref": "fn"}, source_arn("Api", scope="/*/*/*", style="join")
    assert list(lambda_permission(fn, src)["Properties"]) == ["Action", "FunctionName", "Principal", "SourceArn"]
    assert list(lambda_permission(fn, src, function_first=True)["Properties"]) == ["FunctionName", "Action", "Principal", "SourceArn"]
    assert src["Fn::Join"][1][-2:] == [{"Ref": "Api"}, "/*/*/*"]
    assert source_arn("RestApi", scope="/*") == {"Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${RestApi}/*"}
