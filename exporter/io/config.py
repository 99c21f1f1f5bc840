"""Project config: rule folders, env and bindings a team shares, found by walking up from a file.

Two homes, the first found wins, nearest folder first (a folder with both uses the YAML file):
  .export-to-cfn.yaml          rules: [rules/], env: dev, bindings: {OrdersTableName: orders-dev},
                               export: api/export.json, template: amplify/backend/api/Api/Api-cloudformation-template.json
  pyproject.toml               [tool.export-to-cfn] with the same keys
Paths are relative to the file that names them. The walk stops at the project root (.git, or an
Amplify project's folder); a file another user owns or can write is ignored, with a warning.
Flags win over the config: --env replaces env, --bind NAME=... replaces that binding, and --rules
folders load after the config's (so their rules override by id).
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exporter.aws import PARAMETER_NAME
from exporter.errors import UserError
from exporter.io.load import present

CONFIG_NAMES = (".export-to-cfn.yaml", ".export-to-cfn.yml")
KEYS = {"rules": "rule files or folders (a list)", "env": "the environment name", "bindings": "NAME: literal value",
        "style": "sub or join: how convert writes intrinsics",
        "export": "the stage export convert and diff read when no EXPORT is given (pre-commit hooks need no args)",
        "template": "the template they merge into, with the config's export"}


PARAM_NAME = re.compile(PARAMETER_NAME)


def check_param_name(name: str, where: str) -> None:
    """A parameter name as CloudFormation takes it: 1-255 letters and digits. `my-param` fails
    validation, and `A.B` would read as a GetAtt in a Sub."""
    if not PARAM_NAME.fullmatch(name):
        shown = name if len(name) <= 60 else name[:57] + "..."
        raise UserError(f"{where}: {shown!r} is not a CloudFormation parameter name (letters and digits only, at most 255)")


@dataclass
class ProjectConfig:
    path: Path | None = None  # None: no config found
    rules: list[Path] = field(default_factory=list)
    env: str | None = None
    bindings: dict[str, str] = field(default_factory=dict)
    style: str | None = None
    export: Path | None = None
    template: Path | None = None


IGNORED: list[str] = []  # config files passed over in this process (planted ones), for the CLI to report


def find_config_file(start: Path) -> Path | None:
    """The nearest config at or above `start`, never above the project root: the first folder with
    `.git` or an Amplify project (`amplify/backend/backend-config.json`) ends the walk. A config file
    someone else could have planted (owned by another user, or writable by group or others) is passed
    over and named in IGNORED, so a folder you share cannot change your output."""
    folder = Path(os.path.realpath(start))
    if not folder.is_dir():
        folder = folder.parent
    for d in (folder, *folder.parents):
        for name in CONFIG_NAMES:
            if present(d / name) and _trusted(d / name):
                return d / name
        pyproject = d / "pyproject.toml"
        if present(pyproject) and _trusted(pyproject) and _has_tool_table(pyproject):
            return pyproject
        if (d / ".git").exists() or present(d / "amplify" / "backend" / "backend-config.json"):
            return None
    return None


def _trusted(path: Path) -> bool:
    if not hasattr(os, "getuid"):
        return True
    st = os.stat(path)
    if st.st_uid in (os.getuid(), 0) and not st.st_mode & 0o022:
        return True
    why = "owned by another user" if st.st_uid not in (os.getuid(), 0) else "writable by other users"
    IGNORED.append(f"{path} ({why})")
    return False


def _has_tool_table(path: Path) -> bool:
    tool = _read_toml(path).get("tool")
    if tool is not None and not isinstance(tool, dict):
        from exporter.io.load import kind_of

        raise UserError(f"'tool' is a {kind_of(tool)}, expected a table ([tool.export-to-cfn] ...)", file=str(path))
    return "export-to-cfn" in (tool or {})


def _read_toml(path: Path) -> dict:
    from exporter.io.load import read_text

    try:
        return tomllib.loads(read_text(path))
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"invalid TOML: {e}", file=str(path)) from None


def load_project_config(start: Path | None) -> ProjectConfig:
    """The config that governs `start` (a file or folder; default, or a path that does not exist such as
    cfn-lint's stdin: the current folder), or an empty one."""
    path = find_config_file(start if start is not None and start.exists() else Path.cwd())
    if path is None:
        return ProjectConfig()
    if path.name == "pyproject.toml":
        return parse_config(_read_toml(path)["tool"]["export-to-cfn"], path, "[tool.export-to-cfn] ")
    from exporter.io.yaml_rt import load_yaml_rt

    data = load_yaml_rt(path, "the project config")
    return parse_config(data if data is not None else {}, path, "")


def parse_config(data: Any, path: Path, prefix: str) -> ProjectConfig:
    from exporter.io.yaml_rt import line_of

    def err(msg: str, key: str | None = None) -> UserError:
        return UserError(prefix + msg, file=str(path), line=line_of(data, key))

    if not isinstance(data, dict):
        raise UserError(f"{prefix}expected a mapping with {', '.join(KEYS)}", file=str(path))
    for key in data:
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise err(f"'{key}': unknown key{hint} (known: {', '.join(f'{k} ({v})' for k, v in KEYS.items())})", str(key))
    rules = data.get("rules") or []
    if isinstance(rules, str):
        rules = [rules]
    if not isinstance(rules, list) or not all(isinstance(r, str) and r for r in rules):
        raise err("'rules': a list of rule files or folders", "rules")
    folder = path.parent
    rule_paths = [(folder / r).resolve() for r in rules]
    for r, p in zip(rules, rule_paths):
        if not p.exists():
            raise err(f"'rules': {r} does not exist (looked for {p})", "rules")
    env = data.get("env")
    if env is not None and (not isinstance(env, str) or not env):
        raise err("'env': a name such as dev", "env")
    bindings = data.get("bindings") or {}
    if not isinstance(bindings, dict) or not all(isinstance(v, str) and v for v in bindings.values()):
        raise err("'bindings': a mapping of parameter name to the literal it replaces", "bindings")
    for name in bindings:
        if not isinstance(name, str) or not PARAM_NAME.fullmatch(name):
            raise err(f"'bindings': {str(name)[:60]!r} is not a CloudFormation parameter name (letters and digits only, at most 255)", "bindings")
    style = data.get("style")
    if style is not None and style not in ("sub", "join"):
        raise err("'style': sub or join", "style")
    files = {}
    for key in ("export", "template"):
        value = data.get(key)
        if value is not None and (not isinstance(value, str) or not value):
            raise err(f"'{key}': a file path, relative to this file", key)
        files[key] = (folder / value) if value else None
    if files["template"] is not None and files["export"] is None:
        raise err("'template' goes with 'export' (the export to merge into it)", "template")
    return ProjectConfig(path, rule_paths, env, {str(k): str(v) for k, v in bindings.items()}, style, **files)
