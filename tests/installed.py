"""export-to-cfn as users install it: a clean copy of this tree, built with the real build tools,
installed into fresh virtual environments outside the checkout.

Nothing here imports the package under test: every command runs in a subprocess whose environment
has no PYTHONPATH and whose working directory is outside the checkout, so a file the tool looks up
next to its source tree (instead of inside what it installed) fails these tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment a user's shell would give: no PYTHONPATH, no colour, our caches in tmp."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(NO_COLOR="1", PIP_DISABLE_PIP_VERSION_CHECK="1", **extra)
    return env


def run(cmd: list[str], *, cwd: Path, env: dict[str, str] | None = None, check: bool = True,
        timeout: float = 600) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env or clean_env(), capture_output=True, text=True,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd))} exited {proc.returncode}\n--- stdout\n{proc.stdout[-4000:]}"
                             f"\n--- stderr\n{proc.stderr[-4000:]}")
    return proc


def tree_files(root: Path = ROOT) -> list[str]:
    """The files a clean clone of this working tree has: tracked plus new, not ignored."""
    if not (root / ".git").exists():
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()
                      and not {"__pycache__", ".pytest_cache", ".hypothesis", "build", "dist"} & set(p.parts))
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root,
                         capture_output=True, check=True).stdout.decode()
    return sorted(f for f in out.split("\0") if f and (root / f).is_file())  # a deleted, unstaged file is listed


def clean_copy(dest: Path, root: Path = ROOT) -> Path:
    """This tree as a fresh clone would have it, in `dest` (no build/, egg-info or caches)."""
    for rel in tree_files(root):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, target)
    return dest


def git_repo(folder: Path, message: str = "snapshot") -> str:
    """Make `folder` a git repository with one commit of everything in it; its commit id."""
    env = clean_env(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
                    GIT_COMMITTER_EMAIL="t@example.com")
    run(["git", "init", "-q", "-b", "main", "."], cwd=folder, env=env)
    run(["git", "add", "-A"], cwd=folder, env=env)
    run(["git", "-c", "commit.gpgsign=false", "commit", "-q", "-m", message], cwd=folder, env=env)
    return run(["git", "rev-parse", "HEAD"], cwd=folder, env=env).stdout.strip()


def build_dists(src: Path, out: Path) -> tuple[Path, Path]:
    """sdist, then the wheel built from that sdist (pypa's `build`, as a release would): (sdist, wheel)."""
    run([sys.executable, "-m", "build", "--outdir", out, src], cwd=src)
    return next(out.glob("*.tar.gz")), next(out.glob("*.whl"))


def fresh_venv(folder: Path) -> Path:
    """A new virtual environment with pip and nothing else; its bin folder."""
    venv.EnvBuilder(with_pip=True, clear=True).create(folder)
    return folder / ("Scripts" if os.name == "nt" else "bin")
