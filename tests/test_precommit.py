"""The pre-commit hooks (.pre-commit-hooks.yaml), run by the real pre-commit: it clones a git copy
of this tree and installs it into a hook environment of its own (`language: python`: pip, not
editable), in a throw-away repository holding the bundled Amplify example. Both ways users wire it:
`pre-commit try-repo` (no args: export and template from the project's .export-to-cfn.yaml) and a
.pre-commit-config.yaml with `rev:` and `args:` as the README shows."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from installed import ROOT, clean_copy, clean_env, git_repo, run

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("install")]

CASE = ROOT / "fixtures" / "amplify-stepfunctions"
TEMPLATE = "amplify/backend/api/HelloApi/HelloApi-cloudformation-template.json"
GOLDEN = CASE / "expected" / "HelloApi-cloudformation-template.json"
HOOK_IDS = ["export-to-cfn-check", "export-to-cfn-convert"]


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory) -> tuple[Path, str]:
    """This tree, as a git repository (pre-commit only takes those): (path, commit)."""
    folder = clean_copy(tmp_path_factory.mktemp("hooks") / "export-to-cfn")
    return folder, git_repo(folder)


@pytest.fixture(scope="module")
def pc_env(tmp_path_factory) -> dict[str, str]:
    """One pre-commit store for the module: the hook environment is installed once, as on a laptop."""
    return clean_env(PRE_COMMIT_HOME=str(tmp_path_factory.mktemp("pre-commit-home")), PRE_COMMIT_COLOR="never",
                     GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
                     GIT_COMMITTER_EMAIL="t@example.com")


def user_repo(folder: Path, extra: dict[str, str]) -> Path:
    shutil.copytree(CASE, folder, ignore=shutil.ignore_patterns("expected"))
    for name, text in extra.items():
        (folder / name).write_text(text)
    git_repo(folder, "the API as Amplify wrote it")
    return folder


def pre_commit(*args: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=env, check=False)


def test_manifest_passes_pre_commits_own_schema():
    from pre_commit.clientlib import load_manifest

    hooks = load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))
    assert [h["id"] for h in hooks] == HOOK_IDS
    for hook in hooks:
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        assert hook["entry"].split()[0] == "export-to-cfn"


def test_try_repo_check_fails_convert_fixes_once_then_both_pass(hooks_repo, pc_env, tmp_path):
    config = f"export: export.json\ntemplate: {TEMPLATE}\n"
    repo = user_repo(tmp_path / "app", {".export-to-cfn.yaml": config})
    hooks, _ = hooks_repo

    check = pre_commit("try-repo", str(hooks), "export-to-cfn-check", "--all-files", cwd=repo, env=pc_env)
    assert check.returncode == 1, check.stdout + check.stderr
    assert "would change" in check.stdout and "Failed" in check.stdout

    convert = pre_commit("try-repo", str(hooks), "export-to-cfn-convert", "--all-files", cwd=repo, env=pc_env)
    assert convert.returncode == 1, convert.stdout + convert.stderr
    assert "files were modified by this hook" in convert.stdout
    assert (repo / TEMPLATE).read_bytes() == GOLDEN.read_bytes()
    after = {p: p.read_bytes() for p in repo.rglob("*.json")}

    again = pre_commit("try-repo", str(hooks), "export-to-cfn-convert", "--all-files", cwd=repo, env=pc_env)
    assert again.returncode == 0 and "Passed" in again.stdout, again.stdout + again.stderr
    assert "files were modified" not in again.stdout
    assert {p: p.read_bytes() for p in repo.rglob("*.json")} == after

    check = pre_commit("try-repo", str(hooks), "export-to-cfn-check", "--all-files", cwd=repo, env=pc_env)
    assert check.returncode == 0 and "Passed" in check.stdout, check.stdout + check.stderr


def test_the_readme_config_with_rev_and_args(hooks_repo, pc_env, tmp_path):
    hooks, commit = hooks_repo
    args = f"[export.json, --template, {TEMPLATE}]"
    config = (f"repos:\n  - repo: {hooks}\n    rev: {commit}\n    hooks:\n"
              f"      - id: export-to-cfn-check\n        args: {args}\n"
              f"      - id: export-to-cfn-convert\n        args: {args}\n")
    repo = user_repo(tmp_path / "app", {".pre-commit-config.yaml": config})

    first = pre_commit("run", "--all-files", cwd=repo, env=pc_env)
    assert first.returncode == 1
    assert re.search(r"template matches the API Gateway export\)\.+Failed", first.stdout), first.stdout
    assert "files were modified by this hook" in first.stdout
    assert (repo / TEMPLATE).read_bytes() == GOLDEN.read_bytes()
    second = pre_commit("run", "--all-files", cwd=repo, env=pc_env)
    assert second.returncode == 0 and second.stdout.count("Passed") == 2, second.stdout + second.stderr


def readme_rev() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### pre-commit"):]
    return re.search(r"rev: (\S+)", section).group(1)


CLI7 = ROOT / "fixtures" / "amplify-cli7-china"
CLI7_TEMPLATE = "amplify/backend/api/notesApi/build/notesApi-cloudformation-template.json"


@pytest.mark.parametrize("case,template", [(CASE, TEMPLATE), (CLI7, CLI7_TEMPLATE)], ids=["classic", "cli7"])
def test_readme_rev_names_a_commit_whose_hooks_work(pc_env, tmp_path, case, template):
    """The README's `rev:` must be a commit of this repository whose hooks work: pre-commit installs
    the hooks from that commit (`try-repo --ref`) and runs them on the bundled examples of both Amplify
    layouts: the check fails, convert fixes it once, then the check passes (the pin of 0.1.0 shipped a
    check that never passed on an Amplify CLI >= 7 project)."""
    rev = readme_rev()
    if subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=ROOT, capture_output=True,
                      text=True).stdout.strip() != "false":
        pytest.skip("a shallow clone (or no git) holds no history to find the README's rev in")
    assert re.fullmatch(r"[0-9a-f]{40}", rev), f"README rev {rev}: pin a full commit id (no release is tagged)"
    shipped = subprocess.run(["git", "show", f"{rev}:pyproject.toml"], cwd=ROOT, capture_output=True, text=True)
    assert shipped.returncode == 0, f"README rev {rev}: {shipped.stderr.strip()}"
    assert '"exporter.builtin_rules" = "rules"' in shipped.stdout, "at that rev the wheel did not carry the rules"
    repo = tmp_path / "app"
    shutil.copytree(case, repo, ignore=shutil.ignore_patterns("expected"))
    (repo / ".export-to-cfn.yaml").write_text(f"export: export.json\ntemplate: {template}\n")
    git_repo(repo, "the API as Amplify wrote it")

    def hook(name: str) -> subprocess.CompletedProcess:
        return pre_commit("try-repo", str(ROOT), name, "--ref", rev, "--all-files", cwd=repo, env=pc_env)

    check = hook("export-to-cfn-check")
    assert check.returncode == 1 and "would change" in check.stdout, check.stdout + check.stderr
    convert = hook("export-to-cfn-convert")
    assert convert.returncode == 1 and "files were modified by this hook" in convert.stdout, convert.stdout + convert.stderr
    goldens = {golden.relative_to(case / "expected" / "tree"): golden for golden in (case / "expected" / "tree").rglob("*")}
    if "/build/" not in template:  # (Amplify CLI >= 7: build/ stays as it is; the change goes to override.ts)
        goldens[Path(template)] = case / "expected" / Path(template).name
    for rel, golden in goldens.items():  # what that commit's own goldens say it writes
        if golden.is_file():
            at_rev = subprocess.run(["git", "show", f"{rev}:{golden.relative_to(ROOT)}"], cwd=ROOT, capture_output=True)
            assert (repo / rel).read_bytes() == at_rev.stdout, rel
    again = hook("export-to-cfn-convert")
    assert again.returncode == 0 and "files were modified" not in again.stdout, again.stdout + again.stderr
    check = hook("export-to-cfn-check")
    assert check.returncode == 0 and "Passed" in check.stdout, check.stdout + check.stderr
