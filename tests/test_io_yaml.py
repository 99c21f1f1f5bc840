"""exporter.io.yaml: safe loading with CloudFormation's short-form tags (no tag builds an object),
YAML data as JSON sees it, node positions, and the round-trip writer. Expected values come from the
YAML 1.2 spec and CloudFormation's short-form reference (`!GetAtt A.B` is `{"Fn::GetAtt": ["A", "B"]}`),
written out by hand."""

from __future__ import annotations

import copy
import json
import time

import pytest

from exporter.errors import InternalError, Refused, UserError
from exporter.io.load import parse_text
from exporter.io.write import patch_yaml_text
from exporter.io.yaml import detect_yaml_indent, dump_yaml, json_key, json_keys, load_all_safe, yaml_locator


def one(text: str):
    docs = load_all_safe(text, "t.yaml")
    assert len(docs) == 1
    return docs[0]


# --- short-form tags, safely


@pytest.mark.parametrize("text,want", [
    ("a: !Ref Env\n", {"a": {"Ref": "Env"}}),
    ("a: !GetAtt Fn.Arn\n", {"a": {"Fn::GetAtt": ["Fn", "Arn"]}}),
    ("a: !GetAtt Fn.Outputs.Url\n", {"a": {"Fn::GetAtt": ["Fn", "Outputs.Url"]}}),  # split at the first dot only
    ("a: !GetAtt [Fn, Arn]\n", {"a": {"Fn::GetAtt": ["Fn", "Arn"]}}),
    ("a: !Sub 'arn:${AWS::Partition}:s3:::b'\n", {"a": {"Fn::Sub": "arn:${AWS::Partition}:s3:::b"}}),
    ("a: !Sub\n  - ${X}-y\n  - X: !Ref Env\n", {"a": {"Fn::Sub": ["${X}-y", {"X": {"Ref": "Env"}}]}}),
    ("a: !Join ['', [a, !Ref B]]\n", {"a": {"Fn::Join": ["", ["a", {"Ref": "B"}]]}}),
    ("a: !If [C, 1, !Ref AWS::NoValue]\n", {"a": {"Fn::If": ["C", 1, {"Ref": "AWS::NoValue"}]}}),
    ("a: !Transform {Name: AWS::Include, Parameters: {Location: s3://b/k}}\n",
     {"a": {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "s3://b/k"}}}}),
    ("a: !Condition IsProd\n", {"a": {"Condition": "IsProd"}}),
])
def test_short_forms_load_as_the_long_form(text, want):
    assert one(text) == want


def test_timestamps_stay_the_text_written():
    # CloudFormation and API Gateway read 2010-09-09 as the string it is written as
    assert one("AWSTemplateFormatVersion: 2010-09-09\nt: 2001-12-14t21:59:43.10-05:00\n") == {
        "AWSTemplateFormatVersion": "2010-09-09", "t": "2001-12-14t21:59:43.10-05:00"}


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system ['true']", "!!python/object:builtins.dict {}",
                                 "!!python/name:os.system", "!!python/tuple [1]"])
def test_object_tags_are_refused_and_name_the_file_and_line(tag):
    with pytest.raises(UserError) as e:
        load_all_safe(f"swagger: '2.0'\npaths:\n  x: {tag}\n", "in.yaml")
    assert e.value.file == "in.yaml" and e.value.line == 3
    assert str(e.value).startswith("in.yaml:3: invalid YAML: unsafe or unknown YAML tag 'tag:yaml.org,2002:python/")


def test_an_object_tag_never_runs(tmp_path):
    sentinel = tmp_path / "ran"
    with pytest.raises(UserError):
        load_all_safe(f"x: !!python/object/apply:os.system ['touch {sentinel}']\n", "in.yaml")
    assert not sentinel.exists()


def test_an_unknown_short_tag_is_file_line_message():
    with pytest.raises(UserError) as e:
        load_all_safe("a: 1\nb:\n  c: !Custom x\n", "in.yaml")
    assert str(e.value) == "in.yaml:3: unsupported YAML tag '!Custom'"
    assert (e.value.file, e.value.line) == ("in.yaml", 3)


def test_syntax_errors_say_file_and_line():
    with pytest.raises(UserError) as e:
        load_all_safe("a: 1\nb: [1, 2\n", "in.yaml")
    assert e.value.file == "in.yaml" and e.value.line is not None and str(e.value).startswith("in.yaml:")
    assert "invalid YAML:" in str(e.value)


