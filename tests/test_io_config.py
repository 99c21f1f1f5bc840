"""exporter.io.config: the project config found by walking up, its keys checked."""

from __future__ import annotations

import pytest

from exporter.errors import UserError
from exporter.io.config import find_config_file, load_project_config


def test_nearest_config_wins_and_the_walk_stops_at_a_repository(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".export-to-cfn.yaml").write_text("env: prod\n")
    inner = tmp_path / "api" / "deep"
    inner.mkdir(parents=True)
    (tmp_path / "api" / ".export-to-cfn.yaml").write_text("env: dev\nbindings: {OrdersTableName: orders-dev}\n")
    cfg = load_project_config(inner)
    assert cfg.env == "dev" and cfg.bindings == {"OrdersTableName": "orders-dev"}
    assert find_config_file(tmp_path / "elsewhere") == tmp_path / ".export-to-cfn.yaml"


def test_pyproject_table(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.export-to-cfn]\nstyle = "join"\n')
    assert load_project_config(tmp_path).style == "join"


def test_unknown_key_names_the_close_one_and_its_line(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".export-to-cfn.yaml").write_text("env: dev\nbindngs: {}\n")
    with pytest.raises(UserError, match="did you mean 'bindings'") as e:
        load_project_config(tmp_path)
    assert e.value.line == 2


def test_a_tag_in_the_config_is_refused_as_the_config_it_is(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".export-to-cfn.yaml").write_text("export: ex.json\nenv: !Ref x\n")
    with pytest.raises(UserError) as e:
        load_project_config(tmp_path)
    assert e.value.message.startswith("YAML tag '!Ref' is not allowed in the project config")
    assert e.value.line == 2
