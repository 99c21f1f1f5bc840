"""docs/writing-rules.md, followed step by step through the CLI: every `<!-- run -->` command is run
in order in a fresh folder and its output compared, every `<!-- file: -->` block is written, every
`<!-- contains: -->` block must be in that file, every `<!-- broken: -->` block is the output of
the named command after the named edit. The guide cannot drift from the tool."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

from conftest import ROOT

GUIDE = ROOT / "docs" / "writing-rules.md"
SOLUTION = ROOT / "docs" / "examples" / "appsync" / "solution"
MARKER = re.compile(r"^<!-- (run|file|contains|broken)(?::\s*(.*?))? -->$")


def steps(text: str) -> list[tuple[str, str, list[str]]]:
    """(kind, argument, lines of the fenced block after the marker), in document order."""
    out, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        m = MARKER.match(lines[i])
        if m:
            assert lines[i + 1].startswith("```"), f"line {i + 2}: a fenced block must follow {lines[i]}"
            end = lines.index("```", i + 2)
            out.append((m.group(1), m.group(2) or "", lines[i + 2 : end]))
            i = end
        i += 1
    return out


def _line_rx(expected: str) -> re.Pattern:
    return re.compile("^" + ".*".join(re.escape(part) for part in expected.split("...")) + "$")


def assert_lines(expected: list[str], actual: list[str], what: str, exact: bool = True) -> None:
    """Exact when the block elides nothing; otherwise its lines must appear in order ("..." = anything)."""
    if exact and not any("..." in e for e in expected):
        assert actual == expected, f"{what}: output differs from the guide"
        return
    pos = 0
    for e in expected:
        if e == "...":
            continue
        rx = _line_rx(e)
        while pos < len(actual) and not rx.match(actual[pos]):
            pos += 1
        assert pos < len(actual), f"{what}: guide line not found in order: {e!r}\nactual:\n" + "\n".join(actual)
        pos += 1


def _run(cli, command: str):
    args = shlex.split(command)
    assert args[0] == "export-to-cfn", command
    return cli(*args[1:])


def test_the_guide_works_from_scratch(cli, tmp_path, monkeypatch):
    project = tmp_path / "graphql-front"
    project.mkdir()
    shutil.copy(ROOT / "docs" / "examples" / "appsync" / "export.json", project)  # step 0 of the guide
    monkeypatch.chdir(project)
    found = steps(GUIDE.read_text(encoding="utf-8"))
    assert [k for k, _, _ in found].count("run") >= 5
    for kind, arg, block in found:
        if kind == "run":
            assert block[0].startswith("$ "), block[0]
            r = _run(cli, block[0][2:])
            assert r.exit_code == 0, f"{block[0]}: exit {r.exit_code}\n{r.stderr}"
            expected = block[1:]
            actual = r.stdout.splitlines() if not any("..." in e for e in expected) else r.stdout.splitlines() + r.stderr.splitlines()
            assert_lines(expected, actual, block[0])
        elif kind == "file":
            Path(arg).write_text("\n".join(block) + "\n", encoding="utf-8")
        elif kind == "contains":
            have = " ".join(Path(arg).read_text(encoding="utf-8").split())
            want = " ".join(" ".join(block).split())
            assert want in have, f"{arg} does not contain the guide's {want!r}"
        elif kind == "broken":
            command, edit = (x.strip() for x in arg.split("|", 1))
            old, new = (x.strip() for x in edit.split("=>"))
            rule = Path("rules/appsync-graphql-uri.yaml")
            good = rule.read_text()
            assert old in good, edit
            rule.write_text(good.replace(old, new))
            try:
                r = _run(cli, "export-to-cfn " + command)
            finally:
                rule.write_text(good)
            assert r.exit_code != 0, command
            assert_lines(block, r.stdout.splitlines() + r.stderr.splitlines(), f"{command} after {edit}", exact=False)


def test_the_guides_rule_and_config_are_the_reference_solution():
    files = {arg: "\n".join(block) + "\n" for kind, arg, block in steps(GUIDE.read_text(encoding="utf-8")) if kind == "file"}
    assert files["rules/appsync-graphql-uri.yaml"] == (SOLUTION / "rules" / "appsync-graphql-uri.yaml").read_text()
    assert files[".export-to-cfn.yaml"] == (SOLUTION / ".export-to-cfn.yaml").read_text()
