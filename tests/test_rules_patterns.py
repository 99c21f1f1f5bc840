"""exporter.rules.patterns: the hang check refuses what could backtrack catastrophically, and only that."""

from __future__ import annotations

import pytest

from exporter.rules import check_pattern


@pytest.mark.parametrize("pattern", [r"(?<name>x)", r"(?<![a-z])(?<account>\d{12})", r"(?<=a)(?P<region>b)"])
def test_short_named_groups_are_accepted(pattern):
    assert check_pattern(pattern) is None


@pytest.mark.parametrize("pattern,problem", [
    (r"(a+)+b", "nested unbounded repeats"),
    (r"(?:[a-z]+-?)*x", "nested unbounded repeats"),
    (r"(?:a|aa)+$", "alternatives or optional parts"),
    (r"(?:aa?)*b", "alternatives or optional parts"),
    (r"(?:x?a|a)+", "alternatives or optional parts"),
    (r"(?P<bogus>x)", "group 'bogus' has no known kind"),
    (r"(?P<param_My_Name>x)", "group 'param_My_Name' declares the parameter 'My_Name', which CloudFormation refuses"),
    (r"(?P<param_>x)", "group 'param_' declares the parameter '', which CloudFormation refuses"),
    (r"(?P<param_Ünï>x)", "group 'param_Ünï' declares the parameter 'Ünï', which CloudFormation refuses"),
    ("(?P<param_" + "A" * 256 + ">x)", "which CloudFormation refuses"),
])
def test_patterns_that_could_hang_or_mean_nothing_are_refused(pattern, problem):
    assert problem in (check_pattern(pattern) or "")


@pytest.mark.parametrize("pattern", [r"(?P<param>x)", r"(?P<param_VpcLinkId>x)", r"(?P<param_A1>x)", "(?P<param_" + "A" * 255 + ">x)"])
def test_param_groups_naming_a_cloudformation_parameter_are_fine(pattern):
    assert check_pattern(pattern) is None


@pytest.mark.parametrize("pattern", [r"(?:action/[A-Za-z0-9]|path/x)+", r"(?:ab?)*c", r"(?:[^/]|/a)+", r"(\w|-)+"])
def test_repeats_with_disjoint_branches_are_fine(pattern):
    assert check_pattern(pattern) is None
