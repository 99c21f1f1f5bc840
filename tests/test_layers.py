"""The package's layering, read from the source (ast): only exporter.io and the CLI touch the disk,
and each third-party library is imported by the one module that wraps it, so replacing a library
or faking the disk is a one-place change."""

from __future__ import annotations

import ast
import functools
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import import_graph  # noqa: E402

MODULES = import_graph.modules()

# Calls that read or write the file system, whatever object they are called on.
DISK_METHODS = {"read_text", "read_bytes", "write_text", "write_bytes", "exists", "is_file", "is_dir", "iterdir",
                "glob", "rglob", "stat", "lstat", "mkdir", "resolve", "unlink", "touch", "realpath", "samefile"}
DISK_OS = {"stat", "lstat", "open", "fdopen", "replace", "rename", "remove", "unlink", "listdir", "scandir", "walk",
           "mkdir", "makedirs", "access", "chmod", "fsync", "realpath", "getcwd", "cwd"}
DISK_FREE = {"exporter.cli", "exporter.io"}  # packages (or modules) allowed to touch the disk
# Modules outside DISK_FREE that still touch the disk: shrink, never grow. Empty today: the rules
# subpackage reads and caches through exporter.io.rulefiles (issue 12).
DISK_PENDING: set[str] = set()


def _inside(name: str, roots: set[str]) -> bool:
    return any(name == r or name.startswith(r + ".") for r in roots)


@functools.cache
def nodes(path: Path) -> tuple[ast.AST, ...]:
    """Every node of a module's tree, parsed once per session (each check reads every module)."""
    return tuple(ast.walk(ast.parse(path.read_text(encoding="utf-8"))))


def disk_calls(path: Path) -> list[str]:
    found = []
    for node in nodes(path):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Name) and f.id == "open":
            found.append(f"{node.lineno}: open()")
        elif isinstance(f, ast.Attribute):
            owner = ast.unparse(f.value)
            if f.attr in DISK_METHODS or (owner in ("os", "os.path", "Path", "tempfile", "shutil") and f.attr in DISK_OS | {"mkstemp", "copy", "move", "rmtree"}):
                found.append(f"{node.lineno}: {owner}.{f.attr}()")
    return found


@pytest.mark.parametrize("name", sorted(n for n in MODULES if not _inside(n, DISK_FREE | DISK_PENDING)))
def test_no_disk_outside_io(name):
    assert disk_calls(MODULES[name]) == [], f"{name} touches the disk: move it into exporter.io"


def test_the_disk_check_sees_disk_calls():
    """The scan must catch what it claims to: exporter.io.load reads files."""
    assert any("read_bytes" in c or "open()" in c or "stat" in c for c in disk_calls(MODULES["exporter.io.load"]))


def test_pending_modules_still_exist():
    """The allow-list shrinks as modules move: an entry for a module that is gone is stale."""
    assert all(any(_inside(n, {p}) for n in MODULES) for p in DISK_PENDING)
    assert not any(_inside(n, {"exporter.rulecache"}) for n in MODULES)  # such an entry (gone in issue 12) would fail


# Each third-party library through its one wrapper: the terminal (typer, click) only in the CLI,
# YAML (ruamel) only in exporter.io, JSONPath (jsonpath_ng) only in the rules' selectors.
LIBRARY_HOMES = {"typer": {"exporter.cli"}, "click": {"exporter.cli"}, "ruamel": {"exporter.io"},
                 "jsonpath_ng": {"exporter.rules.selectors"}, "regex": {"exporter.rules.patterns"}}
# Modules outside a library's home that still import it: shrink, never grow. Empty today.
LIBRARY_PENDING: dict[str, set[str]] = {"typer": set(), "click": set(), "ruamel": set(), "jsonpath_ng": set(), "regex": set()}


def third_party_imports(path: Path) -> set[str]:
    """Top-level names of every module `path` imports, lazy imports inside functions included."""
    found = set()
    for node in nodes(path):
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("library", sorted(LIBRARY_HOMES))
def test_library_imported_only_in_its_home(library):
    outside = {name for name, path in MODULES.items()
               if library in third_party_imports(path) and not _inside(name, LIBRARY_HOMES[library])}
    assert outside == LIBRARY_PENDING[library], f"{library} imported outside {sorted(LIBRARY_HOMES[library])}"


def test_the_library_check_sees_lazy_imports():
    """exporter.cli.output imports click at the top, exporter.io.yaml imports ruamel inside functions."""
    assert "click" in third_party_imports(MODULES["exporter.cli.output"])
    assert "ruamel" in third_party_imports(MODULES["exporter.io.yaml"])
