"""The package as users get it: an sdist and a wheel built from a clean copy of this tree, the wheel
installed into a fresh venv, every command run from a folder outside the checkout. Its output must
be byte-identical to the editable install's (the one the rest of the suite drives)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from installed import ROOT, build_dists, clean_copy, clean_env, fresh_venv, run, tree_files

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("install")]

CASE = ROOT / "fixtures" / "amplify-stepfunctions"
TEMPLATE = "amplify/backend/api/HelloApi/HelloApi-cloudformation-template.json"


@pytest.fixture(scope="module")
def dists(tmp_path_factory) -> tuple[Path, Path]:
    src = clean_copy(tmp_path_factory.mktemp("clone") / "export-to-cfn")
    return build_dists(src, tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def wheel_bin(dists, tmp_path_factory) -> Path:
    bin_dir = fresh_venv(tmp_path_factory.mktemp("wheel-venv") / "venv")
    run([bin_dir / "python", "-m", "pip", "install", "--quiet", dists[1]], cwd=tmp_path_factory.mktemp("pip"))
    return bin_dir


@pytest.fixture
def outside(tmp_path) -> Path:
    """A copy of the bundled Amplify example in a folder that has nothing to do with the checkout."""
    work = tmp_path / "project"
    shutil.copytree(CASE, work, ignore=shutil.ignore_patterns("expected"))
    assert ROOT not in work.resolve().parents
    return work


def installed(bin_dir: Path, *args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    return run([bin_dir / "export-to-cfn", *args], cwd=cwd, check=check)


def editable(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The same command through the environment running this suite (the editable install)."""
    return run([sys.executable, "-m", "exporter", *args], cwd=cwd, check=False)


def test_the_distributions_carry_every_module_and_every_built_in_rule(dists):
    sdist, wheel = dists
    modules = {f for f in tree_files() if f.startswith("exporter/") and f.endswith(".py")}
    rules = {f for f in tree_files() if f.startswith("rules/") and f.endswith(".yaml")}
    assert modules and len(rules) >= 10
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    assert modules <= in_wheel, sorted(modules - in_wheel)
    assert {f"exporter/builtin_rules/{Path(r).name}" for r in rules} <= in_wheel
    with tarfile.open(sdist) as tar:
        in_sdist = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert (modules | rules) <= in_sdist, sorted((modules | rules) - in_sdist)


def test_version_is_the_package_version(wheel_bin, tmp_path):
    from exporter import __version__

    assert installed(wheel_bin, "--version", cwd=tmp_path).stdout == f"export-to-cfn {__version__}\n"
    assert run([wheel_bin / "python", "-m", "exporter", "--version"], cwd=tmp_path).stdout == f"export-to-cfn {__version__}\n"


def test_rules_come_from_inside_the_installed_package(wheel_bin, tmp_path):
    rows = json.loads(installed(wheel_bin, "rules", "list", "--format", "json", cwd=tmp_path).stdout)
    assert sorted(r["id"] for r in rows) == sorted(p.stem for p in (ROOT / "rules").glob("*.yaml"))
    for row in rows:
        source = Path(row["source"])
        assert "site-packages" in source.parts and source.parent.name == "builtin_rules", row
        assert source.read_bytes() == (ROOT / "rules" / source.name).read_bytes()
    tested = installed(wheel_bin, "rules", "test", cwd=tmp_path)
    assert tested.stdout.rstrip().endswith(" passed, 0 failed"), tested.stdout


def test_merge_and_standalone_match_the_editable_install_byte_for_byte(wheel_bin, outside):
    for args in (["convert", "export.json", "--template", TEMPLATE], ["convert", "export.json"],
                 ["convert", "export.json", "--template", TEMPLATE, "--style", "join", "--format", "yaml"],
                 ["diff", "export.json", "--template", TEMPLATE, "--format", "json"]):
        ours, theirs = installed(wheel_bin, *args, cwd=outside, check=False), editable(*args, cwd=outside)
        assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr), args
        assert ours.returncode == 0 and ours.stdout.strip()


