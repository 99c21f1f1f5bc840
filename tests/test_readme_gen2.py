"""README "Moving to Amplify Gen 2 / CDK", followed step by step in a fresh folder holding the bundled
example: each `<!-- run -->` command runs and its output is compared, each `<!-- file: -->` block is
written, each `<!-- contains: -->` block must be in that file (the markers of docs/writing-rules.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import ROOT
from test_writing_rules_guide import _run, assert_lines, steps


def section(text: str, title: str) -> str:
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def test_readme_gen2_section_works(cli, tmp_path, monkeypatch):
    shutil.copytree(ROOT / "fixtures" / "amplify-stepfunctions", tmp_path / "amplify-stepfunctions")
    monkeypatch.chdir(tmp_path)
    found = steps(section((ROOT / "README.md").read_text(encoding="utf-8"), "Moving to Amplify Gen 2 / CDK"))
    assert [k for k, _, _ in found].count("run") == 2
    for kind, arg, block in found:
        if kind == "run":
            r = _run(cli, block[0][2:])
            assert r.exit_code == 0, f"{block[0]}: exit {r.exit_code}\n{r.stderr}"
            assert_lines(block[1:], r.stdout.splitlines() + r.stderr.splitlines(), block[0])
        elif kind == "file":
            Path(arg).parent.mkdir(parents=True, exist_ok=True)
            Path(arg).write_text("\n".join(block) + "\n", encoding="utf-8")
        elif kind == "contains":
            have = " ".join(Path(arg).read_text(encoding="utf-8").split())
            want = " ".join(" ".join(block).split())
            assert want in have, f"{arg} does not contain the README's {want!r}"
