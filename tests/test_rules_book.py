"""exporter.rules.book: the active rules as rows, finding and showing a rule, checking rule files,
and scaffolding a new one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from exporter.errors import UserError
from exporter.io.rulefiles import BUILTIN_DIR
from exporter.rules import load_rules
from exporter.rules.book import check_files, find_rule, rule_rows, scaffold, show_rule

RULE = """\
id: {id}
description: "{description}"
where:
  - "$..x-amazon-apigateway-integration.uri"
priority: {priority}
match: 'https://sqs\\.(?P<region>{{{{region}}}})\\.amazonaws\\.com/(?P<account>{{{{account}}}})/'
examples:
  rewrites:
    - input: "https://sqs.us-east-1.amazonaws.com/123456789012/q"
      output: {{"Fn::Sub": "https://sqs.${{AWS::Region}}.amazonaws.com/${{AWS::AccountId}}/q"}}
  unchanged:
    - "https://example.com/q"
"""


def write_rule(folder: Path, rid: str, description: str = "The home account's SQS queue URLs.", priority: int = 70) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / f"{rid}.yaml"
    p.write_text(RULE.format(id=rid, description=description, priority=priority))
    return p


BUILTIN_IDS = {p.stem for p in BUILTIN_DIR.glob("*.yaml")}


# ----------------------------------------------------------------------------------- rule_rows

def test_rule_rows_builtins_only():
    rows = rule_rows(load_rules())
    assert {r.id for r in rows} == BUILTIN_IDS
    assert all(r.origin == "built-in" and not r.overrides for r in rows)
    allow = {r.id for r in rows if r.allow}
    assert "aws-managed-policy" in allow  # an allow-list rule: AWS-managed policy ARNs are the same everywhere


def test_rule_rows_user_rule_new_and_overriding(tmp_path, monkeypatch):
    write_rule(tmp_path / "r", "my-queue")
    write_rule(tmp_path / "r", "sqs-queue-url")  # a built-in's id
    monkeypatch.chdir(tmp_path)
    rows = {r.id: r for r in rule_rows(load_rules([tmp_path / "r"]))}
    assert (rows["my-queue"].origin, rows["my-queue"].overrides) == ("user", False)
    assert (rows["sqs-queue-url"].origin, rows["sqs-queue-url"].overrides) == ("user", True)
    assert rows["my-queue"].source == os.path.join("r", "my-queue.yaml")  # relative to the current folder
    assert rows["my-queue"].priority == 70
    assert len(rows) == len(BUILTIN_IDS) + 1


# ----------------------------------------------------------------------------------- find_rule

def test_find_rule_by_id():
    active = load_rules()
    assert find_rule(active, "home-region").id == "home-region"


def test_find_rule_binding_is_not_a_rule():
    with pytest.raises(UserError, match="'binding' is not a rule"):
        find_rule(load_rules(), "binding")


def test_find_rule_suggests_close_ids():
    with pytest.raises(UserError, match="did you mean home-region"):
        find_rule(load_rules(), "home-regoin")


def test_find_rule_no_close_id_points_to_rules_list():
    with pytest.raises(UserError, match="no active rule with id 'zzzzzz'; `export-to-cfn rules list` shows them"):
        find_rule(load_rules(), "zzzzzz")


# ----------------------------------------------------------------------------------- show_rule

def test_show_rule_header_and_text(tmp_path, monkeypatch):
    path = write_rule(tmp_path / "r", "sqs-queue-url", priority=1000)  # highest: runs first
    monkeypatch.chdir(tmp_path)
    active = load_rules([tmp_path / "r"])
    out = show_rule(find_rule(active, "sqs-queue-url"), active)
    header, rest = out.split("\n", 1)
    assert header == (f"# {os.path.join('r', 'sqs-queue-url.yaml')} (user, overrides the built-in); "
                      f"runs 1 of {len(active)}, priority 1000")
    assert rest == path.read_text()


def test_show_rule_builtin_position_and_a_missing_final_newline(tmp_path):
    path = write_rule(tmp_path / "r", "my-queue", priority=-5)  # lowest: runs last
    path.write_text(path.read_text().rstrip("\n"))
    active = load_rules([tmp_path / "r"])
    out = show_rule(find_rule(active, "my-queue"), active)
    assert f"runs {len(active)} of {len(active)}, priority -5" in out.split("\n", 1)[0]
    assert out.endswith("\n") and not out.endswith("\n\n")
    builtin = show_rule(find_rule(active, "home-region"), active)
    assert "(built-in)" in builtin.split("\n", 1)[0]
    assert builtin.split("\n", 1)[1] == (BUILTIN_DIR / "home-region.yaml").read_text()


# ----------------------------------------------------------------------------------- check_files

def test_check_files_valid(tmp_path):
    p = write_rule(tmp_path, "my-queue")
    [result] = check_files([tmp_path])
    assert (result.path, result.rule_id, result.error) == (p, "my-queue", None)


def test_check_files_reports_every_problem(tmp_path):
    good = write_rule(tmp_path / "a", "good-one")
    todo = write_rule(tmp_path / "a", "still-todo", description="TODO: say what it does")
    broken = tmp_path / "a" / "broken.yaml"
    broken.write_text("id: broken\n")
    dup = write_rule(tmp_path / "b", "good-one")
    results = {(r.path, r.rule_id): r.error for r in check_files([tmp_path / "a", tmp_path / "b"])}
    assert results[(good, "good-one")] is None
    err = results[(todo, "still-todo")]
    assert "placeholder" in err.message and err.line == 2  # the description: line
    assert results[(broken, None)] is not None
    dup_err = results[(dup, "good-one")]
    assert f"also the id of {good}" in dup_err.message
    assert len(results) == 4


@pytest.mark.parametrize("word", ["FIXME", "TBD", "XXX"])
def test_check_files_other_placeholders(tmp_path, word):
    write_rule(tmp_path, "my-queue", description=f"Rewrites SQS URLs, {word} the details")
    assert "placeholder" in check_files([tmp_path])[0].error.message


def test_check_files_a_word_containing_todo_is_fine(tmp_path):
    write_rule(tmp_path, "my-queue", description="Rewrites the TODOS table's SQS queue URLs.")
    assert check_files([tmp_path])[0].error is None


def test_check_files_nothing_to_check(tmp_path):
    with pytest.raises(UserError, match="no rule files"):
        check_files([tmp_path])


# ----------------------------------------------------------------------------------- scaffold

def test_scaffold_path_and_a_rule_that_loads(tmp_path):
    path, text = scaffold("kinesis-video-arn", tmp_path / "rules")
    assert path == tmp_path / "rules" / "kinesis-video-arn.yaml"
    assert not path.exists()  # scaffold only says what to write
    assert text.startswith("# An export-to-cfn rule.")
    assert "id: kinesis-video-arn\n" in text
    path.parent.mkdir()
    path.write_text(text)
    # `rules check` wants the TODO description replaced; then the file is valid
    assert "placeholder" in check_files([path])[0].error.message
    path.write_text(text.replace("TODO: which literal", "Kinesis Video stream ARNs: which literal"))
    assert check_files([path])[0].error is None


def test_scaffold_examples_pass(tmp_path):
    # `rules test` passes on the scaffold as written: each of its examples does what it says
    from exporter.rules.examples import run_rule_examples

    path, text = scaffold("kinesis-video-arn", tmp_path)
    path.write_text(text)
    active = load_rules([path])
    mine = [r for r in active if r.id == "kinesis-video-arn"]
    results = run_rule_examples(mine, active)
    assert len(results) == 2 and all(r.ok for r in results), results


@pytest.mark.parametrize("rid", ["Kinesis", "a_b", "-x", ""])
def test_scaffold_refuses_a_bad_id(tmp_path, rid):
    with pytest.raises(UserError, match="kebab-case"):
        scaffold(rid, tmp_path)


def test_scaffold_never_overwrites(tmp_path):
    (tmp_path / "mine.yaml").write_text("keep")
    with pytest.raises(UserError, match="already exists"):
        scaffold("mine", tmp_path)
    assert (tmp_path / "mine.yaml").read_text() == "keep"


def test_check_files_a_duplicate_of_a_placeholder_file_is_reported(tmp_path):
    write_rule(tmp_path / "a", "same-id", description="TODO: say what it does")
    second = write_rule(tmp_path / "b", "same-id")
    results = {r.path: r.error for r in check_files([tmp_path / "a", tmp_path / "b"])}
    assert results[second] is not None and "also the id of" in results[second].message
