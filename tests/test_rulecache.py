"""The compiled-rule cache: the same rules as parsing, and never stale."""

from __future__ import annotations

import shutil

import pytest

from exporter import rulecache
from exporter.rules import BUILTIN_DIR, load_rule_file, load_rules, rule_files


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("EXPORT_TO_CFN_NO_CACHE", raising=False)
    monkeypatch.setattr(rulecache, "_MEMO", {})
    return tmp_path / "cache" / "export-to-cfn"


def parsed_directly(folder):
    return sorted((load_rule_file(f) for f in rule_files([folder])), key=lambda r: (-r.priority, r.id))


def test_cached_rules_equal_parsed_rules(cache_home):
    first = load_rules()
    assert list(cache_home.glob("rules-*.json")), "no cache entry written"
    rulecache._MEMO.clear()
    from_disk = load_rules()
    assert from_disk == first == parsed_directly(BUILTIN_DIR)


def test_an_edited_rule_file_is_parsed_again(cache_home, tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(BUILTIN_DIR, folder)
    before = {r.id: r for r in load_rules([folder], builtin=False)}
    path = folder / "home-region.yaml"
    path.write_text(path.read_text().replace("priority: 10", "priority: 11"))
    rulecache._MEMO.clear()
    after = {r.id: r for r in load_rules([folder], builtin=False)}
    assert before["home-region"].priority == 10 and after["home-region"].priority == 11


def test_a_corrupt_entry_is_ignored_and_rewritten(cache_home):
    load_rules()
    (entry,) = cache_home.glob("rules-*.json")
    entry.write_text("{not json")
    rulecache._MEMO.clear()
    assert load_rules() == parsed_directly(BUILTIN_DIR)
    assert entry.read_text().startswith("[")


def test_cache_can_be_turned_off(cache_home, monkeypatch):
    monkeypatch.setenv("EXPORT_TO_CFN_NO_CACHE", "1")
    assert load_rules() == parsed_directly(BUILTIN_DIR)
    assert not cache_home.exists()
