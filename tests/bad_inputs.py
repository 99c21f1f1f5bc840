"""Every bad input we try, where it is read, and the one line the user sees. Data only: the tests
(test_bad_input.py) run each case, and scripts/bad_input_table.py renders docs/bad-input.md from it.

`expect` is what stderr must contain after "export-to-cfn: error: ", with {file} for the file's path
(a str.format template: literal braces are doubled). `roles` says where the file is given: export
(convert FILE), template (convert EXPORT -t FILE --in-place, and diff EXPORT -t FILE), rules (convert EXPORT --rules FILE), audit (audit FILE), metadata (an Amplify JSON file
read with load_mapping), stage (convert EXPORT --stage FILE: get-stage JSON).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
EXPORT = ROOT / "fixtures" / "amplify-stepfunctions" / "export.json"
TEMPLATE = ROOT / "fixtures" / "amplify-stepfunctions" / "amplify" / "backend" / "api" / "HelloApi" / "HelloApi-cloudformation-template.json"
SENTINEL = "executed.txt"  # a YAML payload that would create this file beside the input if it ran

ALL = ("export", "template", "rules", "audit", "metadata")
READ = ("export", "template", "audit", "metadata")  # rule files are YAML-only and have their own checks


def _alias_bomb() -> bytes:
    lines = ['swagger: "2.0"', "paths: {}", 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return ("\n".join(lines) + "\n").encode()


def _python_tag(folder: Path) -> bytes:
    return f'id: x\nswagger: "2.0"\npaths: !!python/object/apply:os.system ["touch {folder / SENTINEL}"]\n'.encode()


def _deep_json(levels: int) -> Callable[[Path], bytes]:
    """An export whose /paths/~1a/get/x holds `levels` nested mappings (the deepest at depth 3 + levels)."""
    return lambda d: b'{"swagger": "2.0", "paths": {"/a": {"get": {"x": ' + b'{"a": ' * levels + b"1" + b"}" * levels + b"}}}}"


def _deep_yaml(levels: int) -> Callable[[Path], bytes]:
    """The same in YAML flow style, with lists."""
    return lambda d: b'swagger: "2.0"\npaths:\n  /a:\n    get:\n      x: ' + b"[" * levels + b"1" + b"]" * levels + b"\n"


def _template(body: dict | None = None, **resources: dict) -> Callable[[Path], bytes]:
    """A small template (a RestApi whose Body has one route, plus `resources`), one key per line so
    messages can name the line: the Body's sections are updated with `body`."""
    api_body = {"swagger": "2.0", "info": {"title": "t", "version": "1"},
                "paths": {"/kept": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}}}, **(body or {})}
    template = {"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": api_body}}, **resources}}
    return lambda d: json.dumps(template, indent=1).encode()


def _uri(value: object) -> Callable[[Path], bytes]:
    """_template with `value` as the kept route's integration uri (a place the proof, diff and audit all read)."""
    return _template({"paths": {"/kept": {"get": {"x-amazon-apigateway-integration": {"type": "aws", "uri": value}}}}})


INTRINSIC_AT = "{file}:%d: /Resources/Api/Properties/Body/paths/~1kept/get/x-amazon-apigateway-integration/uri: "


@dataclass
class Case:
    id: str
    what: str
    make: Callable[[Path], bytes | None]  # file content (given the folder it goes in); None: make it yourself (see id)
    expect: str
    roles: tuple[str, ...] = ALL
    ext: str = ".json"


