"""exporter.io.load: text in, plain data out, every refusal one line with file and line."""

from __future__ import annotations

import pytest

from exporter.errors import UserError
from exporter.io.load import load, parse_text, read_text


def test_json_and_yaml_with_short_tags():
    assert parse_text('{"a": [1, 2]}', "x.json") == ({"a": [1, 2]}, "json")
    data, fmt = parse_text("A: !Sub 'arn:${AWS::Region}'\nB: !GetAtt Fn.Arn\n", "t.yaml")
    assert fmt == "yaml" and data == {"A": {"Fn::Sub": "arn:${AWS::Region}"}, "B": {"Fn::GetAtt": ["Fn", "Arn"]}}


def test_duplicate_keys_and_bad_json_say_where(tmp_path):
    with pytest.raises(UserError, match="x.json"):
        parse_text('{"a": 1, "a": 2}', "x.json")
    with pytest.raises(UserError) as e:
        parse_text('{\n"a": }', "y.json")
    assert e.value.line == 2 and e.value.file == "y.json"


def test_bom_is_kept_as_a_fact_not_as_text(tmp_path):
    f = tmp_path / "t.json"
    f.write_bytes(b'\xef\xbb\xbf{"a": 1}\n')
    doc = load(f)
    assert doc.bom and doc.text == '{"a": 1}\n' and doc.data == {"a": 1}


def test_missing_empty_and_folder(tmp_path):
    for path, message in ((tmp_path / "nope.json", "no such file"), (tmp_path, "is a folder")):
        with pytest.raises(UserError, match=message):
            read_text(path)
    (tmp_path / "e.json").write_text("  \n")
    with pytest.raises(UserError, match="file is empty"):
        read_text(tmp_path / "e.json")
