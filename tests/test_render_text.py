"""exporter.render.text: the terminal preview (routes, changes, security, rewrites, other changes,
files, unified diffs), on hand-built Previews."""

from __future__ import annotations

from exporter.diff import MISSING, Change, OtherDiff, Preview, RewriteRow, RouteDiff
from exporter.model import HIGH, Finding
from exporter.render.text import render


def _preview(**kw) -> Preview:
    base = dict(template="template.json", api="Api", routes=[], security=[], rewrites=[], other=[], files=[])
    base.update(kw)
    return Preview(**base)


def test_no_changes_is_two_lines():
    p = _preview(routes=[RouteDiff("GET", "/a", "unchanged"), RouteDiff("POST", "/a", "unchanged")])
    assert render(p) == ("export-to-cfn diff: template.json (Api)\n"
                         "no changes: the template already matches the export (2 routes: 0 added, 0 changed, 0 removed, 2 unchanged)\n")


ROUTES = [
    RouteDiff("GET", "/orders", "added", integration="http GET https://x"),
    RouteDiff("DELETE", "/orders/{id}", "removed"),
    RouteDiff("POST", "/orders", "changed", changes=[
        Change("x-amazon-apigateway-integration.uri", "changed", "https://old", "https://new"),
        Change("x-amazon-apigateway-integration.requestTemplates", "rewritten", "arn:aws:x", {"Fn::Sub": "arn:${AWS::Partition}:x"}),
        Change("x-amazon-apigateway-integration.timeoutInMillis", "added", MISSING, 1000),
        Change("summary", "removed", "old summary", MISSING),
    ], diff=["--- a", "+++ b", "@@", "-old", "+new"]),
    RouteDiff("PUT", "/x", "unchanged"),
]


def _lines(p: Preview) -> list[str]:
    out = render(p)
    assert out.endswith("\n") and not out.endswith("\n\n")
    return out.split("\n")[:-1]


def test_routes_section_marks_names_padded_and_details():
    lines = _lines(_preview(routes=ROUTES, files=["template.json"]))
    assert lines[0] == "export-to-cfn diff: template.json (Api)"
    assert lines[1] == "4 routes: 1 added, 1 changed, 1 removed, 1 unchanged"
    start = lines.index("Routes")
    w = len("DELETE /orders/{id}")
    assert lines[start + 1] == f"  + {'GET /orders'.ljust(w)}  added: http GET https://x"
    assert lines[start + 2] == f"  - {'DELETE /orders/{id}'.ljust(w)}  removed"
    assert lines[start + 3].startswith(f"  ~ {'POST /orders'.ljust(w)}  changed: integration.uri changed, ")
    assert lines[start + 4] == f"  = {'PUT /x'.ljust(w)}  unchanged"


def test_changes_section_one_line_per_change_with_its_mark():
    lines = _lines(_preview(routes=ROUTES, files=["template.json"]))
    start = lines.index("Changes")
    assert lines[start + 1: start + 6] == [
        "~ POST /orders",
        "    ~ x-amazon-apigateway-integration.uri: https://old -> https://new",
        "    ≈ x-amazon-apigateway-integration.requestTemplates: arn:aws:x -> !Sub arn:${AWS::Partition}:x (same deployed value)",
        "    + x-amazon-apigateway-integration.timeoutInMillis: 1000",
        "    - summary: old summary",
    ]
    # only routes with changes are listed there
    assert "+ GET /orders" not in lines[start:]


def test_change_lines_are_indented_under_it():
    route = RouteDiff("POST", "/v", "changed", changes=[Change("requestTemplates.application/json", "changed", "a\nb", "a\nc",
                                                               lines=["-b", "+c"])])
    lines = _lines(_preview(routes=[route], files=["t"]))
    i = lines.index("    ~ requestTemplates.application/json: a\\nb -> a\\nc")
    assert lines[i + 1: i + 3] == ["        -b", "        +c"]


