"""exporter.io.write: the JSON patcher keeps every untouched byte and writes new values in the
surrounding style; the YAML round trip keeps comments, order and short-form tags."""

from __future__ import annotations

import copy
import difflib
import json
from pathlib import Path

import pytest

from conftest import corpus_params
from exporter.errors import UserError

from exporter.io.load import parse_text
from exporter.io.write import patch_json_text, patch_yaml_text, write_atomic
from exporter.io.yaml import detect_yaml_indent, load_rt_tree as load_yaml_rt, plain_of_rt


def changed_lines(before: str, after: str) -> list[str]:
    """Lines removed (-) or added (+), the way a reviewer's diff shows them."""
    diff = difflib.ndiff(before.splitlines(keepends=True), after.splitlines(keepends=True))
    return [line[0] + line[2:] for line in diff if line[:1] in "+-"]


# Shaped like an Amplify template: tabs, a blank line between sections, inline arrays, odd spacing.
AMPLIFY_LIKE = (
    '{\n'
    '\t"AWSTemplateFormatVersion": "2010-09-09",\n'
    '\t"Parameters": {\n'
    '\t\t"env": {\n'
    '\t\t\t"Type": "String"\n'
    '\t\t}\n'
    '\t},\n'
    '\n'
    '\t"Resources": {\n'
    '\t\t"Api": {\n'
    '\t\t\t"Type": "AWS::ApiGateway::RestApi",\n'
    '\t\t\t"Properties": {\n'
    '\t\t\t\t"Name":   "api",\n'
    '\t\t\t\t"Body": {\n'
    '\t\t\t\t\t"swagger": "2.0",\n'
    '\t\t\t\t\t"schemes": ["https"],\n'
    '\t\t\t\t\t"paths": {\n'
    '\t\t\t\t\t\t"/a": {\n'
    '\t\t\t\t\t\t\t"get": {"x-amazon-apigateway-integration": {"type": "mock"}}\n'
    '\t\t\t\t\t\t}\n'
    '\t\t\t\t\t}\n'
    '\t\t\t\t}\n'
    '\t\t\t}\n'
    '\t\t}\n'
    '\t}\n'
    '}\n'
)


def test_unchanged_document_is_byte_identical():
    data = json.loads(AMPLIFY_LIKE)
    assert patch_json_text(AMPLIFY_LIKE, data, copy.deepcopy(data)) == AMPLIFY_LIKE


def test_one_changed_leaf_changes_one_line():
    old = json.loads(AMPLIFY_LIKE)
    new = copy.deepcopy(old)
    new["Resources"]["Api"]["Properties"]["Name"] = "renamed"
    out = patch_json_text(AMPLIFY_LIKE, old, new)
    diff = changed_lines(AMPLIFY_LIKE, out)
    assert diff == ['-\t\t\t\t"Name":   "api",\n', '+\t\t\t\t"Name":   "renamed",\n'], "".join(diff)
    assert json.loads(out) == new


def test_new_key_is_written_at_its_siblings_indentation():
    old = json.loads(AMPLIFY_LIKE)
    new = copy.deepcopy(old)
    new["Resources"]["Api"]["Properties"]["Body"]["paths"]["/b"] = {"post": {"x": 1}}
    out = patch_json_text(AMPLIFY_LIKE, old, new)
    assert json.loads(out) == new
    added = [l for l in changed_lines(AMPLIFY_LIKE, out) if l.startswith("+")]
    assert '+\t\t\t\t\t\t"/b": {\n' in added, "".join(added)
    assert '+\t\t\t\t\t\t\t"post": {\n' in added, "".join(added)
    # the blank line between Parameters and Resources, and the inline array, are untouched
    assert "\t},\n\n\t\"Resources\"" in out and '"schemes": ["https"]' in out


def test_crlf_file_stays_crlf():
    text = json.dumps({"Resources": {"A": {"Type": "X", "Properties": {"P": 1}}}}, indent=2).replace("\n", "\r\n") + "\r\n"
    old = json.loads(text)
    new = copy.deepcopy(old)
    new["Resources"]["A"]["Properties"]["Q"] = {"nested": [1, 2]}
    out = patch_json_text(text, old, new)
    assert json.loads(out) == new
    assert "\n" not in out.replace("\r\n", ""), f"a bare LF was written:\n{out!r}"
    assert out.startswith(text.split('"P": 1')[0]), "bytes before the change moved"


