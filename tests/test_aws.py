"""exporter.aws: the AWS vocabulary. Expected values are AWS facts written out by hand: the partitions,
their region codes and DNS suffixes as botocore's data/partitions.json (1.44) and the AWS SDKs'
partition metadata list them, CloudFormation's short-form tags from its template reference, and
RFC 6901 for JSON pointers."""

from __future__ import annotations

import re

import pytest

from exporter import aws

# (partition, one region code of it, its DNS suffix): partitions.json's "id", a key of "regions", outputs.dnsSuffix
PARTITIONS = [
    ("aws", "us-east-1", "amazonaws.com"),
    ("aws", "ap-southeast-7", "amazonaws.com"),
    ("aws", "il-central-1", "amazonaws.com"),
    ("aws-cn", "cn-northwest-1", "amazonaws.com.cn"),
    ("aws-us-gov", "us-gov-west-1", "amazonaws.com"),
    ("aws-eusc", "eusc-de-east-1", "amazonaws.eu"),
    ("aws-iso", "us-iso-east-1", "c2s.ic.gov"),
    ("aws-iso-b", "us-isob-east-1", "sc2s.sgov.gov"),
    ("aws-iso-e", "eu-isoe-west-1", "cloud.adc-e.uk"),
    ("aws-iso-f", "us-isof-south-1", "csp.hci.ic.gov"),
]


def full(pattern: str, text: str) -> bool:
    return re.fullmatch(pattern, text) is not None


# --- partitions


@pytest.mark.parametrize("partition", sorted({p for p, _, _ in PARTITIONS}))
def test_every_partition_matches_the_partition_shape(partition):
    assert full(aws.PARTITION, partition)


@pytest.mark.parametrize("text", ["", "aws-", "aws-foo", "AWS", "aws-us", "aws-gov", "aws-iso-bb", "aws-cn-north", "aws-eu", "azure"])
def test_the_partition_shape_refuses_what_is_not_one(text):
    assert not full(aws.PARTITION, text)


def test_the_partition_shape_has_no_group_of_its_own():
    # the rules and the ARN scanner number their groups around it
    for pattern in (aws.PARTITION, aws.REGION, aws.REGION_NAMED, aws.ACCOUNT, aws.URL_SUFFIX_PATTERN):
        assert re.compile(pattern).groups == 0, pattern


# --- regions


@pytest.mark.parametrize("partition,region,suffix", PARTITIONS)
def test_every_partitions_region_matches_both_region_shapes(partition, region, suffix):
    assert full(aws.REGION, region)
    assert full(aws.REGION_NAMED, region)


@pytest.mark.parametrize("partition,region,suffix", PARTITIONS)
def test_a_region_code_belongs_to_its_partition(partition, region, suffix):
    assert aws.region_partition(region) == partition


@pytest.mark.parametrize("text", ["mars-1", "us-east", "US-EAST-1", ""])
def test_what_is_no_region_code_has_no_partition(text):
    assert aws.region_partition(text) is None


@pytest.mark.parametrize("text", ["us-east", "useast-1", "us-east-123", "US-EAST-1", "mars-1", "eusc-east-1", "eusc-dee-east-1",
                                  "-us-east-1", "us-east-1-"])
def test_the_region_shape_refuses_what_is_not_one(text):
    assert not full(aws.REGION, text)


def test_the_named_region_shape_needs_a_direction_word():
    # a name such as orders-us-foo-1 is shaped like a region code, but no region is called "foo"
    assert full(aws.REGION, "us-foo-1")
    assert not full(aws.REGION_NAMED, "us-foo-1")
    assert not full(aws.REGION_NAMED, "eusc-de-foo-1")
    for direction in ("north", "south", "east", "west", "central", "northeast", "northwest", "southeast", "southwest"):
        assert full(aws.REGION_NAMED, f"ap-{direction}-2")


