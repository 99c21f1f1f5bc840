"""What every destination shares: the Lambda permission API Gateway needs to invoke a function, the
ids such resources get, and the content hash that gives a changed Body a new Deployment."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Container

PERMISSION = "AWS::Lambda::Permission"
DEPLOYMENT = "AWS::ApiGateway::Deployment"


def unique_id(stem: str, taken: Container[str]) -> str:
    """`stem`, or stem2, stem3, ... : the first logical id nothing in `taken` has."""
    lid, n = stem, 1
    while lid in taken:
        n += 1
        lid = f"{stem}{n}"
    return lid


def source_arn(api: str, *, scope: str, style: str = "sub") -> Any:
    """The execute-api ARN of `api` (a logical id) followed by `scope` (/* or /*/*/*), as Fn::Sub or Fn::Join."""
    if style == "join":
        return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":execute-api:", {"Ref": "AWS::Region"}, ":",
                                  {"Ref": "AWS::AccountId"}, ":", {"Ref": api}, scope]]}
    return {"Fn::Sub": f"arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{api}}}{scope}"}


def lambda_permission(function_name: Any, source: Any, *, function_first: bool = False) -> dict:
    """An AWS::Lambda::Permission letting API Gateway invoke `function_name` from `source`.
    `function_first`: FunctionName leads the Properties (the order Amplify templates use)."""
    if function_first:
        props = {"FunctionName": function_name, "Action": "lambda:InvokeFunction", "Principal": "apigateway.amazonaws.com", "SourceArn": source}
    else:
        props = {"Action": "lambda:InvokeFunction", "FunctionName": function_name, "Principal": "apigateway.amazonaws.com", "SourceArn": source}
    return {"Type": PERMISSION, "Properties": props}


def content_hash(body: Any, *, length: int, compact: bool) -> str:
    """Hex digest of the Body (keys sorted), cut to `length`: a Deployment id suffix that changes with it.
    The standalone target uses 10 characters over default JSON separators, the Amplify targets 8 over
    compact ones (their ids were first written that way; changing either would redeploy every stack)."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":") if compact else None)
    return hashlib.sha256(text.encode()).hexdigest()[:length]
