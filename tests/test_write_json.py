"""pretty_json is a faster json.dumps(indent=...): byte for byte the same text, for any JSON value."""

from __future__ import annotations

import json

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from exporter.io.write import pretty_json

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text()
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=30)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(values, st.sampled_from(["  ", "    ", "\t"]), st.sampled_from([": ", ":", " : "]), st.booleans(), st.sampled_from(["\n", "\r\n", "\n    "]))
def test_pretty_json_equals_json_dumps(value, unit, sep, ensure_ascii, newline):
    want = json.dumps(value, indent=unit, separators=(",", sep), ensure_ascii=ensure_ascii).replace("\n", newline)
    assert pretty_json(value, unit=unit, sep=sep, ensure_ascii=ensure_ascii, newline=newline) == want


def test_unusual_values_fall_back_to_json_dumps():
    value = {1: (1, 2), "b": {True: None}}  # non-string keys and a tuple: json's own conversions apply
    assert pretty_json(value) == json.dumps(value, indent="  ", separators=(",", ": "), ensure_ascii=False)


def test_a_member_renamed_in_place_keeps_its_text():
    """A Deployment renamed after the Body's hash: only the key changes, its one-line value stays."""
    from exporter.io.write import patch_json_text

    text = '{\n  "A": 1,\n  "Dep": {"Type": "X",   "P": [1, 2]},\n  "Z": 3\n}\n'
    old = json.loads(text)
    new = {"A": 1, "Dep1a2b3c4d": old["Dep"], "Z": 3}
    assert patch_json_text(text, old, new) == '{\n  "A": 1,\n  "Dep1a2b3c4d": {"Type": "X",   "P": [1, 2]},\n  "Z": 3\n}\n'
    moved = {"Dep1a2b3c4d": old["Dep"], "A": 1, "Z": 3}  # not in place: written as a new member
    assert '"Dep1a2b3c4d": {\n' in patch_json_text(text, old, moved)