def test_a_region_inside_an_arn_is_found_with_its_partition():
    arn = re.compile(rf"arn:({aws.PARTITION}):lambda:({aws.REGION}):({aws.ACCOUNT}):function:f")
    m = arn.fullmatch("arn:aws-eusc:lambda:eusc-de-east-1:111122223333:function:f")
    assert m is not None and m.groups() == ("aws-eusc", "eusc-de-east-1", "111122223333")
    m = arn.fullmatch("arn:aws-iso-b:lambda:us-isob-east-1:111122223333:function:f")
    assert m is not None and m.groups() == ("aws-iso-b", "us-isob-east-1", "111122223333")


# --- accounts


@pytest.mark.parametrize("text,ok", [("123456789012", True), ("000000000000", True), ("12345678901", False),
                                     ("1234567890123", False), ("12345678901a", False)])
def test_the_account_shape_is_twelve_digits(text, ok):
    assert full(aws.ACCOUNT, text) is ok


# --- URL suffixes


@pytest.mark.parametrize("partition,region,suffix", PARTITIONS)
def test_url_suffix_is_the_partitions_dns_suffix(partition, region, suffix):
    assert aws.url_suffix(partition) == suffix


def test_url_suffix_of_no_partition_is_the_commercial_one():
    assert aws.url_suffix(None) == "amazonaws.com"


@pytest.mark.parametrize("suffix", sorted({s for _, _, s in PARTITIONS}))
def test_the_url_suffix_shape_matches_every_suffix(suffix):
    assert full(aws.URL_SUFFIX_PATTERN, suffix)


@pytest.mark.parametrize("text", ["amazonaws.co", "amazonaws.com.c", "amazonaws", "amazonawsXcom", "ic.gov", "adc-e.uk",
                                  "amazonaws.com.cn.cn", "c2sXicXgov"])
def test_the_url_suffix_shape_refuses_others(text):
    assert not full(aws.URL_SUFFIX_PATTERN, text)


@pytest.mark.parametrize("partition,region,suffix", PARTITIONS)
def test_an_execute_api_host_of_every_partition_is_matched(partition, region, suffix):
    host = re.compile(rf"([a-z0-9]{{10}})\.execute-api\.({aws.REGION})\.({aws.URL_SUFFIX_PATTERN})")
    m = host.fullmatch(f"a1b2c3d4e5.execute-api.{region}.{suffix}")
    assert m is not None and m.groups() == ("a1b2c3d4e5", region, suffix)


# --- pseudo parameters and intrinsics


def test_pseudo_parameters():
    assert aws.PSEUDO == {"account": "AWS::AccountId", "region": "AWS::Region", "partition": "AWS::Partition",
                          "urlsuffix": "AWS::URLSuffix"}


@pytest.mark.parametrize("tag,key", [("!Ref", "Ref"), ("!GetAtt", "Fn::GetAtt"), ("!Sub", "Fn::Sub"), ("!Join", "Fn::Join"),
                                     ("!If", "Fn::If"), ("!Select", "Fn::Select"), ("!FindInMap", "Fn::FindInMap"),
                                     ("!ImportValue", "Fn::ImportValue"), ("!GetAZs", "Fn::GetAZs"), ("!Base64", "Fn::Base64"),
                                     ("!Condition", "Condition")])
def test_short_tags_map_to_their_long_form(tag, key):
    assert aws.CFN_TAGS[tag] == key
    assert aws.SHORT_TAGS[key] == tag


def test_short_tags_and_long_keys_are_one_to_one():
    assert len(aws.SHORT_TAGS) == len(aws.CFN_TAGS)
    assert all(t.startswith("!") and not k.startswith("!") for t, k in aws.CFN_TAGS.items())


# --- API Gateway


def test_methods_are_openapis_operations_and_api_gateways_any():
    assert set(aws.METHODS) == {"get", "put", "post", "delete", "options", "head", "patch", "trace",
                                "x-amazon-apigateway-any-method"}


