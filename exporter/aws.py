"""The AWS and CloudFormation vocabulary, declared once: intrinsic functions and their YAML short
tags, pseudo parameters, the shapes of partitions, regions, account ids and ARNs, URL suffixes,
API Gateway's method keys, and JSON pointer escaping."""

from __future__ import annotations

import re
from typing import Any, Callable

# --- shapes (regular expression sources, no groups of their own)
# The partitions and their region codes, as botocore's partitions.json has them: aws (us-east-1),
# aws-cn (cn-north-1), aws-us-gov (us-gov-west-1), aws-eusc (eusc-de-east-1), aws-iso (us-iso-east-1),
# aws-iso-b (us-isob-east-1), aws-iso-e (eu-isoe-west-1), aws-iso-f (us-isof-east-1).
PARTITION = r"aws(?:-cn|-us-gov|-eusc|-iso(?:-[a-z])?)?"
_REGION_AREA = r"(?:[a-z]{2}(?:-gov|-iso[a-z]?)?|eusc-[a-z]{2})"  # us, us-gov, us-isob, eusc-de ...
REGION = rf"(?:{_REGION_AREA}-[a-z]+-[0-9]{{1,2}})"  # any region code's shape (rules, flags, inference)
# The audit reports a region only with a real direction word, so `orders-us-foo-1` in a name is not one.
REGION_NAMED = rf"(?:{_REGION_AREA}-(?:north|south|east|west|central|northeast|northwest|southeast|southwest)-[0-9]{{1,2}})"
ACCOUNT = r"[0-9]{12}"  # ASCII digits: \d would take any Unicode digit
# A parameter (or any logical id) as CloudFormation takes it: `my-param` fails validation, `A.B` reads as
# a GetAtt in a Sub, `A_B` is refused (cfn-lint E2001)
PARAMETER_NAME = r"[A-Za-z0-9]{1,255}"

# A region code's partition, from its area (partitions.json's regionRegex): cn-* is aws-cn, us-gov-* aws-us-gov,
# us-iso-* aws-iso, us-isob-* aws-iso-b, eu-isoe-* aws-iso-e, us-isof-* aws-iso-f, eusc-* aws-eusc, the rest aws.
_AREA_PARTITION = {"cn": "aws-cn", "-gov": "aws-us-gov", "-iso": "aws-iso", "-isob": "aws-iso-b", "-isoe": "aws-iso-e",
                   "-isof": "aws-iso-f", "eusc": "aws-eusc"}


def region_partition(region: str) -> str | None:
    """The partition whose region `region` is, or None when it has no region code's shape."""
    m = re.fullmatch(r"(eusc-)?([a-z]{2})(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}", region)
    if m is None:
        return None
    area = "eusc" if m.group(1) else m.group(3) or m.group(2)
    return _AREA_PARTITION.get(area, "aws")

# --- URL suffixes per partition (AWS::URLSuffix; partitions.json's dnsSuffix)
DEFAULT_URL_SUFFIX = "amazonaws.com"  # aws and aws-us-gov
URL_SUFFIX = {  # partitions whose suffix is not the default
    "aws-cn": "amazonaws.com.cn",
    "aws-eusc": "amazonaws.eu",
    "aws-iso": "c2s.ic.gov",
    "aws-iso-b": "sc2s.sgov.gov",
    "aws-iso-e": "cloud.adc-e.uk",
    "aws-iso-f": "csp.hci.ic.gov",
}
# any partition's suffix (a test holds it to URL_SUFFIX: each one, and nothing else)
URL_SUFFIX_PATTERN = r"(?:amazonaws\.com(?:\.cn)?|amazonaws\.eu|c2s\.ic\.gov|sc2s\.sgov\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)"


def url_suffix(partition: str | None) -> str:
    return URL_SUFFIX.get(partition, DEFAULT_URL_SUFFIX)


# --- pseudo parameters, by the home fact they stand for
PSEUDO = {"account": "AWS::AccountId", "region": "AWS::Region", "partition": "AWS::Partition", "urlsuffix": "AWS::URLSuffix"}

# --- intrinsics
# CloudFormation short-form YAML tags -> long-form key. GetAtt's scalar form "A.B" becomes ["A", "B"].
CFN_TAGS = {
    "!Ref": "Ref", "!Condition": "Condition", "!GetAtt": "Fn::GetAtt", "!Sub": "Fn::Sub",
    "!Join": "Fn::Join", "!If": "Fn::If", "!Equals": "Fn::Equals", "!Not": "Fn::Not",
    "!And": "Fn::And", "!Or": "Fn::Or", "!Select": "Fn::Select", "!Split": "Fn::Split",
    "!FindInMap": "Fn::FindInMap", "!Base64": "Fn::Base64", "!ImportValue": "Fn::ImportValue",
    "!GetAZs": "Fn::GetAZs", "!Cidr": "Fn::Cidr", "!Transform": "Fn::Transform",
    "!ToJsonString": "Fn::ToJsonString", "!Length": "Fn::Length",
}
SHORT_TAGS = {long: short for short, long in CFN_TAGS.items()}  # long-form key -> short tag

# --- API Gateway
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "x-amazon-apigateway-any-method")


def method_name(key: str) -> str:
    """The method as a reviewer writes it: `ANY` for API Gateway's any-method key."""
    return "ANY" if key == "x-amazon-apigateway-any-method" else key.upper()


# --- JSON pointers (RFC 6901)
def escape_pointer(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def split_pointer(pointer: str) -> list[str]:
    return [s.replace("~1", "/").replace("~0", "~") for s in pointer.split("/")[1:]] if pointer else []


def map_children(node: dict | list, f: Callable[[Any, str], Any], pointer: str) -> dict | list:
    """`node` with each child replaced by f(child, its JSON pointer), copied only if a child changed
    (the same object otherwise): later stages skip unchanged subtrees by identity."""
    if isinstance(node, dict):
        out = None
        for k, v in node.items():
            new = f(v, f"{pointer}/{escape_pointer(k) if '~' in k or '/' in k else k}")
            if new is not v:
                if out is None:
                    out = dict(node)
                out[k] = new
        return node if out is None else out
    items = None
    for i, v in enumerate(node):
        new = f(v, f"{pointer}/{i}")
        if new is not v:
            if items is None:
                items = list(node)
            items[i] = new
    return node if items is None else items


def renamed_keys(old: dict, new: dict) -> dict[str, str]:
    """new key -> old key for members renamed in place (same position, the old name gone, the new one
    new: a Deployment given a content hash). The writers keep a renamed member's text, only its key changes."""
    if len(old) != len(new):
        return {}
    return {nk: ok for nk, ok in zip(new, old) if nk != ok and nk not in old and ok not in new}


def first_free(base: str, taken: Callable[[str], bool]) -> str:
    """`base`, or base2, base3, ...: the first name `taken` says nothing has (logical ids, parameters)."""
    name, n = base, 1
    while taken(name):
        n += 1
        name = f"{base}{n}"
    return name