def test_space_colon_space_separator_is_kept_for_new_keys():
    text = json.dumps({"Resources": {"A": {"Type": "X"}}}, indent=4, separators=(",", " : ")) + "\n"
    old = json.loads(text)
    new = copy.deepcopy(old)
    new["Resources"]["B"] = {"Type": "Y", "Properties": {"K": "v"}}
    out = patch_json_text(text, old, new)
    assert json.loads(out) == new
    added = [l for l in changed_lines(text, out) if l.startswith("+")]
    assert '+        "B" : {\n' in added, "".join(added)
    assert '+            "Type" : "Y",\n' in added, "".join(added)


def test_removed_last_member_keeps_valid_json():
    text = '{\n  "paths": {\n    "/a": {"get": {}},\n    "/b": {"get": {}}\n  }\n}\n'
    old = json.loads(text)
    new = {"paths": {"/a": {"get": {}}}}
    out = patch_json_text(text, old, new)
    assert json.loads(out) == new
    assert out == '{\n  "paths": {\n    "/a": {"get": {}}\n  }\n}\n'


YAML_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
# top comment
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: !Sub "api-${Stage}"  # per stage
      Body:
        info:
          version: 2024-05-02T09:14:03Z
        paths:
          /a:
            get:
              responses:
                200:
                  description: ok
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Join ["-", [!Ref Stage, api]]
      ManagedPolicyArns:
        - !Sub arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess
Outputs:
  Arn:
    Value: !GetAtt Role.Arn
"""


def test_yaml_round_trip_is_identical_after_a_safe_load():
    # Regression: the safe loader once registered its CloudFormation tag constructor on ruamel's
    # shared SafeConstructor class, and every later round-trip load turned !Sub into Fn::Sub.
    data, fmt = parse_text(YAML_TEMPLATE, "t.yaml")
    assert fmt == "yaml"
    assert patch_yaml_text(YAML_TEMPLATE, data) == YAML_TEMPLATE


def test_yaml_change_keeps_comments_short_tags_and_int_keys():
    data, _ = parse_text(YAML_TEMPLATE, "t.yaml")
    data["Resources"]["Api"]["Properties"]["Body"]["paths"]["/a"]["get"]["responses"]["200"]["description"] = "changed"
    data["Resources"]["Api"]["Properties"]["Body"]["paths"]["/b"] = {"get": {"x-amazon-apigateway-integration": {"uri": {"Fn::Sub": "arn:${AWS::Partition}:x"}}}}
    out = patch_yaml_text(YAML_TEMPLATE, data)
    diff = changed_lines(YAML_TEMPLATE, out)
    assert diff == [
        "-                  description: ok\n",
        "+                  description: changed\n",
        "+          /b:\n",
        "+            get:\n",
        "+              x-amazon-apigateway-integration:\n",
        "+                uri: !Sub arn:${AWS::Partition}:x\n",
    ], "".join(diff)
    assert parse_text(out, "out.yaml")[0] == data


def test_plain_of_rt_reads_like_load():
    tree = load_yaml_rt(YAML_TEMPLATE)
    assert plain_of_rt(tree, YAML_TEMPLATE.splitlines()) == parse_text(YAML_TEMPLATE, "t.yaml")[0]
    responses = plain_of_rt(tree)["Resources"]["Api"]["Properties"]["Body"]["paths"]["/a"]["get"]["responses"]
    assert list(responses) == ["200"], f"expected JSON key '200', got {list(responses)!r}"


@pytest.mark.parametrize("text,want", [
    ("a:\n  b:\n  - x\n", (2, 0)),
    ("a:\n  b:\n    - x\n    - y\n", (2, 2)),
    ("a:\n    b:\n        - x\n", (4, 4)),
    ("a: 1\n", (2, 0)),
])
def test_detect_yaml_indent(text, want):
    assert detect_yaml_indent(text) == want


def test_write_atomic_replaces_and_keeps_mode(tmp_path):
    target = tmp_path / "t.json"
    target.write_text("old")
    target.chmod(0o640)
    write_atomic({target: "new"})
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["t.json"], "a temp file was left behind"


def test_write_atomic_writes_nothing_when_one_file_fails(tmp_path):
    good = tmp_path / "good.json"
    good.write_text("old")
    bad = tmp_path / "missing-folder" / "bad.json"
    with pytest.raises(UserError, match="cannot write"):  # an OSError becomes one clear line (exit 2)
        write_atomic({good: "new", bad: "new"})
    assert good.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["good.json"]


def test_member_added_to_an_inline_object_stays_inline():
    text = '{\n  "paths": {"/a": {"get": {}}},\n  "x": 1\n}\n'
    old = json.loads(text)
    new = copy.deepcopy(old)
    new["paths"]["/b"] = {"post": {"k": [1, 2]}}
    out = patch_json_text(text, old, new)
    assert out == '{\n  "paths": {"/a": {"get": {}}, "/b": {"post": {"k": [1, 2]}}},\n  "x": 1\n}\n', out


MIXED = """\
Resources:
  Role:
    Properties:
      Policies:
      - PolicyName: "a"   # dash under the key
      Description: "a long double-quoted string folded by the dumper that wrote it\\
        \\ onto a second line"
  Api:
    Properties:
      Body:
        paths:
          /a:
            get:
              parameters:
                - name: "q"
                  in: "query"
