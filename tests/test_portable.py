"""portable.py: the template's own arn:<partition>: becomes AWS::Partition, with the same value."""

from __future__ import annotations

from exporter.portable import make_portable, with_partition

JOIN = {"Fn::Join": ["", ["arn:aws:execute-api:", {"Ref": "AWS::Region"}, ":", {"Ref": "AWS::AccountId"}, ":", {"Ref": "Api"}, "/*"]]}


def test_every_literal_form_becomes_portable_with_the_same_value():
    template = {
        "Parameters": {"P": {"Type": "String", "Default": "arn:aws:sns:us-east-1:111122223333:t"}},
        "Resources": {
            "Perm": {"Type": "AWS::Lambda::Permission", "Properties": {"SourceArn": JOIN}},
            "Plain": {"Type": "X", "Properties": {"Arn": "arn:aws:sqs:eu-west-1:111122223333:q"}},
            "Sub": {"Type": "X", "Properties": {"A": {"Fn::Sub": "arn:aws:s3:::b-${Env}"}, "B": {"Fn::Sub": ["arn:aws:s3:::${B}", {"B": "x"}]}}},
            "Kept": {"Type": "X", "Properties": {"Managed": "arn:aws:iam::aws:policy/AWSLambdaExecute", "Caller": "arn:aws:iam::*:user/*",
                                                 "Other": "arn:aws-cn:sqs:cn-north-1:111122223333:q", "Dollar": "arn:aws:s3:::${literal}",
                                                 "Sep": {"Fn::Join": [":", ["arn", "aws", "sqs"]]}}},
        },
    }
    out, changes = make_portable(template, "aws")
    props = out["Resources"]
    assert props["Perm"]["Properties"]["SourceArn"] == {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":execute-api:", {"Ref": "AWS::Region"}, ":",
                                                                          {"Ref": "AWS::AccountId"}, ":", {"Ref": "Api"}, "/*"]]}
    assert props["Plain"]["Properties"]["Arn"] == {"Fn::Sub": "arn:${AWS::Partition}:sqs:eu-west-1:111122223333:q"}
    assert props["Sub"]["Properties"] == {"A": {"Fn::Sub": "arn:${AWS::Partition}:s3:::b-${Env}"},
                                          "B": {"Fn::Sub": ["arn:${AWS::Partition}:s3:::${B}", {"B": "x"}]}}
    assert props["Kept"] == template["Resources"]["Kept"]  # allowed, another partition, a "${" text, a separator join
    assert out["Parameters"] == template["Parameters"]
    assert sorted(c.pointer for c in changes) == ["/Resources/Perm/Properties/SourceArn", "/Resources/Plain/Properties/Arn",
                                                  "/Resources/Sub/Properties/A", "/Resources/Sub/Properties/B"]
    for c in changes:
        assert with_partition(c.after, "aws") == with_partition(c.before, "aws")
    again, more = make_portable(out, "aws")
    assert again == out and more == []


def test_the_home_partition_is_the_one_rewritten():
    out, changes = make_portable({"Resources": {"R": {"Properties": {"A": "arn:aws-cn:sqs:cn-north-1:1:q", "B": "arn:aws:sqs:x"}}}}, "aws-cn")
    assert out["Resources"]["R"]["Properties"] == {"A": {"Fn::Sub": "arn:${AWS::Partition}:sqs:cn-north-1:1:q"}, "B": "arn:aws:sqs:x"}
    assert len(changes) == 1


def test_subtrees_named_done_are_skipped_by_identity():
    """The pipeline passes the export's rewritten routes as `done` (the rules already made them
    portable); an equal subtree that is not that object is still rewritten."""
    route = {"uri": "arn:aws:lambda:eu-west-1:123456789012:function:f"}
    twin = dict(route)
    template = {"Resources": {"A": {"Properties": {"Body": {"paths": {"/a": route, "/b": twin}}}}}}
    out, changes = make_portable(template, "aws", done=[route])
    paths = out["Resources"]["A"]["Properties"]["Body"]["paths"]
    assert paths["/a"] is route
    assert paths["/b"] == {"uri": {"Fn::Sub": "arn:${AWS::Partition}:lambda:eu-west-1:123456789012:function:f"}}
    assert [c.pointer for c in changes] == ["/Resources/A/Properties/Body/paths/~1b/uri"]