def test_an_alias_bomb_is_never_expanded():
    # nine levels of nine aliases: 9**9 strings if expanded; the loader shares the lists instead
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [{', '.join('*' + prev for _ in range(9))}]")
    text = "\n".join(lines) + "\n"
    start = time.monotonic()
    data = one(text)
    assert time.monotonic() - start < 5
    assert data["i"][0] is data["i"][1]  # one object, nine references
    with pytest.raises(UserError, match="YAML aliases expand to more than 2,000,000 nodes"):
        parse_text(text, "bomb.yaml")


def test_several_documents_are_each_returned():
    assert load_all_safe("a: 1\n---\nb: 2\n", "t") == [{"a": 1}, {"b": 2}]


# --- YAML as JSON sees it


@pytest.mark.parametrize("key,want", [(200, "200"), (True, "true"), (False, "false"), (None, "null"), (1.5, "1.5"), ("x", "x")])
def test_json_key(key, want):
    assert json_key(key) == want


def test_json_keys_converts_nested_keys():
    assert json_keys({200: {"description": "ok"}, "x": [{True: None}]}) == {"200": {"description": "ok"}, "x": [{"true": None}]}


def test_keys_equal_as_json_are_a_duplicate():
    with pytest.raises(Refused) as e:
        json_keys({"responses": {200: "a", "200": "b"}})
    assert e.value.pointer == "/responses" and "duplicate key '200'" in str(e.value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), b"bytes", {1, 2}])
def test_values_json_cannot_hold_are_refused_with_a_pointer(value):
    with pytest.raises(Refused) as e:
        json_keys({"paths": {"/a~b": [value]}})
    assert e.value.pointer == "/paths/~1a~0b/0"


def test_a_list_as_a_key_is_refused_through_the_loader():
    with pytest.raises(UserError, match=r"^t.yaml:3: invalid YAML: a tuple used as a mapping key has no JSON equivalent at /b$"):
        parse_text("a: 1\nb:\n  ? [x, y]\n  : 2\n", "t.yaml")


# --- positions


def test_locator_gives_the_line_a_value_starts_on():
    text = "swagger: '2.0'\npaths:\n  /a/b:\n    get:\n      x: !Sub 'y'\n  /c:\n    - 1\n    - 2\n"
    locate = yaml_locator(text)
    assert locate("") == 1
    assert locate("/paths") == 3
    assert locate("/paths/~1a~1b/get") == 5
    assert locate("/paths/~1c/1") == 8
    assert locate("/paths/~1a~1b/get/x/Fn::Sub") == 5  # inside a short-form tag: the tag's own line
    assert locate("/nope/deeper") == 1  # not there: the nearest node found


def test_locator_of_bad_text_says_nothing():
    assert yaml_locator("a: [1\n")("/a") is None


# --- indentation


@pytest.mark.parametrize("text,want", [
    ("a:\n  b: 1\n  c:\n  - x\n", (2, 0)),
    ("a:\n    b: 1\n    c:\n      - x\n      - y\n", (4, 2)),
    ("a:\n  b:\n    - x\n  c:\n    - y\n", (2, 2)),
    ("a: 1\n", (2, 0)),  # nothing to go by: ruamel's defaults
])
def test_detect_yaml_indent(text, want):
    assert detect_yaml_indent(text) == want


# --- the round-trip writer


TEMPLATE = """\
# the stack
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
    env: {Type: String, Default: dev}   # flow style kept
Resources:
    Fn:
        Type: AWS::Lambda::Function
        Properties:
            FunctionName: !Sub "orders-${env}"
            Tags:
              - Key: team
                Value: 'core'
    Perm:
        Type: AWS::Lambda::Permission
        Properties:
            FunctionName: !GetAtt Fn.Arn
            Principal: apigateway.amazonaws.com
"""


def data_of(text: str):
    return parse_text(text, "t.yaml")[0]


def test_unchanged_data_gives_the_text_back_byte_for_byte():
    assert patch_yaml_text(TEMPLATE, data_of(TEMPLATE)) == TEMPLATE


