"""exporter.io.locate: the line a JSON pointer's value starts on. Lines are counted by hand in the
texts below (1-based, as editors and compilers number them)."""

from __future__ import annotations

import pytest

from exporter.io.load import Document
from exporter.io.locate import line_finder

JSON_TEXT = """\
{
  "swagger": "2.0",
  "paths": {
    "/pets/{id}": {
      "get": {
        "x-amazon-apigateway-integration": {
          "uri": "arn:aws:lambda:x",
          "requestTemplates": {"application/json": "{\\"a\\": 1}"}
        }
      }
    },
    "a~b": [
      10,
      {"k": "v"},

      "last"
    ]
  },
  "empty": {},
  "\\u002fescaped": true
}
"""


def finder(text: str, fmt: str):
    return line_finder(Document("t." + fmt, None, text, fmt))  # positions come from the text alone


@pytest.mark.parametrize("pointer,line", [
    ("", 1),
    ("/swagger", 2),
    ("/paths", 3),
    ("/paths/~1pets~1{id}", 4),
    ("/paths/~1pets~1{id}/get/x-amazon-apigateway-integration/uri", 7),
    ("/paths/~1pets~1{id}/get/x-amazon-apigateway-integration/requestTemplates/application~1json", 8),
    ("/paths/a~0b", 12),
    ("/paths/a~0b/0", 13),
    ("/paths/a~0b/1/k", 14),
    ("/paths/a~0b/2", 16),  # after a blank line
    ("/empty", 19),
    ("/~1escaped", 20),  # the key is written with a \u escape: the pointer names the key it decodes to
])
def test_json_lines(pointer, line):
    assert finder(JSON_TEXT, "json")(pointer) == line


@pytest.mark.parametrize("pointer,line", [
    ("/paths/missing", 3),  # no such key: the deepest value found
    ("/paths/a~0b/9", 12),  # no such index
    ("/paths/a~0b/x", 12),  # not an index
    ("/swagger/0", 2),  # into a string (Fn::Sub text): the string's own line
    ("/empty/x", 19),
])
def test_json_pointers_that_go_nowhere_stop_at_the_nearest_value(pointer, line):
    assert finder(JSON_TEXT, "json")(pointer) == line


def test_json_leading_whitespace_and_crlf():
    text = '\r\n\r\n  {"a":\r\n {"b": 1}}'
    locate = finder(text, "json")
    assert locate("") == 3 and locate("/a") == 4 and locate("/a/b") == 4


def test_json_on_one_line():
    text = '{"a": [1, 2, {"b": 3}]}'
    assert {finder(text, "json")(p) for p in ("", "/a", "/a/2/b")} == {1}


def test_json_that_does_not_parse_says_nothing_rather_than_raising():
    assert finder('{"a": [1, 2', "json")("/a/1") is None


YAML_TEXT = """\
# a comment
swagger: '2.0'
paths:
  /pets/{id}:
    get:
      x-amazon-apigateway-integration:
        uri: !Sub 'arn:${AWS::Partition}:lambda:x'
        requestTemplates:
          application/json: |
            {"a": 1}
  a~b:
    - 10
    - k: v
"""


@pytest.mark.parametrize("pointer,line", [
    ("", 2),  # the document starts after the comment
    ("/swagger", 2),
    ("/paths/~1pets~1{id}/get", 6),
    ("/paths/~1pets~1{id}/get/x-amazon-apigateway-integration/uri", 7),
    ("/paths/~1pets~1{id}/get/x-amazon-apigateway-integration/uri/Fn::Sub", 7),  # the long form of a short tag
    ("/paths/~1pets~1{id}/get/x-amazon-apigateway-integration/requestTemplates/application~1json", 9),
    ("/paths/a~0b/1/k", 13),
    ("/paths/a~0b/5", 12),
])
def test_yaml_lines(pointer, line):
    assert finder(YAML_TEXT, "yaml")(pointer) == line


def test_one_finder_answers_many_pointers_the_same():
    locate = finder(JSON_TEXT, "json")
    first = [locate(p) for p in ("/paths/a~0b/2", "/swagger", "/paths/a~0b/2")]
    assert first == [16, 2, 16]
