"""Fuzz the loaders and the commands for a bounded time: real files (the bundled case, the rule files,
../shared/corpus when present) mutated by hypothesis (truncated, cut, spliced with JSON/YAML syntax,
tags, anchors, bad bytes). The only failure allowed is a clean UserError / exit 2 with one line on
stderr; exit 123 (a crash or a failed proof) fails the test. E2C_FUZZ_EXAMPLES sets the budget."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CORPUS, FIXTURES, run_cli
from exporter.audit import audit_documents
from exporter.errors import UserError
from exporter.io.load import load_each, load_export, load_mapping, load_template
from exporter.rules import BUILTIN_DIR, load_rule_file

EXAMPLES = int(os.environ.get("E2C_FUZZ_EXAMPLES", "100"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])

CASE = FIXTURES / "amplify-stepfunctions"
SEEDS = [CASE / "export.json", CASE / "amplify/backend/api/HelloApi/HelloApi-cloudformation-template.json",
         CASE / "amplify/backend/backend-config.json", *sorted(BUILTIN_DIR.glob("*.yaml"))[:4]]
if CORPUS.exists():
    SEEDS += [p for p in sorted(CORPUS.rglob("*")) if p.suffix in (".json", ".yaml", ".yml") and p.stat().st_size < 40_000]
SEED_BYTES = [(p.suffix, p.read_bytes()) for p in SEEDS]

TOKENS = [b"{", b"}", b"[", b"]", b'"', b"'", b",", b":", b": ", b"- ", b"\n", b"\r\n", b"\t", b"&a ", b"*a", b"<<: *a\n",
          b"!!python/object/apply:os.system [\"true\"]", b"!Ref ", b"!Sub ", b"!GetAtt a.b", b"!!binary AA==", b"!!set {a}",
          b"---\n", b"...\n", b"? ", b"|\n", b">-\n", b"NaN", b"1e999", b"-0", b"null", b"true", b"\xff", b"\xef\xbb\xbf", b"\x00",
          b'{"Fn::Sub": "${x}"}', b'"paths": []', b'"Resources": 1', b"\\u0000", b"\\ud800", b"%YAML 1.1\n", b"&a [*a]"]


@st.composite
def mutated(draw):
    suffix, data = draw(st.sampled_from(SEED_BYTES))
    for _ in range(draw(st.integers(1, 4))):
        n = len(data)
        op = draw(st.sampled_from(["truncate", "delete", "insert", "byte", "splice"]))
        at = draw(st.integers(0, n))
        if op == "truncate":
            data = data[:at]
        elif op == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 64)):]
        elif op == "insert":
            data = data[:at] + draw(st.sampled_from(TOKENS)) + data[at:]
        elif op == "byte":
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1:]
        else:
            start = draw(st.integers(0, n))
            data = data[:at] + data[start:start + draw(st.integers(1, 200))] + data[at:]
    return draw(st.sampled_from([suffix, ".json", ".yaml"])), data


def _write(tmp_path: Path, case) -> Path:  # noqa: ANN001
    suffix, data = case
    path = tmp_path / f"x{suffix}"
    path.write_bytes(data)
    return path


@pytest.mark.slow
@FUZZ
@given(mutated())
def test_loaders_raise_only_user_errors(tmp_path, case):
    path = _write(tmp_path, case)
    for read in (load_export, load_template, lambda p: load_mapping(p, "Amplify metadata"), load_rule_file):
        try:
            read(path)
        except UserError as e:
            assert str(e).startswith(str(path)), f"message does not name the file: {e}"
            assert "\n" not in str(e)
    report = audit_documents(load_each([path]), rules=[])
    assert all(str(e).startswith(str(path)) for e in report.errors)


@pytest.mark.slow
@FUZZ
@given(mutated())
def test_commands_exit_cleanly(tmp_path, case):
    path = _write(tmp_path, case)
    out = tmp_path / "out.json"
    for args, allowed in ((["convert", path, "-o", out], {0, 2}), (["audit", path], {0, 1, 2}),
                          (["convert", CASE / "export.json", "-t", path], {0, 2})):
        result = run_cli(*args)
        assert result.exit_code in allowed, f"{args[0]} exit {result.exit_code}: {result.stderr}"
        if result.exit_code == 2:
            assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "Traceback" not in result.stderr
        out.unlink(missing_ok=True)


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name)
def test_seeds_themselves_load(seed):
    """The fuzz starts from files that load: a mutation, not the seed, is what it tests."""
    data = load_mapping(seed, "a seed")
    assert isinstance(data.data, dict)