def test_a_change_touches_only_its_line():
    new = data_of(TEMPLATE)
    new["Resources"]["Perm"]["Properties"]["Principal"] = "events.amazonaws.com"
    out = patch_yaml_text(TEMPLATE, new)
    assert out == TEMPLATE.replace("Principal: apigateway.amazonaws.com", "Principal: events.amazonaws.com")
    assert data_of(out) == new


def test_an_added_key_takes_the_files_indentation_and_short_tags():
    new = data_of(TEMPLATE)
    new["Resources"]["Perm"]["Properties"]["SourceArn"] = {"Fn::Sub": "arn:${AWS::Partition}:execute-api:x"}
    out = patch_yaml_text(TEMPLATE, new)
    # plain, as the file writes its strings where it can ('...' twice, "..." once: no quoting style to copy)
    assert out == TEMPLATE + "            SourceArn: !Sub arn:${AWS::Partition}:execute-api:x\n"
    assert data_of(out) == new


def test_crlf_line_ends_are_kept():
    text = TEMPLATE.replace("\n", "\r\n")
    new = data_of(TEMPLATE)
    new["Resources"]["Fn"]["Type"] = "AWS::Serverless::Function"
    out = patch_yaml_text(text, new)
    assert out == text.replace("Type: AWS::Lambda::Function", "Type: AWS::Serverless::Function")


def test_dump_yaml_writes_data_that_reads_back():
    data = {"a": "line1\nline2", "b": "sep\u2028here", "c": [1, 2.5, None, True], "d": {"Fn::Sub": "x"}, "e": "0.5", "f": ""}
    text = dump_yaml(data)
    assert data_of(text) == data
    assert "a: |-\n  line1\n  line2\n" in text  # a multi-line string as a literal block
    assert '"sep\\Lhere"' in text  # YAML reads a raw U+2028 as a line break: escaped in double quotes


# --- floats: the text read is the text written

FLOATS = ["0.30000000000000004", "1.2345678901234567", "6.994738098826268e-23", "5.385691725545184e+27",
          "2.2250738585072014e-308", "1.2345678901234567E+20", "1_000.5", ".5", "5.", "+1.5", "-0.30000000000000004",
          "0.000012345678901234567"]


@pytest.mark.parametrize("literal", FLOATS)
def test_a_float_next_to_a_change_keeps_its_text_and_value(literal):
    # a flow mapping: the change lands on the float's own line, so ruamel's text for it is what is written
    text = f"Resources:\n  R:\n    Type: X\n    Properties: {{Ratio: {literal}, Name: old}}\n  S:\n    Threshold: {literal}\n"
    new = data_of(text)
    new["Resources"]["R"]["Properties"]["Name"] = "new"
    out = patch_yaml_text(text, new)
    assert out == text.replace("Name: old", "Name: new")
    assert data_of(out) == new
    assert data_of(out)["Resources"]["R"]["Properties"]["Ratio"] == float(literal.replace("_", ""))


def test_a_float_in_a_block_sequence_keeps_its_text_when_an_item_is_added():
    text = "a:\n  - 6.994738098826268e-23\n  - 0.30000000000000004\nb: 1\n"
    new = data_of(text)
    new["a"].append(7.0e-23)
    out = patch_yaml_text(text, new)
    assert out == "a:\n  - 6.994738098826268e-23\n  - 0.30000000000000004\n  - 7e-23\nb: 1\n"
    assert data_of(out) == new


def test_a_changed_float_is_written_as_its_shortest_exact_text():
    text = "a: {x: 1.50, y: old}\n"
    new = data_of(text)
    new["a"]["x"] = 0.1 + 0.2
    out = patch_yaml_text(text, new)
    assert data_of(out)["a"]["x"] == 0.1 + 0.2
    assert "0.30000000000000004" in out


