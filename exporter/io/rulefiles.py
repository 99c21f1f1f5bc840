"""Rule files on disk: where the built-ins are, which files a path names, reading one, and the
compiled-rule cache's own files. exporter.rules parses and validates what is read here.

The built-in rules are the top-level rules/ folder, installed as the data package
exporter.builtin_rules (see pyproject.toml), so wheels, sdists and editable installs all find it
through the import system."""

from __future__ import annotations

import importlib.resources
import functools
import os
import stat
from pathlib import Path
from typing import Any

from exporter.errors import UserError
from exporter.io.load import present, read_bytes, read_text
from exporter.io.yaml_rt import load_yaml_rt


def _builtin_dir() -> Path:
    try:
        root = importlib.resources.files("exporter.builtin_rules")
    except ModuleNotFoundError:
        root = None
    if not isinstance(root, Path):  # missing, or not a folder of real files (a zip import)
        raise ImportError("exporter.builtin_rules is missing: reinstall export-to-cfn")
    return root.resolve()


BUILTIN_DIR = _builtin_dir()


@functools.lru_cache(maxsize=1024)
def is_builtin_source(source: str) -> bool:
    """Whether a rule read from `source` is a built-in (its file sits in BUILTIN_DIR). Asked for every
    rule each time rules are ordered or compiled: the path is resolved once per process."""
    return Path(source).resolve().parent == BUILTIN_DIR


def builtin_rule_file(rule_id: str) -> Path | None:
    """The built-in rule with this id, if there is one (a user rule with its id replaces it)."""
    path = BUILTIN_DIR / f"{rule_id}.yaml"
    return path if path.is_file() else None


def rule_files(paths: list[Path]) -> list[Path]:
    """The rule files that paths name: a file as given, a folder's *.yaml and *.yml files in name order."""
    files: list[Path] = []
    for p in paths:
        try:
            mode = os.stat(p).st_mode
        except FileNotFoundError:
            raise UserError("no such rule file or folder", file=str(p)) from None
        except OSError as e:  # name too long, a path through a file, a symlink loop, permission denied
            raise UserError(f"cannot read: {e.strerror or e}", file=str(p)) from None
        if stat.S_ISDIR(mode):
            try:
                files += sorted(q for q in p.iterdir() if q.suffix in (".yaml", ".yml") and present(q))
            except OSError as e:
                raise UserError(f"cannot list the folder: {e.strerror or e}", file=str(p)) from None
        else:
            files.append(p)  # read_bytes refuses what is not a regular file (a FIFO, a device)
    return files


def read_rule(path: Path) -> Any:
    """A rule file as round-trip YAML data (positions kept for messages; tags refused)."""
    return load_yaml_rt(path)


def read_rule_text(path: str | Path) -> str:
    """A rule file as written (`rules show`)."""
    return read_text(path)


def line_of_key(path: Path, key: str) -> int | None:
    """The line on which a top-level `key:` starts, if any."""
    for n, line in enumerate(read_text(path).splitlines(), 1):  # (the one reader; utf-8-sig: a BOM is no part of line 1)
        if line.startswith(f"{key}:"):
            return n
    return None


def check_new_rule_file(path: Path, folder: Path) -> None:
    """`rules new` never overwrites a file, and its folder is a folder (or does not exist yet)."""
    if path.exists():
        raise UserError("already exists; pick another id or edit that file", file=str(path))
    if folder.exists() and not folder.is_dir():
        raise UserError("is not a folder", file=str(folder))


# ---------------------------------------------------------------------------------------------
# The compiled-rule cache's files (exporter.rules.cache decides what goes in them)


def cache_dir() -> Path | None:
    """Where the cache lives: $XDG_CACHE_HOME or ~/.cache; None when it is turned off or there is no home."""
    if os.environ.get("EXPORT_TO_CFN_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except (RuntimeError, KeyError):  # no home directory (some CI and container users)
            return None
    return Path(base) / "export-to-cfn"


def code_stamp(files: list[Path]) -> list[str]:
    """name:mtime:size of each code file: an unreleased edit must not meet entries the old code wrote."""
    out = []
    for f in files:
        st = f.stat()
        out.append(f"{f.name}:{st.st_mtime_ns}:{st.st_size}")
    return out


def package_files(package_dir: Path) -> list[Path]:
    """The .py files of a package folder, in name order."""
    return sorted(package_dir.glob("*.py"))


def trusted(entry: Path) -> bool:
    """Only a cache file (and folder) that this user owns and nobody else can write is read."""
    if not hasattr(os, "getuid"):
        return True
    try:
        for p in (entry.parent, entry):
            st = os.stat(p)
            if st.st_uid != os.getuid() or st.st_mode & 0o022:
                return False
    except OSError:
        return False
    return True


def read_cache_entry(entry: Path, limit: int) -> bytes | None:
    """The entry's bytes when it is trusted (see `trusted`), else None; UserError when it cannot be read."""
    return read_bytes(entry, limit) if trusted(entry) else None


def write_cache_entry(entry: Path, text: str) -> None:
    """Atomically, in a folder only this user can enter; any failure only costs speed."""
    import tempfile

    try:
        entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".rules-", suffix=".tmp")
    except OSError:
        return  # a read-only home only costs speed
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, entry)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
