"""exporter.rules.kinds: one table of group kinds, read by the validator, the rewriter, the docs and
the `rules new` scaffold."""

from __future__ import annotations

import pytest

from exporter.rules import check_pattern
from exporter.rules.kinds import GROUP_KINDS, group_kind, scaffold_reminder


@pytest.mark.parametrize("name,kind", [("region", "region"), ("region_fn", "region"), ("param_UserPoolId", "param"),
                                       ("x_helper", None), ("bogus", None)])
def test_a_groups_kind_is_its_name_before_the_first_underscore(name, kind):
    assert group_kind(name) == kind


@pytest.mark.parametrize("kind", sorted(GROUP_KINDS))
def test_every_kind_has_a_handler_and_docs_and_is_accepted_in_a_pattern(kind):
    k = GROUP_KINDS[kind]
    assert callable(k.handler) and k.doc and k.reminder
    assert check_pattern(f"(?P<{kind}_a>x)") is None


def test_the_scaffold_lists_every_kind_as_it_always_has():
    assert scaffold_reminder() == [
        "partition, region, account, urlsuffix -> ${AWS::Partition}, ${AWS::Region}, ${AWS::AccountId}, ${AWS::URLSuffix}",
        "env -> ${env};  name -> a name whose -<env> suffix becomes ${env}",
        "param_<Name> -> a new template parameter <Name> holding the value;  x_<anything> -> left as it is",
    ]


def _rule(**kw):
    from exporter.rules import Rule

    return Rule(id="r", description="a test rule", source="r.yaml", match_src="x", where=["$..*"], **kw)


@pytest.mark.parametrize("fields,kind", [({"allow": True}, "allow"), ({"becomes": "${AWS::Region}"}, "becomes"), ({}, "in-place")])
def test_a_rule_is_one_kind_and_only_an_allow_rule_guards_its_unchanged_examples(fields, kind):
    from exporter.rules.kinds import RULE_KINDS, rule_kind

    assert rule_kind(_rule(**fields)) is RULE_KINDS[kind]
    assert RULE_KINDS[kind].guards is (kind == "allow") and RULE_KINDS[kind].doc