def test_a_yaml_template_with_exact_floats_converts(cli, tmp_path):
    template = tmp_path / "template.yaml"
    template.write_text("""\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: floats
      Body:
        swagger: '2.0'
        info:
          title: floats
        paths:
          /a:
            get:
              responses:
                '200':
                  description: ok
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates:
                  application/json: '{"statusCode": 200}'
                responses:
                  default:
                    statusCode: '200'
        definitions:
          Reading:
            type: object
            properties:
              ratio: {type: number, maximum: 0.30000000000000004, minimum: 6.994738098826268e-23, description: old}
              scale:
                type: number
                default: 1.2345678901234567
  Alarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Threshold: 5.385691725545184e+27
      EvaluationPeriods: 1
""")
    before = template.read_text()
    export = data_of(before)["Resources"]["Api"]["Properties"]["Body"]
    export["definitions"]["Reading"]["properties"]["ratio"]["description"] = "new"
    (tmp_path / "export.json").write_text(json.dumps(export, indent=2))
    out = tmp_path / "out.yaml"
    result = cli("convert", tmp_path / "export.json", "--template", template, "-o", out)
    assert result.exit_code == 0, result.stderr  # was 123: ruamel wrote 6.994738098826267e-23 on the changed line
    assert out.read_text() == before.replace("description: old}", "description: new}")
    body = data_of(out.read_text())["Resources"]["Api"]["Properties"]["Body"]
    assert body["definitions"]["Reading"]["properties"]["ratio"]["minimum"] == 6.994738098826268e-23


def test_the_writer_refuses_rather_than_writes_a_wrong_value(monkeypatch):
    # the read-back check is the last line of defence: a writer that changes a value is stopped
    import exporter.io.write as write

    monkeypatch.setattr(write, "redump", lambda text, new: (text, text.replace("1.5", "2.5")))
    new = data_of("a: {x: 1.5, y: old}\n")
    new["a"]["y"] = "new"
    with pytest.raises(InternalError):
        write.patch_yaml_text("a: {x: 1.5, y: old}\n", copy.deepcopy(new))


def test_a_changed_value_keeps_the_style_it_was_written_in():
    """A rename (the redeploy) changes values written with short tags, quotes and flow style: each
    keeps how it was written (was: block Fn::GetAtt lists, lost quotes, a flow !Join in block style)."""
    from exporter.io.load import parse_text
    from exporter.io.write import patch_yaml_text

    text = ("A:\n"
            "  a: !GetAtt Dep.DeploymentId\n"
            "  b: !GetAtt [Dep, DeploymentId]\n"
            "  c: !Sub \"after ${Dep}\"\n"
            "  d: !Join [\"-\", [!Ref Dep, x]]\n"
            "  e: 'Dep'\n"
            "  f: {Ref: Dep}\n")
    data = parse_text(text, "t.yaml")[0]
    new = {"A": {"a": {"Fn::GetAtt": ["Dep1", "DeploymentId"]}, "b": {"Fn::GetAtt": ["Dep1", "DeploymentId"]},
                 "c": {"Fn::Sub": "after ${Dep1}"}, "d": {"Fn::Join": ["-", [{"Ref": "Dep1"}, "x"]]}, "e": "Dep1",
                 "f": {"Ref": "Dep1"}}}
    assert data["A"]["f"] == {"Ref": "Dep"}
    assert patch_yaml_text(text, new) == ("A:\n"
                                          "  a: !GetAtt Dep1.DeploymentId\n"
                                          "  b: !GetAtt [Dep1, DeploymentId]\n"
                                          "  c: !Sub \"after ${Dep1}\"\n"
                                          "  d: !Join [\"-\", [!Ref Dep1, x]]\n"
                                          "  e: 'Dep1'\n"
                                          "  f: {Ref: Dep1}\n")


def test_a_renamed_key_keeps_the_comment_above_it():
    from exporter.io.write import patch_yaml_text

    text = "R:\n  A:\n    x: 1\n\n  # IMPORTANT: the deployment\n  Dep:\n    y: 2\n"
    new = {"R": {"A": {"x": 1}, "Dep1a2b3c4d": {"y": 2}}}
    assert patch_yaml_text(text, new) == "R:\n  A:\n    x: 1\n\n  # IMPORTANT: the deployment\n  Dep1a2b3c4d:\n    y: 2\n"


def test_a_whitespace_only_line_after_a_changed_value_stays():
    """ruamel drops a blank line that holds spaces; the splice keeps it when the change ends beside it
    (seen in a real template: the line after a rewritten !Sub went)."""
    from exporter.io.write import patch_yaml_text

    text = "A:\n  r: !Sub \"arn:aws:s3:::${B}/*\"\n  \nC:\n  x: 1\n"
    new = {"A": {"r": {"Fn::Sub": "arn:${AWS::Partition}:s3:::${B}/*"}}, "C": {"x": 1}}
    assert patch_yaml_text(text, new) == "A:\n  r: !Sub \"arn:${AWS::Partition}:s3:::${B}/*\"\n  \nC:\n  x: 1\n"