"""


def test_yaml_untouched_lines_keep_their_own_layout():
    data, _ = parse_text(MIXED, "t.yaml")
    assert patch_yaml_text(MIXED, data) == MIXED
    data["Resources"]["Api"]["Properties"]["Body"]["paths"]["/b"] = {"get": {"operationId": "b"}}
    out = patch_yaml_text(MIXED, data)
    assert changed_lines(MIXED, out) == ["+          /b:\n", "+            get:\n", "+              operationId: b\n"], out
    assert parse_text(out, "out.yaml")[0] == data


def _yaml_templates(corpus):  # noqa: ANN001, ANN202 - a Path; Path items
    from exporter.io.load import is_template, load

    for f in sorted(corpus.rglob("*")):
        if f.suffix in (".yaml", ".yml") and f.is_file():
            try:
                if is_template(load(f).data):
                    yield f
            except Exception:  # noqa: BLE001 - not a template we can read: not this test's business
                continue


@pytest.mark.parametrize("path", corpus_params(_yaml_templates, what="YAML template"))
def test_corpus_yaml_template_round_trips_byte_identical(path):
    from exporter.io.load import load

    doc = load(path)
    assert patch_yaml_text(doc.text, doc.data) == doc.text


def test_yaml_crlf_file_keeps_blank_lines_and_crlf():
    text = "Resources:\r\n  Api:\r\n    Properties:\r\n      Body:\r\n        paths: {}\r\n\r\n  Table:\r\n    Type: X\r\n"
    data, _ = parse_text(text, "t.yaml")
    assert patch_yaml_text(text, data) == text
    data["Resources"]["Api"]["Properties"]["Body"]["paths"]["/b"] = {"get": {"operationId": "b"}}
    out = patch_yaml_text(text, data)
    assert "\n" not in out.replace("\r\n", ""), "a bare LF was written"
    assert changed_lines(text.replace("\r\n", "\n"), out.replace("\r\n", "\n")) == [
        "-        paths: {}\n", "+        paths:\n", "+          /b:\n", "+            get:\n", "+              operationId: b\n"], out


@pytest.mark.parametrize("text", ["x\x85y", "a\u2028b", "p\u2029q\nr", "tab\there", "trail \nx", "null", "0o17", "${x}\n${!y}", "é 日本"])
@pytest.mark.parametrize("original", [None, "R:\n  V: !Ref Old\n"], ids=["new-file", "patched-with-short-tags"])
def test_yaml_writes_awkward_strings_faithfully(text, original):
    # NEL (\x85) and U+2028/2029 are line breaks to a YAML reader unless escaped in double quotes.
    from exporter.io.write import render_document

    data = {"R": {"V": text, "L": [text], "S": {"Fn::Sub": text}, "M": {text: text}}}
    out = render_document(data, original, None, "yaml")
    back = parse_text(out, "out.yaml")[0]
    assert back == data, f"expected {data!r}\n     got {back!r}\nfrom:\n{out}"


@pytest.mark.parametrize("quote", ['"', "'"])
def test_yaml_new_strings_quote_like_the_file(quote):
    text = f"R:\n  a: {quote}200{quote}\n  b: {quote}yes{quote}\n"
    data, _ = parse_text(text, "t.yaml")
    data["R"]["c"] = "201"
    data["R"]["d"] = '{"statusCode": 200}'
    out = patch_yaml_text(text, data)
    other = "'" if quote == '"' else "'"
    assert changed_lines(text, out) == [f"+  c: {quote}201{quote}\n", f"+  d: {other}{{\"statusCode\": 200}}{other}\n"], out


def test_write_atomic_refuses_a_device_and_leaves_it_alone(tmp_path):
    """`-o /dev/null` must never turn the device into a regular file (a rename would)."""
    import os
    import stat

    with pytest.raises(UserError, match="not a regular file"):
        write_atomic({Path("/dev/null"): "x"})
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
