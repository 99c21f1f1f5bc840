"""exporter.rules.cache: the compiled-rule cache gives the same rules as parsing, and is never stale."""

from __future__ import annotations

import shutil

import pytest

from exporter.io import rulefiles
from exporter.rules import BUILTIN_DIR, load_rule_file, load_rules, rule_files
from exporter.rules import cache as rulecache


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
    assert len(list(cache_home.glob("rule-*.json"))) == len(first), "not one cache entry per rule file"
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
    entry = _entry(cache_home)
    entry.write_text("{not json")
    rulecache._MEMO.clear()
    assert load_rules() == parsed_directly(BUILTIN_DIR)
    assert entry.read_text().startswith("[")


def test_cache_can_be_turned_off(cache_home, monkeypatch):
    monkeypatch.setenv("EXPORT_TO_CFN_NO_CACHE", "1")
    assert load_rules() == parsed_directly(BUILTIN_DIR)
    assert not cache_home.exists()


def _entry(cache_home, with_when: bool = False):
    """The cache entry of the first built-in rule file (with_when: of the built-in that has a `when`)."""
    import json

    load_rules()
    rulecache._MEMO.clear()
    entries = sorted(cache_home.glob("rule-*.json"), key=lambda e: json.loads(e.read_text())[0]["source"])
    return next(e for e in entries if not with_when or json.loads(e.read_text())[0]["when"])


def test_a_valid_entry_is_used_without_parsing(cache_home, monkeypatch):
    _entry(cache_home)
    import exporter.rules.loader

    def no_parse(path):
        raise AssertionError(f"parsed {path}: the cache entry was not used")

    monkeypatch.setattr(exporter.rules.loader, "load_rule_file", no_parse)
    assert load_rules() == parsed_directly(BUILTIN_DIR)


def _forge(entry, change):
    import json

    data = json.loads(entry.read_text())
    data = change(data)
    entry.write_text(json.dumps(data))
    entry.chmod(0o644)


def _catastrophic(data):
    data[0]["match_src"] = "(?P<account>(a+)+)$"
    return data


def _forged_source(data):
    data[0]["source"] = "/etc/shadow"
    return data


def _wrong_type(data):
    data[0]["priority"] = "high"
    return data


def _with_when(data):
    """The entry's rule, which has a `when` (execute-api-own-arn's entry: _entry(..., with_when=True))."""
    assert data[0]["when"], "forge the entry of a rule that has a when"
    return data[0]


def _becomes_unknown_name(data):
    data[0]["becomes"] = "${Evil}"  # not a group: IndexError in the rewriter (convert, rules test)
    return data


def _when_unknown_group(data):
    _with_when(data)["when"] = {"nosuch": "account"}  # KeyError
    return data


def _when_unknown_fact(data):
    rule = _with_when(data)
    rule["when"] = {k: "bogus" for k in rule["when"]}  # KeyError
    return data


def _allow_with_becomes(data):
    data[0]["allow"], data[0]["becomes"] = True, "x"  # accepted, and the output silently changed
    return data


def _example_context_number(data):
    data[0]["examples"][0]["context"] = {"account": 5}
    return data


@pytest.mark.parametrize("change", [lambda d: [], _forged_source, _catastrophic, _wrong_type, lambda d: d[:-1],
                                    _becomes_unknown_name, _when_unknown_group, _when_unknown_fact, _allow_with_becomes,
                                    _example_context_number],
                         ids=["empty-list", "forged-source", "catastrophic-pattern", "wrong-type", "one-rule-missing",
                              "becomes-unknown-name", "when-unknown-group", "when-unknown-fact", "allow-with-becomes",
                              "example-context-number"])
def test_a_forged_entry_is_dropped_and_the_files_parsed(cache_home, change):
    """Issue 16: `[]` disabled every rule; a forged source made `rules show` print any file; a forged
    pattern under a built-in ran on `re` without a time limit."""
    entry = _entry(cache_home, with_when=change in (_when_unknown_group, _when_unknown_fact))
    _forge(entry, change)
    rules = load_rules()
    assert rules == parsed_directly(BUILTIN_DIR)
    assert all(r.source != "/etc/shadow" and "(a+)+" not in r.match_src for r in rules)


def test_an_entry_others_can_write_is_not_read(cache_home):
    entry = _entry(cache_home)
    _forge(entry, lambda d: [])
    entry.chmod(0o666)  # anyone could have written it
    assert rulefiles.trusted(entry) is False
    assert load_rules() == parsed_directly(BUILTIN_DIR)


@pytest.mark.parametrize("change", [_becomes_unknown_name, _when_unknown_fact, _allow_with_becomes])
def test_a_forged_entry_changes_nothing_convert_or_rules_test_do(cache_home, change, cli, tmp_path):
    """Issue 11: the entry's validation was looser than the loader's: these gave exit 123 in convert and
    `rules test`, or (allow with becomes) a different output with exit 0. Same output as with no cache."""
    from bad_inputs import EXPORT

    plain = tmp_path / "plain.json"
    assert cli("convert", EXPORT, "-o", plain).exit_code == 0
    entry = _entry(cache_home, with_when=change in (_when_unknown_group, _when_unknown_fact))
    _forge(entry, change)
    forged = tmp_path / "forged.json"
    result = cli("convert", EXPORT, "-o", forged)
    assert result.exit_code == 0, result.stderr
    assert forged.read_text() == plain.read_text()
    rulecache._MEMO.clear()
    _forge(entry, change)  # (the run above wrote a good entry over it)
    result = cli("rules", "test")
    assert result.exit_code == 0, result.stdout + result.stderr


def test_the_cache_validates_with_the_loaders_check():
    """One validator: an entry is dropped for exactly what rules check refuses in a file."""
    from exporter.rules import check as loader

    rule = load_rule_file(next(f for f in rule_files([BUILTIN_DIR]) if f.stem == "execute-api-own-arn"))
    assert loader.rule_problem(rule) is None
    rule.becomes = "${AWS::NoSuch}"
    assert loader.rule_problem(rule)[0] == "becomes"


def test_a_users_rule_file_leaves_the_built_ins_entries_in_use(cache_home, tmp_path, monkeypatch):
    """One entry per rule file: adding a --rules file parses that file only (a whole-set entry made every
    run with a new user rule parse the fifteen built-ins again)."""
    import exporter.rules.loader

    load_rules()
    rulecache._MEMO.clear()
    mine = tmp_path / "mine"
    mine.mkdir()
    shutil.copy(BUILTIN_DIR / "home-region.yaml", mine / "my-region.yaml")
    (mine / "my-region.yaml").write_text((mine / "my-region.yaml").read_text().replace("id: home-region", "id: my-region"))
    parsed = []
    real = exporter.rules.loader.load_rule_file
    monkeypatch.setattr(exporter.rules.loader, "load_rule_file", lambda path: parsed.append(path.name) or real(path))
    assert "my-region" in {r.id for r in load_rules([mine])}
    assert parsed == ["my-region.yaml"]
