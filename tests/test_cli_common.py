"""exporter.cli.common: the binding and stage-variable flags' parsing, the home flags' shapes, the
shared Options over the project config, the stage flags, EXPORT from the config, and -o refusing an input."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from exporter.cli.common import (check_home, from_config, options, parse_bindings, parse_stage_variables,
                                 refuse_input_as_output, with_stage)
from exporter.convert import Options
from exporter.errors import UserError


# ----------------------------------------------------------------------------------- parse_bindings

def test_parse_bindings_name_value_pairs():
    assert parse_bindings(["OrdersTable=orders-dev", "Queue=q"]) == {"OrdersTable": "orders-dev", "Queue": "q"}


def test_parse_bindings_value_may_hold_equals_signs():
    # partition at the first '=': an ARN or a query string keeps its own
    assert parse_bindings(["Url=https://x.example.com/?a=b"]) == {"Url": "https://x.example.com/?a=b"}


def test_parse_bindings_later_wins():
    assert parse_bindings(["A=1", "A=2"]) == {"A": "2"}


@pytest.mark.parametrize("item", ["NoEquals", "=value", "Name=", ""])
def test_parse_bindings_refuses_what_is_not_name_value(item):
    with pytest.raises(UserError, match="expected NAME=VALUE"):
        parse_bindings([item])


@pytest.mark.parametrize("name", ["my-param", "A.B", "a_b", "x" * 256, "café"])
def test_parse_bindings_refuses_a_name_cloudformation_refuses(name):
    # CloudFormation parameter names are alphanumeric, at most 255 characters
    with pytest.raises(UserError, match="not a CloudFormation parameter name"):
        parse_bindings([f"{name}=v"])


def test_parse_bindings_255_characters_is_fine():
    assert parse_bindings(["x" * 255 + "=v"]) == {"x" * 255: "v"}


# ----------------------------------------------------------------------------------- parse_stage_variables

def test_parse_stage_variables_pairs():
    assert parse_stage_variables(["alias=live", "lambda_name=orders_v2"]) == {"alias": "live", "lambda_name": "orders_v2"}


def test_parse_stage_variables_empty_value_is_refused():
    # API Gateway refuses it when CloudFormation creates the Stage ("Invalid stage variable value: .")
    with pytest.raises(UserError, match="not empty"):
        parse_stage_variables(["alias="])


def test_parse_stage_variables_value_keeps_equals():
    assert parse_stage_variables(["q=a=b"]) == {"q": "a=b"}


@pytest.mark.parametrize("item", ["alias", "=live", "my-var=x", "a.b=x", "a b=x"])
def test_parse_stage_variables_refuses_bad_names(item):
    # API Gateway: stage variable names are alphanumeric and underscore
    with pytest.raises(UserError, match="--stage-variable"):
        parse_stage_variables([item])


# ----------------------------------------------------------------------------------- check_home

@pytest.mark.parametrize("account,region,partition", [
    ("123456789012", "us-east-1", "aws"),
    (None, "eu-west-2", "aws"),
    (None, "us-gov-west-1", "aws-us-gov"),
    (None, "cn-north-1", "aws-cn"),
    (None, "ap-southeast-3", None),
    (None, None, "aws-iso-b"),
    (None, None, "aws-eusc"),
    (None, None, None),
])
def test_check_home_accepts_aws_shapes(account, region, partition):
    check_home(account, region, partition)


@pytest.mark.parametrize("account", ["12345678901", "1234567890123", "12345678901a", " 123456789012", ""])
def test_check_home_refuses_an_account_not_12_digits(account):
    with pytest.raises(UserError, match="--account"):
        check_home(account, None, None)


@pytest.mark.parametrize("region", ["us-east", "US-EAST-1", "useast1", "us-east-1a", ""])
def test_check_home_refuses_a_region_not_a_region_code(region):
    with pytest.raises(UserError, match="--region"):
        check_home(None, region, None)


@pytest.mark.parametrize("partition", ["aws-foo", "AWS", "amazon", "aws-cn-1", ""])
def test_check_home_refuses_an_unknown_partition(partition):
    with pytest.raises(UserError, match="--partition"):
        check_home(None, None, partition)


# ----------------------------------------------------------------------------------- options

@pytest.fixture
def root(tmp_path) -> Path:
    """A project root: .git stops the config walk here."""
    (tmp_path / ".git").mkdir()
    return tmp_path


def _options(near, **kw):
    args = dict(api=None, rules=[], style=None, account=None, region=None, partition=None, env=None, bind=[], prune=False)
    args.update(kw)
    return options(**args, near=near)


def test_options_without_config_are_the_flags(root):
    opts = _options(root, api="Api", style="join", account="123456789012", region="us-east-1", partition="aws",
                    env="dev", bind=["T=orders-dev"], prune=True)
    assert isinstance(opts, Options)
    assert (opts.api, opts.style, opts.account, opts.region, opts.partition, opts.env, opts.prune) == (
        "Api", "join", "123456789012", "us-east-1", "aws", "dev", True)
    assert opts.bindings == {"T": "orders-dev"}
    assert opts.rules == []
    assert opts.env_source is None


def test_options_style_defaults_to_sub(root):
    assert _options(root).style == "sub"


def test_options_refuse_an_unknown_style(root):
    with pytest.raises(UserError, match="--style"):
        _options(root, style="fn")


def test_options_check_the_home_flags(root):
    with pytest.raises(UserError, match="--account"):
        _options(root, account="42")


def test_options_config_gives_env_style_bindings_and_rules(root, capsys):
    (root / "myrules").mkdir()
    (root / ".export-to-cfn.yaml").write_text("env: qa\nstyle: join\nbindings: {T: orders-qa, U: users-qa}\nrules: [myrules]\n")
    extra = root / "extra"
    extra.mkdir()
    opts = _options(root, rules=[extra])
    assert opts.env == "qa"
    assert opts.env_source == str(root / ".export-to-cfn.yaml")  # where env came from: the config, not --env
    assert opts.style == "join"
    assert opts.bindings == {"T": "orders-qa", "U": "users-qa"}
    assert opts.rules == [(root / "myrules").resolve(), extra]  # the config's first, then --rules
    assert "config:" in capsys.readouterr().err


def test_options_flags_win_over_the_config(root):
    (root / ".export-to-cfn.yaml").write_text("env: qa\nstyle: join\nbindings: {T: orders-qa, U: users-qa}\n")
    opts = _options(root, env="prod", style="sub", bind=["T=orders-prod"])
    assert opts.env == "prod"
    assert opts.env_source is None  # --env: the pipeline says so itself
    assert opts.style == "sub"
    assert opts.bindings == {"T": "orders-prod", "U": "users-qa"}


# ----------------------------------------------------------------------------------- with_stage

def test_with_stage_sets_variables_and_name(tmp_path):
    opts = with_stage(Options(), tmp_path / "stages.json", "prod", ["alias=live"])
    assert opts.stage_variables == {"alias": "live"}
    assert opts.stage_name == "prod"


def test_with_stage_name_needs_stage():
    with pytest.raises(UserError, match="--stage-name goes with --stage"):
        with_stage(Options(), None, "prod", [])


def test_with_stage_checks_variables():
    with pytest.raises(UserError, match="--stage-variable"):
        with_stage(Options(), None, None, ["bad-name=x"])


def test_with_stage_nothing_given():
    opts = with_stage(Options(), None, None, [])
    assert opts.stage_variables == {} and opts.stage_name is None


# ----------------------------------------------------------------------------------- from_config

def test_from_config_export_given_is_used_as_is(tmp_path):
    t = tmp_path / "t.json"
    assert from_config(tmp_path / "e.json", t, None, "convert") == (tmp_path / "e.json", t)


def test_from_config_dash_is_stdin():
    assert from_config(Path("-"), None, None, "convert") == (Path("/dev/stdin"), None)


def test_from_config_reads_export_and_template_from_the_config(root, monkeypatch):
    (root / ".export-to-cfn.yaml").write_text("export: api/export.json\ntemplate: t/template.json\n")
    monkeypatch.chdir(root)
    export, template = from_config(None, None, None, "diff")
    assert export == root / "api" / "export.json"
    assert template == root / "t" / "template.json"


def test_from_config_the_flag_template_wins(root):
    (root / ".export-to-cfn.yaml").write_text("export: api/export.json\ntemplate: t/template.json\n")
    mine = root / "mine.json"
    mine.write_text("{}")
    assert from_config(None, mine, None, "diff") == (root / "api" / "export.json", mine)


def test_from_config_without_export_names_the_command(root, monkeypatch):
    monkeypatch.chdir(root)
    with pytest.raises(UserError, match="^diff needs EXPORT"):
        from_config(None, None, None, "diff")


# ----------------------------------------------------------------------------------- refuse_input_as_output

@pytest.fixture
def nothing_read():
    from exporter.io.load import FILES_READ

    FILES_READ.clear()  # as each command starts (cli.output.handled)
    yield FILES_READ
    FILES_READ.clear()


def test_refuse_input_as_output_same_path(tmp_path, nothing_read):
    t = tmp_path / "template.json"
    t.write_text("{}")
    with pytest.raises(UserError, match="that is an input of this run"):
        refuse_input_as_output(t, "the report", named=(tmp_path / "export.json", t))


def test_refuse_input_as_output_any_file_read_through_io(tmp_path, nothing_read):
    """What exporter.io read is an input without being named: a rule file, the config, a project file."""
    from exporter.io.load import read_bytes

    rule = tmp_path / "rule.yaml"
    rule.write_text("id: x\n")
    refuse_input_as_output(rule, "the report")  # not read yet
    read_bytes(rule)
    with pytest.raises(UserError) as e:
        refuse_input_as_output(rule, "the report")
    assert str(e.value) == f"-o {rule}: that is an input of this run ({rule}); the report would replace it. Write it to another file"


def test_refuse_input_as_output_through_a_symlink_and_dotdot(tmp_path, nothing_read):
    t = tmp_path / "template.json"
    t.write_text("{}")
    link = tmp_path / "link.json"
    link.symlink_to(t)
    (tmp_path / "sub").mkdir()
    with pytest.raises(UserError):
        refuse_input_as_output(link, "the report", named=(t,))
    with pytest.raises(UserError):
        refuse_input_as_output(tmp_path / "sub" / ".." / "template.json", "the report", named=(t,))


def test_refuse_input_as_output_hard_link(tmp_path, nothing_read):
    t = tmp_path / "template.json"
    t.write_text("{}")
    os.link(t, tmp_path / "hard.json")
    with pytest.raises(UserError):
        refuse_input_as_output(tmp_path / "hard.json", "the report", named=(t,))


def test_refuse_input_as_output_other_files_and_none_pass(tmp_path, nothing_read):
    t = tmp_path / "template.json"
    t.write_text("{}")
    refuse_input_as_output(tmp_path / "out.json", "the report", named=(t, None))  # out.json does not exist yet
    (tmp_path / "other.json").write_text("{}")
    refuse_input_as_output(tmp_path / "other.json", "the report", named=(t,))


@pytest.mark.parametrize("account,region", [("١٢٣٤٥٦٧٨٩٠١٢", None), (None, "us-east-١")])
def test_check_home_only_ascii_digits(account, region):
    with pytest.raises(UserError):
        check_home(account, region, None)


def test_options_from_pyproject_toml(root):
    (root / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.export-to-cfn]\nenv = "stage"\nbindings = {Q = "queue-stage"}\n')
    opts = _options(root)
    assert opts.env == "stage" and opts.bindings == {"Q": "queue-stage"}
    assert opts.env_source == str(root / "pyproject.toml")


def test_options_config_found_by_walking_up_to_the_root(root):
    (root / ".export-to-cfn.yaml").write_text("env: qa\n")
    deep = root / "a" / "b"
    deep.mkdir(parents=True)
    (deep / "export.json").write_text("{}")
    assert _options(deep / "export.json").env == "qa"
    assert _options(deep).env == "qa"