@pytest.mark.parametrize("key,name", [("get", "GET"), ("delete", "DELETE"), ("x-amazon-apigateway-any-method", "ANY")])
def test_method_name(key, name):
    assert aws.method_name(key) == name


# --- JSON pointers (RFC 6901)


@pytest.mark.parametrize("key,escaped", [("a", "a"), ("/pets", "~1pets"), ("~", "~0"), ("a~1b", "a~01b"), ("~/", "~0~1"),
                                         ("application/json", "application~1json"), ("", "")])
def test_escape_pointer(key, escaped):
    assert aws.escape_pointer(key) == escaped


@pytest.mark.parametrize("pointer,segments", [
    ("", []),  # the whole document
    ("/", [""]),  # the key "" of the root
    ("/paths/~1pets~1{id}/get", ["paths", "/pets/{id}", "get"]),
    ("/a~01", ["a~1"]),  # RFC 6901: ~01 is "~1", not "/"
    ("/m~0n", ["m~n"]),
    ("/0/1", ["0", "1"]),
])
def test_split_pointer(pointer, segments):
    assert aws.split_pointer(pointer) == segments


@pytest.mark.parametrize("keys", [["paths", "/a/{b}", "get"], ["~", "~1", "/~0", "x~/y"], [""], ["", ""]])
def test_pointer_round_trip(keys):
    pointer = "".join("/" + aws.escape_pointer(k) for k in keys)
    assert aws.split_pointer(pointer) == keys


# --- map_children: copy-on-write


def test_map_children_returns_the_same_dict_when_nothing_changed():
    node = {"a": [1], "b": "x"}
    assert aws.map_children(node, lambda v, p: v, "") is node


def test_map_children_returns_the_same_list_when_nothing_changed():
    node = [{"a": 1}, "x"]
    assert aws.map_children(node, lambda v, p: v, "/r") is node


def test_map_children_copies_a_dict_once_and_keeps_unchanged_children():
    inner = {"deep": True}
    node = {"a": "old", "b": inner, "c": "old"}
    out = aws.map_children(node, lambda v, p: "new" if v == "old" else v, "")
    assert out == {"a": "new", "b": {"deep": True}, "c": "new"}
    assert out is not node and out["b"] is inner
    assert node == {"a": "old", "b": inner, "c": "old"}  # the original is not touched
    assert list(out) == ["a", "b", "c"]  # key order kept


def test_map_children_copies_a_list_and_leaves_the_original():
    node = ["x", "y", "z"]
    out = aws.map_children(node, lambda v, p: v.upper() if v == "y" else v, "")
    assert out == ["x", "Y", "z"] and node == ["x", "y", "z"]


def test_map_children_gives_each_child_its_escaped_pointer():
    seen = []
    aws.map_children({"/pets": 1, "a~b": 2, "plain": 3}, lambda v, p: seen.append(p) or v, "/paths")
    assert seen == ["/paths/~1pets", "/paths/a~0b", "/paths/plain"]
    seen.clear()
    aws.map_children(["a", "b"], lambda v, p: seen.append(p) or v, "/tags")
    assert seen == ["/tags/0", "/tags/1"]


def test_map_children_pointer_round_trips_to_the_key():
    keys = ["/a~b/", "~1", "x"]
    got = {}
    aws.map_children({k: None for k in keys}, lambda v, p: got.setdefault(p, v), "")
    assert [aws.split_pointer(p)[0] for p in got] == keys


def test_a_changed_child_equal_but_not_identical_counts_as_changed():
    # identity, not equality, decides: a stage that rebuilt a child gets a new parent
    child = {"k": 1}
    node = {"a": child}
    out = aws.map_children(node, lambda v, p: dict(v), "")
    assert out is not node and out["a"] == child and out["a"] is not child


def test_first_free_counts_from_2_past_every_taken_name():
    from exporter.aws import first_free

    assert first_free("env", {"Env"}.__contains__) == "env"
    assert first_free("env", {"env", "env2"}.__contains__) == "env3"
