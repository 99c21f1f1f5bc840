"""Every REST API export in ../shared/corpus (and every bundled scenario's export) converts
standalone: the output resolves to the export and no home account id is left; a sample also merges
into each corpus Amplify template. Collected by glob (cases.py), one test per file; cfn-lint, the
OpenAPI validator and moto look at the same conversions in test_engines.py and test_moto.py."""

from __future__ import annotations

import json
import re

import pytest

from cases import cases, corpus_files
from conftest import corpus_params
from semantic import differences

STANDALONE = cases(("standalone",))
MERGED = cases(("merged",))


@pytest.mark.parametrize("case", STANDALONE + MERGED)
def test_corpus_export_resolves_to_itself(case, converted):
    conv = converted(case)
    assert conv.exit_code == 0, conv.stderr
    diffs = differences(conv.body, conv.export, conv.values, conv.template, conv.api_id)
    assert not diffs, "\n".join(diffs[:5])


@pytest.mark.parametrize("case", STANDALONE)
def test_corpus_export_leaves_no_home_account(case, converted):
    conv = converted(case)
    assert conv.exit_code == 0, conv.stderr
    account = conv.values.get("AWS::AccountId")
    if not account:
        pytest.skip("the export names no account")
    # Parameters' defaults are where per-env values belong (a --bind value, a VPC link id); the
    # resources and outputs must not name the account.
    scope = {k: v for k, v in conv.template.items() if k != "Parameters"}
    text = json.dumps(scope)
    leaks = [text[max(0, m.start() - 60):m.end() + 20] for m in re.finditer(account, text)]
    assert not leaks, f"home account {account} left: {leaks[:3]}"


@pytest.mark.parametrize("path", corpus_params(lambda corpus: corpus_files("body"), what="converted Body"))
def test_corpus_converted_body_is_refused_as_export(path, cli):
    """Hand-converted Bodies (already full of Fn::Sub) are not exports: a clear exit 2."""
    result = cli("convert", path)
    assert result.exit_code == 2
    assert "already holds CloudFormation intrinsics" in result.stderr
    assert "Traceback" not in result.stderr