def test_in_place_gives_the_golden_files_then_check_and_audit_pass(wheel_bin, outside):
    assert installed(wheel_bin, "diff", "export.json", "--template", TEMPLATE, "--check", cwd=outside, check=False).returncode == 1
    assert installed(wheel_bin, "audit", "export.json", cwd=outside, check=False).returncode == 1
    installed(wheel_bin, "convert", "export.json", "--template", TEMPLATE, "--in-place", cwd=outside)
    assert (outside / TEMPLATE).read_bytes() == (CASE / "expected" / Path(TEMPLATE).name).read_bytes()
    for golden in (CASE / "expected" / "tree").rglob("*"):
        if golden.is_file():
            assert (outside / golden.relative_to(CASE / "expected" / "tree")).read_bytes() == golden.read_bytes(), golden
    assert installed(wheel_bin, "diff", "export.json", "--template", TEMPLATE, "--check", cwd=outside).returncode == 0
    # convert rewrites Amplify's own arn:aws: too (its Lambda permission's SourceArn): audit-clean as it is
    assert installed(wheel_bin, "audit", TEMPLATE, cwd=outside).stdout == ""


def test_usage_errors_are_one_line_from_the_installed_script(wheel_bin, tmp_path):
    for args in (["convert", "a.json", "b.json"], ["diff"], ["audit", "--format", "xml", "x.json"], ["nope"]):
        proc = installed(wheel_bin, *args, cwd=tmp_path, check=False)
        assert proc.returncode == 2 and proc.stdout == "", args
        assert len(proc.stderr.splitlines()) == 1 and proc.stderr.startswith("export-to-cfn: error: "), (args, proc.stderr)


def test_the_environment_has_no_path_back_to_the_checkout(wheel_bin, tmp_path):
    where = run([wheel_bin / "python", "-c", "import exporter, exporter.rules as r; print(exporter.__file__); print(r.BUILTIN_DIR)"],
                cwd=tmp_path, env=clean_env()).stdout.split()
    assert all(ROOT not in Path(p).resolve().parents for p in where), where


def test_the_cfn_lint_pack_from_the_wheel_in_cfn_lints_own_environment(dists, outside, tmp_path):
    """cfn-lint installed on its own (pipx, pre-commit's hook environment) cannot import the pack; with the
    wheel added to that environment (`pipx inject cfn-lint export-to-cfn`, `additional_dependencies`) the
    README's command reports a raw export's literals and nothing in the converted template."""
    from importlib.metadata import version

    bin_dir = fresh_venv(tmp_path / "cfn-lint-venv")
    run([bin_dir / "python", "-m", "pip", "install", "--quiet", f"cfn-lint=={version('cfn-lint')}"], cwd=tmp_path)
    export = json.loads((outside / "export.json").read_text())
    raw = outside / "raw.json"
    raw.write_text(json.dumps({"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": export}}}}, indent=2))

    def lint(template: Path) -> subprocess.CompletedProcess:
        return run([bin_dir / "cfn-lint", template, "--append-rules", "exporter.cfnlint_rules", "--format", "json"],
                   cwd=outside, check=False)

    alone = lint(raw)
    assert alone.returncode != 0 and "No module named 'exporter'" in alone.stderr, alone.stderr[-500:]
    run([bin_dir / "python", "-m", "pip", "install", "--quiet", dists[1]], cwd=tmp_path)  # what pipx inject does
    found = [m for m in json.loads(lint(raw).stdout) if m["Rule"]["Id"].startswith("W91")]
    account = export["paths"]["/hello"]["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]["credentials"].split(":")[4]
    assert {"W9101", "W9102", "W9103"} <= {m["Rule"]["Id"] for m in found}
    assert f"Hardcoded AWS account id: {account}" in {m["Message"] for m in found}
    run([bin_dir / "export-to-cfn", "convert", "export.json", "--template", TEMPLATE, "--in-place"], cwd=outside)
    converted = lint(outside / TEMPLATE)
    assert converted.returncode in (0, 4, 8, 12), converted.stderr  # cfn-lint's bitmask; 2 would be an error
    assert [m for m in json.loads(converted.stdout) if m["Rule"]["Id"].startswith("W91")] == []
