"""exporter.io.paths.display_path: a path beneath the current folder is shown relative to it."""

from __future__ import annotations

import os

import pytest

from exporter.io.paths import display_path


def test_beneath_the_current_folder_is_relative(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert display_path(str(tmp_path / "a" / "b.json")) == os.path.join("a", "b.json")


def test_the_current_folder_itself_is_dot(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert display_path(str(tmp_path)) == "."


def test_outside_the_current_folder_is_as_given(tmp_path, monkeypatch):
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    given = str(tmp_path / "elsewhere" / "x.yaml")
    assert display_path(given) == given


def test_a_relative_path_beneath_stays_relative_and_normalized(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert display_path("./rules/../rules/x.yaml") == os.path.join("rules", "x.yaml")


def test_a_relative_path_above_is_kept_as_given(tmp_path, monkeypatch):
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    assert display_path("../x.yaml") == "../x.yaml"


def test_a_sibling_folder_whose_name_starts_with_dots_is_beneath(tmp_path, monkeypatch):
    # '..hidden' is a folder beneath, not the parent: shown relative
    monkeypatch.chdir(tmp_path)
    got = display_path(str(tmp_path / "..hidden" / "x.yaml"))
    assert got == os.path.join("..hidden", "x.yaml")