def test_a_change_without_a_where_is_the_value():
    route = RouteDiff("POST", "/v", "changed", changes=[Change("", "changed", 1, 2)])
    assert "    ~ (value): 1 -> 2" in _lines(_preview(routes=[route], files=["t"]))


def test_long_values_are_cut():
    route = RouteDiff("POST", "/v", "changed", changes=[Change("uri", "changed", "a" * 200, "b" * 200)])
    [line] = [x for x in _lines(_preview(routes=[route], files=["t"])) if x.startswith("    ~ uri: ")]
    before, after = line[len("    ~ uri: "):].split(" -> ")
    assert before == "a" * 59 + "…" and after == "b" * 99 + "…"


def test_security_section_counts_or_says_none():
    lines = _lines(_preview(routes=ROUTES, files=["t"]))
    i = lines.index("Security (0)")
    assert lines[i + 1] == "  no security-relevant changes"
    f = Finding("security", "authorization NONE (was AWS_IAM)", severity=HIGH, method="POST", path="/orders")
    lines = _lines(_preview(routes=ROUTES, files=["t"], security=[f]))
    i = lines.index("Security (1)")
    assert lines[i + 1] == "  ! high   POST /orders: authorization NONE (was AWS_IAM)"


def test_rewrites_section_only_when_there_are_some():
    assert not any(x.startswith("Rewrites") for x in _lines(_preview(routes=ROUTES, files=["t"])))
    rows = [RewriteRow("/paths/~1o/post/x", "home-region", "us-east-1", {"Ref": "AWS::Region"}, "POST /o", "integration.uri"),
            RewriteRow("/x-amazon-apigateway-policy", "arn", "arn:aws:x", {"Fn::Sub": "arn:${AWS::Partition}:x"}, None, "/x-amazon-apigateway-policy")]
    lines = _lines(_preview(routes=ROUTES, files=["t"], rewrites=rows))
    i = lines.index("Rewrites: literal -> intrinsic (2)")
    assert lines[i + 1: i + 3] == ["  [home-region] POST /o integration.uri: us-east-1 -> !Ref AWS::Region",
                                   "  [arn] /x-amazon-apigateway-policy: arn:aws:x -> !Sub arn:${AWS::Partition}:x"]


def test_other_changes_section_labels_status_and_file():
    other = [
        OtherDiff("template.json", "Parameters", "env", "added", changes=[Change("Default", "added", MISSING, "dev")]),
        OtherDiff("template.json", "Resources", "ApiDeploymentabc12345", "renamed", renamed_from="ApiDeployment"),
        OtherDiff("amplify/backend/backend-config.json", "", "api", "changed"),
    ]
    lines = _lines(_preview(routes=ROUTES, files=["t"], other=other))
    i = lines.index("Other changes (parameters, settings, other resources and files)")
    assert lines[i + 1: i + 5] == [
        "+ Parameters.env (added)",
        "    + Default: dev",
        "> Resources.ApiDeploymentabc12345 (renamed from ApiDeployment)",
        "~ api (changed, amplify/backend/backend-config.json)",  # another file than the template: named
    ]


def test_files_and_unified_diffs_come_last():
    other = [OtherDiff("t", "Parameters", "env", "added", diff=["--- p", "+++ p"])]
    lines = _lines(_preview(routes=ROUTES, files=["template.json", "backend-config.json"], other=other))
    i = lines.index("Files that would change")
    assert lines[i + 1: i + 3] == ["  template.json", "  backend-config.json"]
    j = lines.index("Unified diff")
    assert j > i
    assert lines[j + 1:] == ["--- a", "+++ b", "@@", "-old", "+new", "--- p", "+++ p"]  # routes' diffs, then the others'


def test_no_unified_diff_section_without_diffs():
    assert "Unified diff" not in _lines(_preview(routes=[RouteDiff("GET", "/a", "added")], files=["t"]))
