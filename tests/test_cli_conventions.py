"""What users of CLIs expect without reading our docs: --version, click's usage errors as one line
and exit 2 (like every other error of ours), --amplify-dir alone being enough, and the export and
template named once in the project config (what lets the pre-commit hooks run without args)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import FIXTURES

CASE = FIXTURES / "amplify-stepfunctions"
TEMPLATE = "amplify/backend/api/HelloApi/HelloApi-cloudformation-template.json"
GOLDEN = CASE / "expected"


def test_version(cli):
    from exporter import __version__

    result = cli("--version")
    assert (result.exit_code, result.stdout) == (0, f"export-to-cfn {__version__}\n")


@pytest.mark.parametrize("args,message", [
    (["convert", "a.json", "b.json"], "export-to-cfn: error: Got unexpected extra argument (b.json) (see 'export-to-cfn convert --help')"),
    (["convert", "a.json", "--bogus"], "export-to-cfn: error: No such option '--bogus'. Did you mean '--verbose'? (see 'export-to-cfn convert --help')"),
    (["nope"], "export-to-cfn: error: No such command 'nope' (see 'export-to-cfn --help')"),
    # typer 0.20 and click >= 8.2 each add the hint: said once (found by a new-user trial)
    (["conver", "x"], "export-to-cfn: error: No such command 'conver'. Did you mean 'convert'? (see 'export-to-cfn --help')"),
    (["rules", "show"], "export-to-cfn: error: Missing argument 'RULE_ID' (see 'export-to-cfn rules show --help')"),
    # an option without its value: click raises it without a context; it still names the command's help
    (["convert", "a.json", "--format"], "export-to-cfn: error: Option '--format' requires an argument (see 'export-to-cfn convert --help')"),
    (["diff", "a.json", "-t"], "export-to-cfn: error: Option '-t' requires an argument (see 'export-to-cfn diff --help')"),
    (["audit", "a.json", "--format"], "export-to-cfn: error: Option '--format' requires an argument (see 'export-to-cfn audit --help')"),
    (["rules", "list", "--format"], "export-to-cfn: error: Option '--format' requires an argument (see 'export-to-cfn rules list --help')"),
])
def test_usage_errors_are_one_line_and_exit_2(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == message + "\n"


def test_usage_errors_from_the_console_script_are_one_line_too(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "exporter", "diff", "x.json", "extra"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == "export-to-cfn: error: Got unexpected extra argument (extra) (see 'export-to-cfn diff --help')\n"


def test_a_group_without_a_command_shows_its_help(cli):
    result = cli("rules")
    assert result.exit_code == 2 and "Commands:" in result.stdout + result.stderr


def test_amplify_dir_alone_serves_in_place_and_diff(cli, project):
    before = cli("diff", project / "export.json", "--amplify-dir", project, "--check")
    assert before.exit_code == 1, before.stderr
    converted = cli("convert", project / "export.json", "--amplify-dir", project, "--in-place")
    assert converted.exit_code == 0, converted.stderr
    assert (project / TEMPLATE).read_bytes() == (GOLDEN / "HelloApi-cloudformation-template.json").read_bytes()
    for name in ("amplify/backend/backend-config.json", "amplify/backend/api/HelloApi/api-params.json"):
        assert (project / name).read_bytes() == (GOLDEN / "tree" / name).read_bytes()
    after = cli("diff", project / "export.json", "--amplify-dir", project, "--check")
    assert after.exit_code == 0, after.stderr


def test_in_place_or_diff_without_a_template_or_project_is_a_usage_error(cli, project):
    assert cli("convert", project / "export.json", "--in-place").stderr.startswith(
        "export-to-cfn: error: --in-place needs --template (or --amplify-dir")
    result = cli("diff", project / "export.json")
    assert result.exit_code == 2 and result.stderr.startswith("export-to-cfn: error: diff needs --template (or --amplify-dir")


def test_export_and_template_from_the_project_config(cli, project, monkeypatch):
    (project / ".export-to-cfn.yaml").write_text(f"export: export.json\ntemplate: {TEMPLATE}\n")
    (project / ".git").mkdir()  # the config walk stops at a repository root
    monkeypatch.chdir(project)
    assert cli("diff", "--check").exit_code == 1
    converted = cli("convert", "--in-place")
    assert converted.exit_code == 0, converted.stderr
    assert (project / TEMPLATE).read_bytes() == (GOLDEN / "HelloApi-cloudformation-template.json").read_bytes()
    assert cli("diff", "--check").exit_code == 0


def test_an_export_on_the_command_line_ignores_the_config_template(cli, project, monkeypatch):
    (project / ".export-to-cfn.yaml").write_text(f"export: export.json\ntemplate: {TEMPLATE}\n")
    (project / ".git").mkdir()
    monkeypatch.chdir(project)
    standalone = cli("convert", "export.json")
    assert standalone.exit_code == 0 and '"AWS::ApiGateway::Stage"' in standalone.stdout


@pytest.mark.parametrize("config,message", [
    ("template: t.json\n", "'template' goes with 'export'"),
    ("export: 5\n", "'export': a file path, relative to this file"),
])
def test_bad_config_files_are_one_line(cli, project, monkeypatch, config, message):
    (project / ".export-to-cfn.yaml").write_text(config)
    (project / ".git").mkdir()
    monkeypatch.chdir(project)
    result = cli("diff", "--check")
    assert result.exit_code == 2 and message in result.stderr and len(result.stderr.splitlines()) == 1


def test_no_export_and_no_config_says_what_to_give(cli, tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    result = cli("convert")
    assert result.exit_code == 2
    assert result.stderr.startswith("export-to-cfn: error: convert needs EXPORT, or 'export' in the project config")


@pytest.mark.parametrize("args,message", [
    (["--account", "12"], "--account '12': an AWS account id is 12 digits"),
    (["--account", "1234567890123"], "--account '1234567890123': an AWS account id is 12 digits"),
    (["--region", "mars-1"], "--region 'mars-1': not a region code"),
    (["--partition", "aws-foo"], "--partition 'aws-foo': use aws, aws-cn, aws-us-gov"),
])
def test_home_flags_are_validated(cli, project, args, message):
    for command in (["convert", project / "export.json"], ["diff", project / "export.json", "-t", project / TEMPLATE]):
        result = cli(*command, *args)
        assert result.exit_code == 2 and result.stderr.startswith(f"export-to-cfn: error: {message}"), result.stderr


@pytest.mark.parametrize("partition,region", [("aws-eusc", "eusc-de-east-1"), ("aws-iso-b", "us-isob-east-1"),
                                              ("aws-iso-e", "eu-isoe-west-1"), ("aws-cn", "cn-northwest-1")])
def test_every_partition_and_its_regions_are_accepted(cli, project, partition, region):
    result = cli("convert", project / "export.json", "--partition", partition, "--region", region)
    assert result.exit_code == 0, result.stderr
    assert f"kept literal: partition aws is not the home partition ({partition}); kept literal" in result.stderr


def test_a_partition_that_is_not_the_exports_is_reported_kept(cli, project):
    result = cli("convert", project / "export.json", "--partition", "aws-us-gov", "--region", "us-gov-west-1")
    assert result.exit_code == 0
    assert "kept literal: partition aws is not the home partition (aws-us-gov); kept literal" in result.stderr


@pytest.mark.parametrize("args,message", [
    (["--region", "eu-west-1", "--partition", "aws-cn"], "--region eu-west-1 --partition aws-cn: region eu-west-1 is in partition aws, not aws-cn"),
    (["--region", "us-gov-west-1", "--partition", "aws"], "--region us-gov-west-1 --partition aws: region us-gov-west-1 is in partition aws-us-gov, not aws"),
    (["--region", "eusc-de-east-1", "--partition", "aws-iso-e"], "--region eusc-de-east-1 --partition aws-iso-e: region eusc-de-east-1 is in partition aws-eusc"),
    # one flag against the export's inferred other half (ap-northeast-1, aws)
    (["--partition", "aws-cn"], "--partition aws-cn: the home region ap-northeast-1 (inferred) is in partition aws; give --region too"),
    (["--region", "cn-north-1"], "--region cn-north-1: region cn-north-1 is in partition aws-cn, not the home partition aws (inferred); give --partition too"),
])
def test_a_region_of_another_partition_is_refused(cli, project, tmp_path, args, message):
    """--region eu-west-1 --partition aws-cn left every arn:aws: literal and still said 'proof' (exit 0)."""
    for command in (["convert", project / "export.json", "-o", tmp_path / "out.json"],
                    ["diff", project / "export.json", "-t", project / TEMPLATE]):
        result = cli(*command, *args)
        assert result.exit_code == 2 and result.stderr.startswith(f"export-to-cfn: error: {message}"), result.stderr
        assert len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "out.json").exists()


def test_a_dash_reads_the_export_from_stdin(project):
    import subprocess
    import sys

    plain = subprocess.run([sys.executable, "-m", "exporter", "convert", str(project / "export.json")], capture_output=True, text=True)
    piped = subprocess.run([sys.executable, "-m", "exporter", "convert", "-"], input=(project / "export.json").read_text(),
                           capture_output=True, text=True)
    assert piped.returncode == plain.returncode == 0, piped.stderr
    assert piped.stdout == plain.stdout


@pytest.mark.parametrize("command", ["convert", "diff"])
def test_output_into_a_missing_folder_is_one_line_before_any_report(cli, tmp_path, command):
    case = FIXTURES / "openapi3-yaml-into-yaml-template"
    target = tmp_path / "no" / "such" / "out.txt"
    result = cli(command, case / "export.yaml", "-t", case / "template.yaml", "-o", target)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"export-to-cfn: error: -o {target}: no such folder {target.parent}; create it first (nothing was written)"]
    assert not (tmp_path / "no").exists()
