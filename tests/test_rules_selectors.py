"""exporter.rules.selectors: a rule's `where` (JSONPath) as a regex over JSON pointers, and the pointer
an example sits at when it names none."""

from __future__ import annotations

import pytest

from exporter.rules.schema import DEFAULT_POINTER
from exporter.rules.selectors import compile_where, example_pointer, selector_to_regex

URI = "$..x-amazon-apigateway-integration.uri"


@pytest.mark.parametrize("pointer,selected", [
    ("/paths/~1a/get/x-amazon-apigateway-integration/uri", True),
    ("/paths/~1orders/get/x", True),  # a selected node selects every string beneath it
    ("/paths/~1ordersX", False),
    ("/x-amazon-apigateway-integration/uri2", False),
])
def test_where_selects_by_name_at_any_depth_and_beneath(pointer, selected):
    where = compile_where([URI, "$.paths['/orders']"])
    assert bool(where.match(pointer)) is selected


def test_names_are_pointer_escaped():
    assert selector_to_regex("$.paths['/orders']") == r"/(?:paths)/(?:\~1orders)"


@pytest.mark.parametrize("everywhere", ["$..*", "$.."])
def test_everywhere_compiles_to_no_pointer_test(everywhere):
    assert compile_where([URI, everywhere]) is None


@pytest.mark.parametrize("selector,message", [
    ("/paths", "'/paths' is a JSON pointer; 'where' takes JSONPath"),
    ("paths.x", "'paths.x' must start at the root: $.paths.x (top level) or $..paths.x (at any depth)"),
    ("$..[?(@.x)]", "invalid JSONPath '$..[?(@.x)]'"),
])
def test_what_is_not_a_supported_selector_says_why(selector, message):
    with pytest.raises(ValueError) as e:
        selector_to_regex(selector)
    assert str(e.value).startswith(message)


@pytest.mark.parametrize("selector,pointer", [
    (URI, "/paths/~1example/post/x-amazon-apigateway-integration/uri"),
    ("$..x-amazon-apigateway-integration", "/paths/~1example/post/x-amazon-apigateway-integration/requestTemplates/application~1json"),
    ("$..authorizerUri", "/securityDefinitions/example/x-amazon-apigateway-authorizer/authorizerUri"),
    ("$..*", DEFAULT_POINTER),
])
def test_an_example_without_a_pointer_sits_where_a_real_export_has_the_key(selector, pointer):
    assert example_pointer(selector) == pointer
    assert compile_where([selector]) is None or compile_where([selector]).match(pointer)


@pytest.mark.parametrize("selector,pointer,selected", [
    ("$.paths.*.get", "/paths/~1a/get/x", True),
    ("$.paths[*].get", "/paths/~1a/get/x", True),  # [*] is .*: any child, of a mapping too (RFC 9535)
    ("$.paths[*].get", "/paths/~1a/post/x", False),
    ("$.tags[0]", "/tags/0", True),
    ("$.tags[0]", "/tags/1", False),
    ("$.tags[0,2]", "/tags/2/name", True),
    ("$.tags[0,2]", "/tags/10", False),
    ("$.tags[:]", "/tags/3", True),
    ("$.tags[:]", "/tags/x", False),
])
def test_wildcards_and_indexes_select_what_jsonpath_says(selector, pointer, selected):
    """Every form the docs list (names, *, [*], [n], ..), as jsonpath-ng >= 1.16 parses them (its
    tree changed: Wildcard, Index.indices; before, [n] raised AttributeError out of a rule check)."""
    assert bool(compile_where([selector]).match(pointer)) is selected


@pytest.mark.parametrize("selector,pointer", [("$.tags[2]", "/tags/2"), ("$.paths[*].get", "/paths/example/get")])
def test_examples_sit_at_an_index_or_a_wildcard(selector, pointer):
    assert example_pointer(selector) == pointer


def test_a_negative_index_is_refused_not_silently_never_matching():
    """`[-1]` (the last item) cannot be a pointer test: before, rules check said ok and the rule never fired."""
    with pytest.raises(ValueError, match=r"negative index .* not supported in 'where'"):
        selector_to_regex("$.schemes[-1]")
