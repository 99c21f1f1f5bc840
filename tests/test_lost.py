"""exporter.lost: what a live stage can have that the template does not carry. Exports are written by
hand the way API Gateway exports a method with apiKeyRequired (a security requirement naming the
`api_key` scheme: type apiKey, name x-api-key, in header); commands are the AWS CLI's own."""

from __future__ import annotations

import pytest

from exporter.lost import Lost, requires_api_key, what_was_lost
from exporter.stage import LiveStage

KEY_SCHEME = {"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}


def swagger(*ops: dict, security: list | None = None, schemes: dict | None = KEY_SCHEME, **top) -> dict:
    export = {"swagger": "2.0", "paths": {f"/r{i}": {"get": op} for i, op in enumerate(ops)}, **top}
    if schemes is not None:
        export["securityDefinitions"] = schemes
    if security is not None:
        export["security"] = security
    return export


# --- requires_api_key


def test_a_method_whose_security_names_the_key_scheme_needs_a_key():
    assert requires_api_key(swagger({}, {"security": [{"api_key": []}]})) is True


def test_no_method_naming_the_key_scheme_needs_no_key():
    assert requires_api_key(swagger({}, {"security": [{"MyAuthorizer": []}]})) is False


def test_a_key_scheme_no_method_uses_needs_no_key():
    assert requires_api_key(swagger({}, {})) is False


def test_an_authorizer_and_a_key_as_two_entries_need_a_key():
    # API Gateway exports a method with an authorizer and apiKeyRequired as [{auth: []}, {api_key: []}]
    assert requires_api_key(swagger({"security": [{"MyAuthorizer": []}, {"api_key": []}]})) is True


def test_api_wide_security_applies_to_methods_without_their_own():
    assert requires_api_key(swagger({}, security=[{"api_key": []}])) is True


def test_an_operation_with_security_empty_overrides_the_api_wide_key():
    # OpenAPI: an operation's `security` replaces the top-level one; [] removes every requirement
    assert requires_api_key(swagger({"security": []}, {"security": []}, security=[{"api_key": []}])) is False


def test_one_operation_not_overriding_still_needs_the_api_wide_key():
    assert requires_api_key(swagger({"security": []}, {}, security=[{"api_key": []}])) is True


def test_an_operation_with_its_own_other_scheme_overrides_the_api_wide_key():
    assert requires_api_key(swagger({"security": [{"MyAuthorizer": []}]}, security=[{"api_key": []}])) is False


def test_api_wide_security_with_no_methods_needs_no_key():
    assert requires_api_key(swagger(security=[{"api_key": []}])) is False


@pytest.mark.parametrize("scheme", [
    {"type": "apiKey", "name": "x-api-key", "in": "query"},  # not the header API Gateway reads
    {"type": "apiKey", "name": "Authorization", "in": "header"},  # a token authorizer's header, not the key's
    {"type": "oauth2", "flow": "implicit", "authorizationUrl": "https://x"},
])
def test_a_scheme_that_is_not_the_x_api_key_header_is_not_a_key(scheme):
    assert requires_api_key(swagger({"security": [{"api_key": []}]}, schemes={"api_key": scheme})) is False


def test_the_header_name_is_case_insensitive():
    scheme = {"type": "apiKey", "name": "X-API-Key", "in": "header"}
    assert requires_api_key(swagger({"security": [{"k": []}]}, schemes={"k": scheme})) is True


def test_openapi3_security_schemes():
    export = {"openapi": "3.0.1", "components": {"securitySchemes": KEY_SCHEME},
              "paths": {"/a": {"post": {"security": [{"api_key": []}]}}}}
    assert requires_api_key(export) is True
    export["paths"]["/a"]["post"]["security"] = []
    assert requires_api_key(export) is False


def test_any_method_counts():
    export = swagger()
    export["paths"] = {"/{proxy+}": {"x-amazon-apigateway-any-method": {"security": [{"api_key": []}]}}}
    assert requires_api_key(export) is True


@pytest.mark.parametrize("source", ["HEADER", "AUTHORIZER"])
def test_the_key_source_alone_does_not_make_a_method_need_a_key(source):
    # x-amazon-apigateway-api-key-source says where a required key comes from, not that one is required
    export = swagger({}, **{"x-amazon-apigateway-api-key-source": source})
    assert requires_api_key(export) is False
    export["paths"]["/r0"]["get"]["security"] = [{"api_key": []}]
    assert requires_api_key(export) is True


@pytest.mark.parametrize("export", [
    {}, {"paths": None}, {"securityDefinitions": []}, {"components": []}, {"securityDefinitions": {"api_key": "x"}},
    {"securityDefinitions": KEY_SCHEME, "paths": {"/a": {"get": {"security": "api_key"}}}},
    {"securityDefinitions": KEY_SCHEME, "paths": {"/a": {"get": {"security": ["api_key"]}}}},
])
def test_odd_shapes_need_no_key_and_never_raise(export):
    assert requires_api_key(export) is False


# --- what_was_lost


def whats(lost: list[Lost]) -> list[str]:
    return [x.what.split(" (")[0] for x in lost]


def test_without_stage_everything_a_stage_can_have_is_listed():
    lost = what_was_lost(swagger({}), api_id="a1b2c3d4e5", stage="dev", region="eu-west-1", partition="aws")
    assert whats(lost) == ["stage settings", "usage plans and API keys", "custom domains and base path mappings",
                           "WAF web ACL association"]
    assert lost[0].command == ("aws apigateway get-stage --rest-api-id a1b2c3d4e5 --stage-name dev > stage.json, "
                               "then convert with --stage stage.json")
    assert lost[3].command == ("aws wafv2 get-web-acl-for-resource --resource-arn "
                               "arn:aws:apigateway:eu-west-1::/restapis/a1b2c3d4e5/stages/dev")


def test_unknown_ids_are_placeholders():
    lost = what_was_lost({}, api_id=None, stage=None, region=None, partition="aws")
    assert "--rest-api-id API_ID --stage-name STAGE" in lost[0].command
    assert lost[-1].command.endswith("--resource-arn arn:aws:apigateway:REGION::/restapis/API_ID/stages/STAGE")


def test_the_stage_arn_is_in_the_home_partition():
    lost = what_was_lost({}, api_id="a1b2c3d4e5", stage="prod", region="cn-north-1", partition="aws-cn")
    assert lost[-1].command.endswith("arn:aws-cn:apigateway:cn-north-1::/restapis/a1b2c3d4e5/stages/prod")


UNSEEN = "not visible to get-stage, so unknown here: check them"


def test_with_a_stage_file_what_get_stage_cannot_show_is_still_named_as_such():
    """With --stage, nothing get-stage shows is lost (no webAclArn, no key required), but custom domains
    and usage plans it cannot show are named as unknown, so the section never implies they were carried."""
    live = LiveStage({"stageName": "prod"}, "stage.json")
    lost = what_was_lost(swagger({}), api_id="a1b2c3d4e5", stage="dev", region="us-east-1", partition="aws", live=live)
    assert [x.what for x in lost] == [f"usage plans and API keys ({UNSEEN})", f"custom domains and base path mappings ({UNSEEN})"]
    assert lost[1].command == "aws apigateway get-domain-names; aws apigateway get-base-path-mappings --domain-name DOMAIN"


def test_with_a_stage_file_keys_are_listed_when_a_method_requires_one():
    live = LiveStage({"stageName": "prod"}, "stage.json")
    lost = what_was_lost(swagger({"security": [{"api_key": []}]}), api_id="a1b2c3d4e5", stage="dev", region="us-east-1",
                         partition="aws", live=live)
    assert [x.what for x in lost] == ["usage plans and API keys (methods of the export require an API key)",
                                      f"custom domains and base path mappings ({UNSEEN})"]
    # the live stage's name wins over the export's
    assert "apiStages[?apiId=='a1b2c3d4e5' && stage=='prod']" in lost[0].command


def test_with_a_stage_file_keys_are_not_required_when_every_method_opts_out():
    live = LiveStage({"stageName": "prod"}, "stage.json")
    export = swagger({"security": []}, security=[{"api_key": []}])
    lost = what_was_lost(export, api_id="a1b2c3d4e5", stage="dev", region="us-east-1", partition="aws", live=live)
    assert lost[0].what == f"usage plans and API keys ({UNSEEN})"


def test_with_a_stage_file_naming_a_web_acl_the_acl_is_listed():
    acl = "arn:aws:wafv2:us-east-1:111122223333:regional/webacl/w/1234"
    live = LiveStage({"stageName": "prod", "webAclArn": acl}, "stage.json")
    lost = what_was_lost({}, api_id="a1b2c3d4e5", stage=None, region="us-east-1", partition="aws", live=live)
    assert lost[-1].what == f"WAF web ACL association {acl}"
    assert lost[-1].command == ("aws wafv2 get-web-acl-for-resource --resource-arn "
                                "arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/stages/prod")
    without = what_was_lost({}, api_id="a1b2c3d4e5", stage=None, region="us-east-1", partition="aws",
                            live=LiveStage({"stageName": "prod"}, "stage.json"))
    assert not any(x.what.startswith("WAF") for x in without)  # get-stage shows an association: none is none


def test_adopt_says_what_stays_attached_to_the_live_api():
    lost = what_was_lost(swagger({}), api_id="a1b2c3d4e5", stage="dev", region="eu-west-1", partition="aws", mode="adopt",
                         live=LiveStage({"stageName": "dev", "webAclArn": "arn:aws:wafv2:x"}, "stage.json"))
    assert [x.what for x in lost] == [
        f"usage plans and API keys ({UNSEEN}; with --adopt they stay attached to the live API (same id), outside this stack)",
        f"custom domains and base path mappings ({UNSEEN}; with --adopt they stay attached to the live API (same id), outside this stack)",
        "WAF web ACL association arn:aws:wafv2:x (with --adopt they stay attached to the live API (same id), outside this stack)"]


def test_a_cdk_construct_without_stage_is_told_what_its_stage_has_and_with_stage_what_it_leaves_out():
    lost = what_was_lost(swagger({}), api_id="a1b2c3d4e5", stage="dev", region="eu-west-1", partition="aws", mode="code")
    assert lost[0].what.endswith(": the construct's stage has the export's name and the variables --stage-variable gives, nothing else")
    assert lost[0].command.endswith("then convert with --stage stage.json (its variables go into stageVariables) and give the rest as "
                                    "deployOptions")
    live = LiveStage({"stageName": "dev"}, "stage.json")
    lost = what_was_lost(swagger({}), api_id="a1b2c3d4e5", stage="dev", region="eu-west-1", partition="aws", mode="code", live=live,
                         not_in_code=["TracingEnabled", "MethodSettings"])
    assert lost[0].what == "stage settings of stage.json the construct does not carry: TracingEnabled, MethodSettings"
    assert lost[0].command.startswith("give them as deployOptions")
    assert what_was_lost(swagger({}), api_id="a", stage="dev", region="eu-west-1", partition="aws", mode="code",
                         live=live)[0].what.startswith("usage plans")  # all carried: no stage line


def test_an_amplify_project_is_told_the_live_stage_keeps_its_settings_and_a_new_env_does_not():
    lost = what_was_lost(swagger({}), api_id="a1b2c3d4e5", stage="dev", region="eu-west-1", partition="aws", mode="amplify")
    assert lost[0].what.endswith(": the live stage keeps them across pushes, but no template holds them and a new env starts without them")
    assert lost[0].command.startswith("aws apigateway get-stage --rest-api-id a1b2c3d4e5 --stage-name dev shows them; on a new env's "
                                      "stage set each with aws apigateway update-stage --rest-api-id API_ID --stage-name ENV")
    assert "--stage" not in lost[0].command.replace("--stage-name", "")  # convert --stage is refused there
    assert whats(lost)[1:] == ["usage plans and API keys", "custom domains and base path mappings", "WAF web ACL association"]


def test_a_template_merge_is_pointed_to_its_own_stage():
    from exporter.stage import OwnStage

    lost = what_was_lost(swagger({}), api_id="a1b2c3d4e5", stage="dev", region="eu-west-1", partition="aws", mode="template",
                         own=OwnStage("Api", ["AWS::ApiGateway::Stage Prod"], {"backend"}))
    assert lost[0].what.endswith(": this template's own stage holds those it sets (AWS::ApiGateway::Stage Prod)")
    assert lost[0].command == ("aws apigateway get-stage --rest-api-id a1b2c3d4e5 --stage-name dev shows the live ones; "
                               "set any it lacks there")
    none = what_was_lost(swagger({}), api_id="a1b2c3d4e5", stage="dev", region="eu-west-1", partition="aws", mode="template",
                         own=OwnStage("Api"))
    assert none[0].what.endswith(": this template has no stage of its own for Api")
