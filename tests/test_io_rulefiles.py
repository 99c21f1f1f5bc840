"""exporter.io.rulefiles: where the built-in rules are, which files a path names, reading a rule
file, `rules new`'s checks, and the compiled-rule cache's own files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from exporter.errors import UserError
from exporter.io.rulefiles import (BUILTIN_DIR, builtin_rule_file, cache_dir, check_new_rule_file, code_stamp,
                                   is_builtin_source, line_of_key, package_files, read_cache_entry, read_rule,
                                   read_rule_text, rule_files, trusted, write_cache_entry)

ROOT = Path(__file__).resolve().parents[1]


def test_builtin_dir_is_the_rules_folder_with_its_yaml_files():
    names = {p.name for p in BUILTIN_DIR.glob("*.yaml")}
    assert names == {p.name for p in (ROOT / "rules").glob("*.yaml")}
    assert "home-account-id.yaml" in names


def test_is_builtin_source():
    assert is_builtin_source(str(BUILTIN_DIR / "arn.yaml"))
    assert not is_builtin_source("/elsewhere/arn.yaml")


def test_is_builtin_source_a_user_file_in_a_subfolder_is_not(tmp_path):
    assert not is_builtin_source(str(BUILTIN_DIR / "sub" / "arn.yaml"))


def test_builtin_rule_file():
    assert builtin_rule_file("home-region") == BUILTIN_DIR / "home-region.yaml"
    assert builtin_rule_file("no-such-rule") is None


# ----------------------------------------------------------------------------------- rule_files

def test_rule_files_a_folder_gives_yaml_and_yml_in_name_order(tmp_path):
    for n in ("b.yaml", "a.yml", "c.txt", "d.json", "A.yaml"):
        (tmp_path / n).write_text("x: 1\n")
    (tmp_path / "sub.yaml").mkdir()  # a folder named like a rule is not one
    assert [p.name for p in rule_files([tmp_path])] == ["A.yaml", "a.yml", "b.yaml"]


def test_rule_files_a_file_is_taken_as_given_whatever_its_suffix(tmp_path):
    f = tmp_path / "rule.txt"
    f.write_text("x: 1\n")
    assert rule_files([f]) == [f]


def test_rule_files_keep_the_order_of_the_paths(tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "z.yaml").write_text("")
    f = tmp_path / "a.yaml"
    f.write_text("")
    assert rule_files([tmp_path / "one", f]) == [tmp_path / "one" / "z.yaml", f]


def test_rule_files_a_missing_path(tmp_path):
    with pytest.raises(UserError, match="no such rule file or folder") as e:
        rule_files([tmp_path / "nope"])
    assert e.value.file == str(tmp_path / "nope")


def test_rule_files_a_path_through_a_file(tmp_path):
    f = tmp_path / "f.yaml"
    f.write_text("")
    with pytest.raises(UserError, match="cannot read"):
        rule_files([f / "x.yaml"])


# ----------------------------------------------------------------------------------- reading

def test_read_rule_and_its_text(tmp_path):
    f = tmp_path / "r.yaml"
    f.write_text("id: r\n# note\ndescription: text\n")
    assert read_rule(f) == {"id": "r", "description": "text"}
    assert read_rule_text(f) == "id: r\n# note\ndescription: text\n"
    assert read_rule_text(str(f)) == "id: r\n# note\ndescription: text\n"


def test_read_rule_refuses_a_tag(tmp_path):
    f = tmp_path / "r.yaml"
    f.write_text("id: !Ref r\n")
    with pytest.raises(UserError, match="not allowed"):
        read_rule(f)


def test_line_of_key_top_level_only(tmp_path):
    f = tmp_path / "r.yaml"
    f.write_text("id: r\nexamples:\n  description: nested\ndescription: >\n  text\n")
    assert line_of_key(f, "description") == 4
    assert line_of_key(f, "id") == 1
    assert line_of_key(f, "match") is None


def test_line_of_key_needs_the_colon(tmp_path):
    f = tmp_path / "r.yaml"
    f.write_text("identity: x\nid: r\n")
    assert line_of_key(f, "id") == 2


def test_check_new_rule_file(tmp_path):
    check_new_rule_file(tmp_path / "new" / "r.yaml", tmp_path / "new")  # neither exists yet: fine
    (tmp_path / "r.yaml").write_text("")
    with pytest.raises(UserError, match="already exists"):
        check_new_rule_file(tmp_path / "r.yaml", tmp_path)
    (tmp_path / "file").write_text("")
    with pytest.raises(UserError, match="is not a folder"):
        check_new_rule_file(tmp_path / "file" / "r.yaml", tmp_path / "file")


# ----------------------------------------------------------------------------------- the cache's files

def test_cache_dir_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("EXPORT_TO_CFN_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "export-to-cfn"


def test_cache_dir_home(monkeypatch, tmp_path):
    monkeypatch.delenv("EXPORT_TO_CFN_NO_CACHE", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_dir() == tmp_path / ".cache" / "export-to-cfn"


def test_cache_dir_empty_xdg_falls_back_to_home(monkeypatch, tmp_path):
    # XDG Base Directory spec: an empty $XDG_CACHE_HOME is treated as unset
    monkeypatch.delenv("EXPORT_TO_CFN_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_dir() == tmp_path / ".cache" / "export-to-cfn"


def test_cache_dir_turned_off(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("EXPORT_TO_CFN_NO_CACHE", "1")
    assert cache_dir() is None


def test_code_stamp_changes_with_size_and_mtime(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("a = 1\n")
    os.utime(f, ns=(1_000_000_000, 1_000_000_000))
    assert code_stamp([f]) == ["m.py:1000000000:6"]
    f.write_text("a = 12\n")
    os.utime(f, ns=(1_000_000_000, 1_000_000_000))
    assert code_stamp([f]) == ["m.py:1000000000:7"]
    os.utime(f, ns=(2_000_000_000, 2_000_000_000))
    assert code_stamp([f]) == ["m.py:2000000000:7"]


def test_package_files_are_the_py_files_in_name_order(tmp_path):
    for n in ("b.py", "a.py", "c.txt", "__init__.py"):
        (tmp_path / n).write_text("")
    assert [p.name for p in package_files(tmp_path)] == ["__init__.py", "a.py", "b.py"]


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX ownership")
def test_trusted_only_when_nobody_else_can_write(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir(mode=0o700)
    os.chmod(folder, 0o700)
    entry = folder / "e.json"
    entry.write_text("{}")
    os.chmod(entry, 0o600)
    assert trusted(entry)
    os.chmod(entry, 0o620)  # group-writable
    assert not trusted(entry)
    os.chmod(entry, 0o600)
    os.chmod(folder, 0o702)  # world-writable folder: someone could swap the file
    assert not trusted(entry)
    os.chmod(folder, 0o700)
    assert not trusted(folder / "missing.json")


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX ownership")
def test_write_then_read_cache_entry(tmp_path):
    entry = tmp_path / "cache" / "deep" / "e.json"
    write_cache_entry(entry, '{"k": "v"}')
    assert entry.read_text() == '{"k": "v"}'
    assert (entry.parent.stat().st_mode & 0o777) == 0o700
    assert [p.name for p in entry.parent.iterdir()] == ["e.json"]  # no temp file left
    os.chmod(entry, 0o600)
    assert read_cache_entry(entry, 1000) == b'{"k": "v"}'
    os.chmod(entry, 0o666)
    assert read_cache_entry(entry, 1000) is None  # untrusted: not read


def test_write_cache_entry_replaces_atomically(tmp_path):
    entry = tmp_path / "c" / "e.json"
    write_cache_entry(entry, "old")
    write_cache_entry(entry, "new")
    assert entry.read_text() == "new"


def test_write_cache_entry_failure_costs_only_speed(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    write_cache_entry(blocker / "c" / "e.json", "x")  # cannot make the folder: no exception
    assert blocker.read_text() == ""


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX ownership")
def test_read_cache_entry_over_the_limit(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir(mode=0o700)
    entry = folder / "e.json"
    entry.write_text("x" * 100)
    os.chmod(entry, 0o600)
    with pytest.raises(UserError):
        read_cache_entry(entry, 10)


def test_line_of_key_on_line_one_after_a_bom(tmp_path):
    p = tmp_path / "r.yaml"
    p.write_bytes("\ufeffdescription: x\nid: y\n".encode())
    assert line_of_key(p, "description") == 1
    assert line_of_key(p, "id") == 2
