"""exporter.io.yaml_rt: small YAML files (rule files, the project config) read round-trip, with
their lines kept for messages, and every tag or non-plain value refused."""

from __future__ import annotations

import pytest

from exporter.errors import UserError
from exporter.io.yaml_rt import RULE_MAX_BYTES, line_of, load_yaml_rt


def _load(tmp_path, text: str, name: str = "r.yaml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return load_yaml_rt(p)


def test_plain_data_reads_as_mappings_lists_and_scalars(tmp_path):
    data = _load(tmp_path, "id: x\npriority: 65\nratio: 0.5\nallow: false\nnone: null\nwhere:\n  - '$..uri'\n  - b\n")
    assert data == {"id": "x", "priority": 65, "ratio": 0.5, "allow": False, "none": None, "where": ["$..uri", "b"]}


def test_line_of_a_key_and_of_the_mapping_are_one_based(tmp_path):
    data = _load(tmp_path, "# a comment\nid: x\nexamples:\n  rewrites:\n    - input: a\n")
    assert line_of(data, "id") == 2
    assert line_of(data, "examples") == 3
    assert line_of(data["examples"], "rewrites") == 4
    assert line_of(data) == 2  # the mapping starts at its first key


def test_line_of_a_missing_key_is_the_mapping_line(tmp_path):
    data = _load(tmp_path, "\n\nid: x\n")
    assert line_of(data, "nope") == 3


def test_line_of_plain_data_is_none():
    assert line_of({"a": 1}, "a") is None
    assert line_of("text") is None


def test_explicit_plain_tags_are_fine(tmp_path):
    assert _load(tmp_path, "b: !!int '7'\nc: !!map {k: v}\nd: !!seq [1]\ne: !!null ''\nf: !!bool 'true'\n") == {
        "b": 7, "c": {"k": "v"}, "d": [1], "e": None, "f": True}


def test_explicit_str_tag_is_text(tmp_path):
    assert _load(tmp_path, "a: !!str 5\n") == {"a": "5"}


@pytest.mark.parametrize("tag,long", [("!Ref", "Ref"), ("!Sub", "Fn::Sub"), ("!GetAtt", "Fn::GetAtt")])
def test_a_cloudformation_short_tag_is_refused_with_the_long_form(tmp_path, tag, long):
    with pytest.raises(UserError) as e:
        _load(tmp_path, f"id: x\noutput: {tag} Something\n")
    assert f"YAML tag '{tag}' is not allowed in a rule file" in e.value.message
    assert f'{{"{long}": ...}}' in e.value.message
    assert e.value.line == 2


def test_a_local_tag_is_refused_without_a_hint(tmp_path):
    with pytest.raises(UserError) as e:
        _load(tmp_path, "id: x\nlist:\n  - ok\n  - !Foo bar\n")
    assert e.value.message == "YAML tag '!Foo' is not allowed in a rule file"
    assert e.value.line == 4


def test_a_python_tag_is_refused_and_never_built(tmp_path):
    sentinel = tmp_path / "ran"
    with pytest.raises(UserError, match="python/object/apply:os.system' is not allowed"):
        _load(tmp_path, f"x: !!python/object/apply:os.system ['touch {sentinel}']\n")
    assert not sentinel.exists()


@pytest.mark.parametrize("text,kind", [
    ("x: !!binary aGVsbG8=\n", "binary"),
    ("x: !!set {a: null}\n", "set"),
    ("x: 2020-01-01\n", "timestamp"),
    ("x: 2020-01-01T10:00:00Z\n", "timestamp"),
])
def test_values_that_are_not_plain_data_are_refused(tmp_path, text, kind):
    with pytest.raises(UserError, match=f"a YAML {kind} value is not allowed in a rule file"):
        _load(tmp_path, text)


def test_a_quoted_date_is_text(tmp_path):
    assert _load(tmp_path, "x: '2020-01-01'\n") == {"x": "2020-01-01"}


def test_the_error_names_the_file(tmp_path):
    with pytest.raises(UserError) as e:
        _load(tmp_path, "x: !Ref a\n", name="mine.yaml")
    assert e.value.file == str(tmp_path / "mine.yaml")


def test_a_file_over_the_limit_is_refused(tmp_path):
    p = tmp_path / "big.yaml"
    p.write_text("x: '" + "a" * RULE_MAX_BYTES + "'\n")
    with pytest.raises(UserError):
        load_yaml_rt(p)


def test_an_alias_bomb_is_refused(tmp_path):
    # a billion laughs: a few lines that expand to millions of nodes
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    with pytest.raises(UserError):
        _load(tmp_path, "\n".join(lines) + "\n")


@pytest.mark.parametrize("text", ["!Foo priority: 65\n", "!!binary aGVsbG8=: x\n", "a: {!Ref k: v}\n", "2020-01-01: x\n"])
def test_a_tag_or_non_plain_value_on_a_key_is_refused(tmp_path, text):
    with pytest.raises(UserError, match="not allowed in a rule file"):
        _load(tmp_path, text)


def test_a_tagged_key_names_the_tag_and_its_line(tmp_path):
    with pytest.raises(UserError) as e:
        _load(tmp_path, "id: x\n!Foo priority: 65\n")
    assert e.value.message.startswith("YAML tag '!Foo' on a key is not allowed in a rule file")
    assert e.value.line == 2


def test_an_explicit_str_tag_in_a_list_is_text(tmp_path):
    assert _load(tmp_path, "where: [!!str 5, b]\n") == {"where": ["5", "b"]}