CASES: list[Case] = [
    Case("empty", "empty file (0 bytes)", lambda d: b"", "{file}: file is empty", ALL + ("stage",)),
    Case("blank", "only spaces and newlines", lambda d: b"  \r\n\n", "{file}: file is empty"),
    Case("truncated-json", "JSON cut off mid-object (a partial download)",
         lambda d: b'{"swagger": "2.0", "paths": {"/a": {"get": {', "{file}:1: invalid JSON: Expecting property name enclosed in double quotes", READ + ("stage",)),
    Case("truncated-yaml", "YAML cut off inside a quoted string",
         lambda d: b'swagger: "2.0"\npaths:\n  /a:\n    get:\n      description: "abc', "{file}:5: invalid YAML: found unexpected end of stream",
         ext=".yaml"),
    Case("not-utf8", "Latin-1 bytes (an editor's legacy encoding)",
         lambda d: b'{"swagger": "2.0", "info": {"title": "caf\xe9"}, "paths": {}}', "{file}:1: not UTF-8 text (byte 0xe9 at offset 41)"),
    Case("utf16", "UTF-16 text (PowerShell's `>` redirection)",
         lambda d: EXPORT.read_text().encode("utf-16"), "{file}:1: not UTF-8 text (byte 0xff at offset 0)"),
    Case("alias-bomb", "YAML 'billion laughs' alias bomb (9^9 nodes from 1 kB)", lambda d: _alias_bomb(),
         "{file}: YAML aliases expand to more than 2,000,000 nodes; refusing (alias bomb?)", ext=".yaml"),
    Case("python-tag", "`!!python/object/apply:os.system` (must never run)", _python_tag,
         "{file}:3: invalid YAML: unsafe or unknown YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' refused", READ, ext=".yaml"),
    Case("python-tag-rule", "`!!python/object/apply:os.system` in a rule file (must never run)", _python_tag,
         "{file}:3: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed in a rule file", ("rules",), ext=".yaml"),
    Case("unknown-tag", "a tag CloudFormation does not have (`!Custom`)",
         lambda d: b'swagger: "2.0"\npaths:\n  /a: {get: !Custom x}\n', "{file}:3: unsupported YAML tag '!Custom'", READ, ext=".yaml"),
    Case("binary-value", "`!!binary` (bytes have no JSON form)",
         lambda d: b'swagger: "2.0"\npaths:\n  /a:\n    get: {x: !!binary aGVsbG8=}\n',
         "{file}:4: invalid YAML: a YAML bytes value has no JSON equivalent at /paths/~1a/get/x", READ, ext=".yaml"),
    Case("complex-key", "a YAML list used as a mapping key",
         lambda d: b'swagger: "2.0"\npaths:\n  ? [a, b]\n  : {}\n',
         "{file}:3: invalid YAML: a tuple used as a mapping key has no JSON equivalent at /paths", READ, ext=".yaml"),
    Case("nan", "NaN in JSON (Python writes it; JSON has no such value)",
         lambda d: b'{"swagger": "2.0", "paths": {"/a": {"get": {"x": NaN}}}}', "{file}: invalid JSON: NaN is not a JSON value", READ),
    Case("number-out-of-range", "a number beyond a double (`1e999`; it would be written as Infinity)",
         lambda d: b'{"swagger": "2.0", "paths": {"/a": {"get": {"x": 1e999}}}}',
         "{file}: invalid JSON: the number 1e999 is out of range (it would become Infinity)", READ),
    Case("huge-integer", "an integer of 5,000 digits (more than Python converts)",
         lambda d: b'{"swagger": "2.0", "paths": {"/a": {"get": {"x": ' + b"9" * 5000 + b'}}}}',
         "{file}: invalid JSON: an integer of 5,000 digits is out of range", READ),
    Case("duplicate-key-json", "the same key twice in one JSON object (one route would be lost)",
         lambda d: b'{"swagger": "2.0", "paths": {"/a": {"get": {}}, "/a": {"post": {}}}}',
         '{file}: invalid JSON: duplicate key "/a" in one object (only one of them would be kept)', READ),
    Case("duplicate-key-yaml", "the same key twice in one YAML mapping",
         lambda d: b'swagger: "2.0"\nswagger: "2.0"\npaths: {}\n', '{file}:2: invalid YAML: found duplicate key "swagger"', ALL, ext=".yaml"),
    Case("two-documents", "two YAML documents in one file (`---`)",
         lambda d: b'swagger: "2.0"\npaths: {}\n---\nx: 1\n', "{file}: expected one YAML document, found 2", READ, ext=".yaml"),
    Case("comment-only", "a YAML file with only a comment", lambda d: b"# nothing here\n",
         "{file}: expected one YAML document, found 0", READ, ext=".yaml"),
    Case("lone-surrogate", "a JSON escape that is half a UTF-16 surrogate pair (`\\ud800`)",
         lambda d: b'{"swagger": "2.0", "info": {"title": "\\ud800"}, "paths": {}}',
         "{file}: invalid JSON: the escape \\ud800 is half of a UTF-16 surrogate pair, not a character", READ),
    Case("merge-key-unhashable", "a YAML merge key over a list of lists (`<<: [[a]]`)",
         lambda d: b'swagger: "2.0"\npaths: {}\nx:\n  <<: [[a]]\n', "{file}:4: invalid YAML: expected a mapping for merging, but found sequence", ALL,
         ext=".yaml"),
    Case("deep-600-json", "JSON nested 600 levels deep (loads, but no stage could walk it)", _deep_json(600),
         "{file}: nested more than 128 levels deep (or YAML aliases form a cycle); refusing", ("template", "audit", "metadata")),
    Case("deep-300-yaml", "YAML nested 300 levels deep (flow style; loads, but no stage could walk it)", _deep_yaml(300),
         "{file}: nested more than 128 levels deep (or YAML aliases form a cycle); refusing", ("template", "audit", "metadata"), ext=".yaml"),
    Case("deep-limit-json", "JSON nested 129 levels deep, one over the limit (every stage handles 128, the YAML writer included)",
         _deep_json(129 - 3), "{file}: nested more than 128 levels deep", ("template", "audit", "metadata")),
    Case("deep-limit-yaml", "YAML nested 129 levels deep, one over the limit", _deep_yaml(129 - 3),
         "{file}: nested more than 128 levels deep", ("template", "audit", "metadata"), ext=".yaml"),
    Case("deep-export-limit-json", "an export nested 113 levels deep: an export's limit is 16 levels less (its Body goes 4 "
         "levels down a template, and a rewritten string gains up to 4), so what convert writes the tool reads again",
         _deep_json(113 - 3), "{file}: nested more than 112 levels deep", ("export",)),
    Case("deep-export-limit-yaml", "an export in YAML nested 113 levels deep", _deep_yaml(113 - 3),
         "{file}: nested more than 112 levels deep", ("export",), ext=".yaml"),
    Case("huge-integer-yaml", "a YAML integer of 5,000 digits",
         lambda d: b'swagger: "2.0"\npaths:\n  /a:\n    get:\n      x: ' + b"9" * 5000 + b"\n",
         "{file}:5: invalid YAML: an integer of 5,000 digits is out of range", READ, ext=".yaml"),
    Case("hex-integer-yaml", "a YAML hex integer of 4,000 digits (`0xfff...`: 4,817 decimal digits, more than Python writes)",
         lambda d: b'swagger: "2.0"\npaths:\n  /a:\n    get:\n      x-n: 0x' + b"f" * 4000 + b"\n",
         "{file}:5: invalid YAML: an integer of 4,817 digits is out of range", READ, ext=".yaml"),
    Case("binary-integer-yaml", "a YAML binary integer of 15,000 ones (`0b111...`: 4,516 decimal digits)",
         lambda d: b'swagger: "2.0"\npaths:\n  /a:\n    get:\n      x-n: 0b' + b"1" * 15000 + b"\n",
         "{file}:5: invalid YAML: an integer of 4,516 digits is out of range", READ, ext=".yaml"),
    Case("number-underflow", "a number too small for a double (`1e-999`; it would be written as 0.0)",
         lambda d: b'{"swagger": "2.0", "paths": {"/a": {"get": {"x-num": 1e-999}}}}',
         "{file}: invalid JSON: the number 1e-999 is out of range (it would become 0)", READ),
    Case("number-underflow-yaml", "a YAML number too small for a double (`1e-999`)",
         lambda d: b'swagger: "2.0"\npaths:\n  /a:\n    get:\n      x-num: 1e-999\n',
         "{file}:5: invalid YAML: the number 1e-999 is out of range (it would become 0)", READ, ext=".yaml"),
    Case("number-overflow-yaml", "a YAML number beyond a double (`1e999`, or `.inf`)",
         lambda d: b'swagger: "2.0"\npaths:\n  /a:\n    get:\n      x-num: 1e999\n',
         "{file}:5: invalid YAML: the number 1e999 is out of range (it would become Infinity)", READ, ext=".yaml"),
    Case("deep-json", "JSON nested 100,000 levels deep", lambda d: b"[" * 100_000 + b"]" * 100_000, "{file}: invalid JSON: nested too deeply", READ),
    Case("deep-yaml", "YAML nested 100,000 levels deep", lambda d: b"a: " + b"[" * 100_000 + b"]" * 100_000,
         "{file}: invalid YAML: nested too deeply", READ, ext=".yaml"),
    Case("huge", "a 70 MB file (far above CloudFormation's 1 MB)", lambda d: None,
         "{file}: file is 73,400,320 bytes, larger than the 67,108,864-byte limit"),
    Case("folder", "a folder where a file belongs", lambda d: None, "{file}: is a folder, expected a file", READ),
    Case("fifo", "a FIFO (named pipe) nobody writes to (it would block forever)", lambda d: None,
         "{file}: is a FIFO (named pipe), not a regular file; refusing to read it"),
    Case("dev-zero", "`/dev/zero` (an endless device; it would grow to gigabytes)", lambda d: None,
         "{file}: is a device or special file, not a regular file; refusing to read it"),
    Case("dev-urandom", "`/dev/urandom` (endless random bytes)", lambda d: None,
         "{file}: is a device or special file, not a regular file; refusing to read it"),
    Case("name-too-long", "a file name longer than the file system allows", lambda d: None,
         "{file}: cannot read: File name too long"),
    Case("not-a-directory", "a path that goes through a file (`export.json/x.json`)", lambda d: None,
         "{file}: cannot read: Not a directory"),
    Case("symlink-loop", "a symlink that points to itself", lambda d: None,
         "{file}: cannot read: Too many levels of symbolic links"),
    Case("missing", "a file that does not exist", lambda d: None, "{file}: no such file", READ + ("stage",)),
    Case("missing-rules", "a rule path that does not exist", lambda d: None, "{file}: no such rule file or folder", ("rules",)),
    # a list or scalar where a mapping belongs
    Case("top-list-export", "a JSON list given as the export", lambda d: b"[1, 2]", "{file}: expected an API Gateway export (a mapping), got a list", ("export",)),
    Case("top-scalar-export", "a YAML scalar given as the export", lambda d: b"42\n", "{file}: expected an API Gateway export (a mapping), got a number",
         ("export",), ext=".yaml"),
    Case("top-null-template", "`null` given as the template", lambda d: b"null", "{file}: expected a CloudFormation template (a mapping), got a null", ("template",)),
    Case("top-list-audit", "a list given to audit", lambda d: b"[]",
         "{file}: expected a CloudFormation template or an API Gateway export (a mapping), got a list", ("audit",)),
    Case("top-string-metadata", "a string where Amplify metadata (a mapping) belongs", lambda d: b'"dev"',
         "{file}: expected Amplify backend-config (a mapping), got a string", ("metadata",)),
    Case("top-list-rule", "a list given as a rule file", lambda d: b"- id: x\n", "{file}: a rule file holds one mapping, got a list", ("rules",), ext=".yaml"),
    Case("paths-list", "`paths` is a list",
         lambda d: b'{"swagger": "2.0", "paths": []}', "{file}: export has no 'paths' mapping", ("export",)),
    Case("route-scalar", "a route that is a string", lambda d: b'{"swagger": "2.0", "paths": {"/a": "get"}}',
         "{file}:1: paths['/a'] is a string, expected a mapping", ("export",)),
    Case("method-list", "a method that is a list", lambda d: b'{"swagger": "2.0", "paths": {"/a": {"get": []}}}',
         "{file}:1: paths['/a'].get is a list, expected a mapping", ("export",)),
    Case("integration-number", "an integration that is a number",
         lambda d: b'{\n "swagger": "2.0",\n "paths": {"/a": {"get": {\n  "x-amazon-apigateway-integration": 5}}}}',
         "{file}:4: /paths/~1a/get/x-amazon-apigateway-integration: a number, expected a mapping", ("export",)),
    Case("section-list", "`securityDefinitions` is a list",
         lambda d: b'{"swagger": "2.0", "paths": {}, "securityDefinitions": [1]}', "{file}:1: /securityDefinitions: a list [number], expected a mapping", ("export",)),
    Case("resources-list", "a template whose `Resources` is a list",
         lambda d: b'{"AWSTemplateFormatVersion": "2010-09-09", "Resources": []}', "{file}: not a CloudFormation template: no 'Resources' mapping", ("template",)),
    Case("parameters-list", "a template whose `Parameters` is a list",
         lambda d: b'{"Parameters": [1], "Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": {}}}}}',
         "{file}:1: /Parameters: a list [number], expected a mapping", ("template",)),
    Case("parameters-string", "a template whose `Parameters` is a string",
         lambda d: b'Parameters: x\nResources:\n  Api:\n    Type: AWS::ApiGateway::RestApi\n    Properties: {Body: {}}\n',
         "{file}:1: /Parameters: a string, expected a mapping", ("template",), ext=".yaml"),
    Case("properties-list", "the RestApi's `Properties` is a list",
         lambda d: b'{"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": []}}}',
         "{file}:1: /Resources/Api/Properties: an empty list, expected a mapping", ("template",)),
    Case("body-string", "the RestApi's `Body` is a string",
         lambda d: b'{"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": "{}"}}}}',
         "{file}: Api.Body is a string, expected a mapping", ("template",)),
    # what a template holds must have the shape CloudFormation (and the tool) reads: one check on load
    Case("intrinsic-sub-empty", "`{\"Fn::Sub\": []}` in a resource outside the API (an SQS QueueName)",
         _template(Q={"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Sub": []}}}),
         "{file}:27: /Resources/Q/Properties/QueueName: Fn::Sub takes a string, or [string, {{variables}}], got an empty list",
         ("template", "audit")),
    Case("intrinsic-sub-numbers", "`Fn::Sub` given `[1, 2]` in the Body", _uri({"Fn::Sub": [1, 2]}),
         INTRINSIC_AT % 17 + "Fn::Sub takes a string, or [string, {{variables}}], got a list [number, number]", ("template", "audit")),
    Case("intrinsic-sub-variables-list", "`Fn::Sub` given `[\"x\", []]` (variables must be a mapping)", _uri({"Fn::Sub": ["x", []]}),
         INTRINSIC_AT % 17 + "Fn::Sub takes a string, or [string, {{variables}}], got a list [string, list]", ("template", "audit")),
    Case("intrinsic-sub-number", "`Fn::Sub` given a number", _uri({"Fn::Sub": 5}),
         INTRINSIC_AT % 17 + "Fn::Sub takes a string, or [string, {{variables}}], got a number", ("template", "audit")),
    Case("intrinsic-join-number", "`{\"Fn::Join\": [\"\", 5]}` (the values must be a list)", _uri({"Fn::Join": ["", 5]}),
         INTRINSIC_AT % 17 + "Fn::Join takes [delimiter string, [values]], got a list [string, number]", ("template", "audit")),
    Case("intrinsic-getatt-empty", "`{\"Fn::GetAtt\": []}`", _uri({"Fn::GetAtt": []}),
         INTRINSIC_AT % 17 + "Fn::GetAtt takes [logical id, attribute] or \"LogicalId.Attribute\", got an empty list", ("template", "audit")),
    Case("intrinsic-getatt-number", "`{\"Fn::GetAtt\": 5}`", _uri({"Fn::GetAtt": 5}),
         INTRINSIC_AT % 17 + "Fn::GetAtt takes [logical id, attribute] or \"LogicalId.Attribute\", got a number", ("template", "audit")),
    Case("intrinsic-ref-list", "`{\"Ref\": [\"a\"]}`", _uri({"Ref": ["a"]}),
         INTRINSIC_AT % 17 + "Ref takes a logical id or parameter name (a string), got a list [string]", ("template", "audit")),
    Case("intrinsic-if-string", "`{\"Fn::If\": \"x\"}` (three items: condition, then, else)", _uri({"Fn::If": "x"}),
         INTRINSIC_AT % 17 + "Fn::If takes [condition name, value if true, value if false], got a string", ("template", "audit")),
    Case("intrinsic-getatt-yaml", "`!GetAtt Api` in YAML (no attribute)",
         lambda d: b"Resources:\n  Api:\n    Type: AWS::ApiGateway::RestApi\n    Properties:\n      Body: {}\n"
                   b"  Out:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Value: !GetAtt Api\n",
         "{file}:9: /Resources/Out/Properties/Value: Fn::GetAtt takes [logical id, attribute] or \"LogicalId.Attribute\", got a list [string]",
         ("template", "audit"), ext=".yaml"),
    Case("resource-string", "a resource that is a string", _template(X="AWS::SQS::Queue"),
         "{file}:24: /Resources/X: a string, expected a resource (a mapping with Type and Properties)", ("template",)),
    Case("resource-no-type", "a resource without `Type`", _template(X={"Properties": {}}), "{file}:24: /Resources/X/Type: missing", ("template",)),
    Case("deployment-properties-list", "a Deployment whose `Properties` is a list",
         _template(Dep={"Type": "AWS::ApiGateway::Deployment", "Properties": [{"RestApiId": {"Ref": "Api"}}]}),
         "{file}:26: /Resources/Dep/Properties: a list [mapping], expected a mapping", ("template",)),
    Case("body-security-definitions-list", "the Body's `securityDefinitions` is a list", _template({"securityDefinitions": [1]}),
         "{file}:21: /Resources/Api/Properties/Body/securityDefinitions: a list [number], expected a mapping", ("template",)),
    Case("body-security-scheme-string", "a security scheme in the Body that is a string", _template({"securityDefinitions": {"a": "x"}}),
         "{file}:22: /Resources/Api/Properties/Body/securityDefinitions/a: a string, expected a mapping", ("template",)),
    Case("body-components-list", "the Body's `components` is a list", _template({"components": []}),
         "{file}:21: /Resources/Api/Properties/Body/components: an empty list, expected a mapping", ("template",)),
    Case("body-gateway-responses-list", "the Body's `x-amazon-apigateway-gateway-responses` is a list",
         _template({"x-amazon-apigateway-gateway-responses": [1]}),
         "{file}:21: /Resources/Api/Properties/Body/x-amazon-apigateway-gateway-responses: a list [number], expected a mapping", ("template",)),
    Case("integration-response-parameters-list", "an integration response's `responseParameters` in the Body is a list (found by fuzzing)",
         _template({"paths": {"/kept": {"get": {"x-amazon-apigateway-integration": {"type": "mock", "responses": {"default": {
             "statusCode": "200", "responseParameters": ["x"]}}}}}}}),
         "{file}:20: /Resources/Api/Properties/Body/paths/~1kept/get/x-amazon-apigateway-integration/responses/default/responseParameters: "
         "a list [string], expected a mapping", ("template",)),
    Case("output-list", "an Output that is a list", lambda d: b'{"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": {}}}}, "Outputs": {"O": [1]}}',
         "{file}:1: /Outputs/O: a list [number], expected a mapping", ("template",)),
    # the wrong kind of document
    Case("body-paths-intrinsic", "the Body's `paths` is built by an intrinsic (`Fn::If`)",
         lambda d: json.dumps({"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": {
             "swagger": "2.0", "paths": {"Fn::If": ["Prod", {"/a": {}}, {"/b": {}}]}}}}}}).encode(),
         "{file}: Api.Body.paths is built by Fn::If, not written inline; export-to-cfn merges only into literal routes", ("template",)),
    Case("body-route-intrinsic", "a route in the Body is built by an intrinsic",
         lambda d: json.dumps({"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": {
             "swagger": "2.0", "paths": {"/hello": {"Fn::If": ["Prod", {"get": {}}, {"post": {}}]}}}}}}}).encode(),
         "{file}: Api.Body.paths['/hello'] is built by Fn::If, not written inline", ("template",)),
    Case("body-paths-list", "the Body's `paths` is a list",
         lambda d: json.dumps({"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": {
             "swagger": "2.0", "paths": [{"/a": {}}]}}}}}).encode(),
         "{file}:1: /Resources/Api/Properties/Body/paths: a list [mapping], expected a mapping", ("template",)),
    Case("template-as-export", "a CloudFormation template given as the export", lambda d: TEMPLATE.read_bytes(),
         "{file}: this is a CloudFormation template, not an API Gateway export; pass it with --template", ("export",)),
    Case("export-as-template", "an export given as --template", lambda d: EXPORT.read_bytes(),
         "{file}: this is an API Gateway export, not a CloudFormation template; pass it as EXPORT", ("template",)),
    Case("body-as-export", "a hand-converted Body (already holds Fn::Sub) given as the export",
         lambda d: b'{"swagger": "2.0", "paths": {"/a": {"get": {"x-amazon-apigateway-integration": {"uri": {"Fn::Sub": "arn:${AWS::Partition}:x"}}}}}}',
         "{file}: this document already holds CloudFormation intrinsics (Fn::Sub at /paths/~1a/get/x-amazon-apigateway-integration/uri)", ("export",)),
    Case("stage-as-export", "a get-stage file given as the export", lambda d: (ROOT / "fixtures" / "stage-settings" / "stage.json").read_bytes(),
         "{file}: this is a stage (aws apigateway get-stage or get-stages), not an API Gateway export; pass it with --stage", ("export",)),
    Case("not-an-export", "some other JSON (package.json) given as the export", lambda d: b'{"name": "x", "version": "1.0.0"}',
         "{file}: not a Swagger 2.0 or OpenAPI 3 document", ("export",)),
    Case("not-auditable", "some other JSON (package.json) given to audit", lambda d: b'{"name": "x", "version": "1.0.0"}',
         "{file}: neither a CloudFormation template (no 'Resources') nor an OpenAPI/Swagger document", ("audit",)),
    Case("http-api-export", "an HTTP API (v2) export",
         lambda d: json.dumps({"openapi": "3.0.1", "x-amazon-apigateway-importexport-version": "1.0", "paths": {}}).encode(),
         "{file}: this is an HTTP API (v2) export (x-amazon-apigateway-importexport-version); export-to-cfn converts REST API (v1) exports",
         ("export",)),
    Case("export-without-extensions", "a plain Swagger export, made without the API Gateway extensions",
         lambda d: json.dumps({"swagger": "2.0", "info": {"title": "t"}, "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}}}}).encode(),
         "{file}: no method has an x-amazon-apigateway-integration: this export was made without the API Gateway extensions",
         ("export",)),
    Case("export-without-routes", "an export with no method under `paths`",
         lambda d: json.dumps({"swagger": "2.0", "info": {"title": "t"}, "paths": {}}).encode(),
         "{file}: export has no routes (no method under 'paths')", ("export",)),
    Case("no-restapi", "a template without a RestApi", lambda d: b'{"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}',
         "{file}: no AWS::ApiGateway::RestApi (or AWS::Serverless::Api) in this template", ("template",)),
    Case("two-restapis", "a template with several RestApis and no --api",
         lambda d: json.dumps({"Resources": {n: {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": {}}} for n in ("A", "B")}}).encode(),
         "{file}: several REST APIs (A, B); pick one with --api", ("template",)),
    Case("body-in-s3", "a RestApi whose definition lives in S3 (BodyS3Location)",
         lambda d: b'{"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"BodyS3Location": {"Bucket": "b", "Key": "k"}}}}}',
         "{file}: Api takes its definition from BodyS3Location; export-to-cfn merges into an inline Body", ("template",)),
    Case("huge-rule", "a 2 MB rule file (a rule is a page of YAML)", lambda d: None,
         "{file}: file is 2,097,152 bytes, larger than the 1,048,576-byte limit", ("rules",), ext=".yaml"),
    Case("rule-binary-example", "a rule example value tagged `!!binary`",
         lambda d: b"id: x\ndescription: A rule with a binary example.\nmatch: 'a(?P<env>dev)'\nexamples:\n  rewrites:\n"
                   b"    - input: 'adev'\n      output: !!binary aGVsbG8=\n  unchanged: ['b']\n",
         "{file}:7: a YAML binary value is not allowed in a rule file", ("rules",), ext=".yaml"),
    Case("rule-timestamp-example", "a rule example value YAML reads as a date (`2020-01-01`, unquoted)",
         lambda d: b"id: x\ndescription: A rule with a date example.\nmatch: 'a(?P<env>dev)'\nexamples:\n  rewrites:\n"
                   b"    - input: 'adev'\n      output: 2020-01-01\n  unchanged: ['b']\n",
         "{file}:7: a YAML timestamp value is not allowed in a rule file", ("rules",), ext=".yaml"),
    Case("rule-bad-regex", "a rule whose `match` is not a regular expression",
         lambda d: b"id: x\ndescription: A rule with a broken pattern.\nmatch: '(unclosed'\nexamples: {}\n",
         "{file}:3: field 'match': invalid regular expression", ("rules",), ext=".yaml"),
    Case("rule-catastrophic", "a rule whose regex could backtrack forever (`(a+)+`)",
         lambda d: b"id: x\ndescription: A rule with a nested repeat.\nmatch: '(?P<x_a>(a+)+)b'\nexamples: {}\n",
         "{file}:3: field 'match': nested unbounded repeats", ("rules",), ext=".yaml"),
    # --stage FILE: the JSON of `aws apigateway get-stage` (or get-stages)
    Case("stage-list", "a JSON list given as --stage", lambda d: b'[{"stageName": "prod"}]',
         "{file}: /: a list, not an object (expected the JSON of `aws apigateway get-stage`)", ("stage",)),
    Case("stage-is-export", "an API export given as --stage", lambda d: EXPORT.read_bytes(),
         "{file}: this is an API export, not a stage: --stage takes the JSON of `aws apigateway get-stage", ("stage",)),
    Case("stage-no-name", "get-stage JSON without stageName", lambda d: b'{"deploymentId": "a1b2c3", "variables": {}}',
         "{file}: /: no stageName (expected the JSON of `aws apigateway get-stage`)", ("stage",)),
    Case("stage-variables-list", "stage `variables` is a list", lambda d: b'{"stageName": "prod", "variables": ["a"]}',
         "{file}: /variables: a list, expected an object", ("stage",)),
    Case("stage-variable-number", "a stage variable whose value is a number", lambda d: b'{"stageName": "prod", "variables": {"n": 1}}',
         "{file}: /variables/n: a number, expected a string", ("stage",)),
    Case("stage-variable-value", "a stage variable value API Gateway refuses (a semicolon)",
         lambda d: b'{"stageName": "prod", "variables": {"greeting": "hello;world"}}',
         "{file}: /variables/greeting: 'hello;world': a stage variable's value is letters, digits, spaces and - . _ ~ : / ? # & = , only",
         ("stage",)),
    Case("stage-method-key", "a method setting key without resourcePath/httpMethod",
         lambda d: b'{"stageName": "prod", "methodSettings": {"GET": {}}}',
         "{file}: /methodSettings/GET: method setting key 'GET': expected resourcePath/httpMethod", ("stage",)),
    Case("stage-method-type", "a method setting of the wrong type (throttling as a string)",
         lambda d: b'{"stageName": "prod", "methodSettings": {"*/*": {"throttlingBurstLimit": "500"}}}',
         "{file}: /methodSettings/*~1*/throttlingBurstLimit: a string, expected an integer", ("stage",)),
    Case("stage-tracing-string", "`tracingEnabled` as the string \"true\"", lambda d: b'{"stageName": "prod", "tracingEnabled": "true"}',
         "{file}: /tracingEnabled: a string, expected true or false", ("stage",)),
    Case("stage-cache-size", "a cache cluster size API Gateway does not have", lambda d: b'{"stageName": "prod", "cacheClusterSize": "2"}',
         "{file}: /cacheClusterSize: '2', expected one of 0.5, 1.6", ("stage",)),
    Case("stage-canary-list", "`canarySettings` is a list", lambda d: b'{"stageName": "prod", "canarySettings": []}',
         "{file}: /canarySettings: a list, expected an object", ("stage",)),
    Case("get-stages-several", "get-stages output with several stages and no --stage-name",
         lambda d: b'{"item": [{"stageName": "dev"}, {"stageName": "prod"}]}',
         "{file}: get-stages output with 2 stages (dev, prod): pick one with --stage-name", ("stage",)),
    Case("get-stages-not-list", "get-stages `item` is an object", lambda d: b'{"item": {"stageName": "dev"}}',
         "{file}: /item: a mapping, expected a list of stages", ("stage",)),
]

# Inputs that must work: (id, what, content) -- each converts and audits like the plain file.
WORKS = [
    ("bom-json", "UTF-8 BOM + CRLF line ends in a JSON export (console download on Windows)",
     lambda: b"\xef\xbb\xbf" + EXPORT.read_bytes().replace(b"\n", b"\r\n"), ".json"),
    ("bom-yaml", "UTF-8 BOM + CRLF line ends in a YAML template",
     lambda: b"\xef\xbb\xbfAWSTemplateFormatVersion: '2010-09-09'\r\nResources:\r\n  Api:\r\n    Type: AWS::ApiGateway::RestApi\r\n"
             b"    Properties:\r\n      Name: x\r\n      Body: {}\r\n", ".yaml"),
]


def write_case(case: Case, folder: Path) -> Path:
    """The case's file inside `folder` (which is created)."""
    folder.mkdir(parents=True, exist_ok=True)
    name = "x" + case.ext  # rule files must be named after their id, which these cases use ("x")
    path = folder / name
    if case.id in ("huge", "huge-rule"):
        with open(path, "wb") as fh:
            fh.truncate((70 if case.id == "huge" else 2) * 1024 * 1024)  # sparse: nothing actually written
    elif case.id == "folder":
        path.mkdir()
    elif case.id in ("missing", "missing-rules"):
        pass
    elif case.id == "fifo":
        os.mkfifo(path)
    elif case.id in ("dev-zero", "dev-urandom"):
        path.symlink_to("/dev/" + case.id[4:])
    elif case.id == "name-too-long":
        path = folder / ("x" * 300 + case.ext)
    elif case.id == "not-a-directory":
        (folder / "file").write_bytes(b"{}")
        path = folder / "file" / name
    elif case.id == "symlink-loop":
        path.symlink_to(path.name)
    else:
        path.write_bytes(case.make(folder))
    return path


# ---- Amplify project files of the wrong shape: each read once, checked against the shape Amplify writes
# (exporter.io.project's SHAPES); run by test_integrity through convert --in-place and diff on a copy of
# PROJECT_CASE with the one file changed. `expect` follows "{file}: ... " on the one line.

PROJECT_CASE = "amplify-meta-storage-auth"
PROJECT_TEMPLATE = "amplify/backend/api/shopApi/shopApi-cloudformation-template.json"
BC, TPI = "amplify/backend/backend-config.json", "amplify/team-provider-info.json"
META, AP = "amplify/backend/amplify-meta.json", "amplify/backend/api/shopApi/api-params.json"


def _set(*path_and_value: object) -> Callable[[object], object]:
    """The file's data with the value at `path` replaced (no path: the whole document)."""
    *path, value = path_and_value

    def change(d: object) -> object:
        if not path:
            return value
        cur = d
        for k in path[:-1]:
            cur = cur[k]  # type: ignore[index]
        cur[path[-1]] = value  # type: ignore[index]
        return d
    return change


@dataclass
class ProjectCase:
    id: str
    what: str
    file: str  # relative to the project
    change: Callable[[object], object]
    expect: str


PROJECT_CASES: list[ProjectCase] = [
    ProjectCase("bc-api-list", "backend-config's api category a list", BC, _set("api", [1]), "/api: expected a mapping, got a list"),
    ProjectCase("bc-dependsOn-mapping", "an API's dependsOn a mapping", BC, _set("api", "shopApi", "dependsOn", {"a": 1}),
                "/api/shopApi/dependsOn: expected a list, got a mapping"),
    ProjectCase("bc-dependsOn-string", "an API's dependsOn a string", BC, _set("api", "shopApi", "dependsOn", "x"),
                "/api/shopApi/dependsOn: expected a list, got a string"),
    ProjectCase("bc-attributes-string", "a dependsOn entry's attributes a string", BC, _set("api", "shopApi", "dependsOn", 0, "attributes", "Arn"),
                "/api/shopApi/dependsOn/0/attributes: expected a list, got a string"),
    ProjectCase("api-params-dependsOn-string", "api-params.json's dependsOn a string", AP, _set("dependsOn", "x"),
                "/dependsOn: expected a list, got a string"),
    ProjectCase("tpi-string", "team-provider-info.json a string", TPI, _set("x"), "/: expected a mapping, got a string"),
    ProjectCase("tpi-env-list", "an env of team-provider-info a list", TPI, _set("prod", [1]), "/prod: expected a mapping, got a list"),
    ProjectCase("tpi-categories-list", "an env's categories a list", TPI, _set("prod", "categories", [1]),
                "/prod/categories: expected a mapping, got a list"),
    ProjectCase("meta-list", "amplify-meta.json a list", META, _set([1]), "/: expected a mapping, got a list"),
    ProjectCase("meta-output-list", "a resource's output in amplify-meta a list", META, _set("function", "ordersFn", "output", [1]),
                "/function/ordersFn/output: expected a mapping, got a list"),
    ProjectCase("meta-providers-string", "amplify-meta's providers a string", META, _set("providers", "x"),
                "/providers: expected a mapping, got a string"),
]
