"""exporter.render.json: the preview for bots. The expected document is written out by hand, key by
key, in the order the renderer promises (stable keys; the template's own key order inside values)."""

from __future__ import annotations

import json

from exporter.diff import MISSING, Change, OtherDiff, Preview, RewriteRow, RouteDiff
from exporter.model import Finding
from exporter.render.json import render


def preview(**kw) -> Preview:
    base = dict(template="template.json", api="RestApi", routes=[], security=[], rewrites=[], other=[], files=[])
    return Preview(**{**base, **kw})


def test_an_empty_preview():
    text = render(preview())
    assert text == """\
{
  "template": "template.json",
  "api": "RestApi",
  "changed": false,
  "summary": {
    "added": 0,
    "changed": 0,
    "removed": 0,
    "unchanged": 0
  },
  "routes": [],
  "security": [],
  "rewrites": [],
  "other": [],
  "files": []
}
"""


def test_every_section_with_its_fields():
    route = RouteDiff("POST", "/orders", "changed",
                      changes=[Change("integration.uri", "changed", "arn:old", "arn:new"),
                               Change("integration.timeoutInMillis", "added", MISSING, 5000)],
                      diff=["-a", "+b"], note="n", integration="aws states:action/StartExecution")
    added = RouteDiff("GET", "/health", "added")
    finding = Finding("security", "the method has no authorizer", severity="warning", method="GET", path="/health")
    rewrite = RewriteRow("/paths/~1orders/post/x-amazon-apigateway-integration/uri", "lambda-arn", "arn:aws:lambda:x",
                         {"Fn::Sub": "arn:${AWS::Partition}:lambda:x"}, "POST /orders", "integration.uri")
    other = OtherDiff("template.json", "Parameters", "env", "added", changes=[Change("Default", "added", None, "dev")])
    data = json.loads(render(preview(routes=[route, added], security=[finding], rewrites=[rewrite], other=[other],
                                     files=["template.json"])))
    assert list(data) == ["template", "api", "changed", "summary", "routes", "security", "rewrites", "other", "files"]
    assert data["changed"] is True
    assert data["summary"] == {"added": 1, "changed": 1, "removed": 0, "unchanged": 0}
    assert data["routes"][0] == {
        "method": "POST", "path": "/orders", "status": "changed",
        "changes": [{"where": "integration.uri", "kind": "changed", "before": "arn:old", "after": "arn:new", "lines": []},
                    # a value that was not there is null, not the sentinel's repr
                    {"where": "integration.timeoutInMillis", "kind": "added", "before": None, "after": 5000, "lines": []}],
        "note": "n", "integration": "aws states:action/StartExecution", "diff": ["-a", "+b"]}
    assert list(data["routes"][0]) == ["method", "path", "status", "changes", "note", "integration", "diff"]
    assert data["routes"][1]["changes"] == [] and data["routes"][1]["status"] == "added"
    assert data["security"] == [{"method": "GET", "path": "/health", "severity": "warning", "message": "the method has no authorizer"}]
    assert data["rewrites"] == [{"pointer": "/paths/~1orders/post/x-amazon-apigateway-integration/uri", "rule": "lambda-arn",
                                 "before": "arn:aws:lambda:x", "after": {"Fn::Sub": "arn:${AWS::Partition}:lambda:x"},
                                 "route": "POST /orders", "where": "integration.uri"}]
    assert data["other"] == [{"file": "template.json", "section": "Parameters", "name": "env", "status": "added", "renamed_from": "",
                              "changes": [{"where": "Default", "kind": "added", "before": None, "after": "dev", "lines": []}],
                              "diff": []}]
    assert data["files"] == [{"path": "template.json"}]


def test_it_is_what_json_dumps_writes_with_indent_2():
    route = RouteDiff("GET", "/caf\u00e9", "changed", changes=[Change("x", "changed", {"b": 1, "a": [1, {"z": None}]}, "\u2028\x1b")])
    text = render(preview(routes=[route], files=["t.json"]))
    data = json.loads(text)
    assert text == json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    assert "/caf\u00e9" in text  # UTF-8, not \u00e9
    assert list(data["routes"][0]["changes"][0]["before"]) == ["b", "a"]  # the value's own key order, not sorted
