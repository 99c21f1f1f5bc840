"""The markdown preview fits one GitHub comment: a large generated export is summarised and cut
between rows with a clear note, and every table, code block and <details> stays well-formed."""

from __future__ import annotations

import json
import re

import pytest

from bigexport import generate, template_for
from exporter.render.markdown import LIMIT


def check_well_formed(md: str) -> None:
    """Tables whole (every row as many cells as its header, a blank line after), fences and
    <details> balanced."""
    lines = md.split("\n")
    fences = [line for line in lines if line.startswith("```")]
    assert len(fences) % 2 == 0, "unbalanced code fence"
    assert md.count("<details>") == md.count("</details>")
    i = 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and re.fullmatch(r"\|(---\|)+", lines[i + 1]):
            cells = lines[i].count("|")
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                assert lines[i].endswith(" |") and lines[i].count("|") == cells, f"broken table row: {lines[i][:200]}"
                i += 1
            assert i == len(lines) or lines[i] == "", f"table not closed by a blank line: {lines[i][:100]}"
        i += 1


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    folder = tmp_path_factory.mktemp("big")
    export = generate(300)  # 1,500 methods
    (folder / "export.json").write_text(json.dumps(export, indent=2))
    (folder / "template.json").write_text(json.dumps(template_for(export), indent=2))
    return folder


@pytest.mark.slow
def test_large_preview_fits_one_comment_and_says_what_was_cut(cli, big):
    result = cli("diff", big / "export.json", "-t", big / "template.json", "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    md = result.stdout
    assert len(md) <= LIMIT, len(md)
    check_well_formed(md)
    assert md.startswith("<!-- export-to-cfn preview: template.json_BigApi -->\n### export-to-cfn: <code>template.json</code> (BigApi)\n\n"
                         "**🟠 medium risk** · 1500 routes: 0 added, 1200 changed, 0 removed, 300 unchanged · security: 0 high, 600 medium")
    notes = re.findall(r"✂️ \*\*([\d,]+) more (routes|security findings|rewrites|diff blocks) not shown\*\*", md)
    assert {kind for _, kind in notes} == {"routes", "security findings", "rewrites", "diff blocks"}, notes
    shown_routes = len(re.findall(r"^\| <code>[A-Z]+ /orders", md, flags=re.M))
    cut_routes = int(next(n for n, kind in notes if kind == "routes").replace(",", ""))
    assert shown_routes > 50 and shown_routes + cut_routes == 1200
    assert "### Security (600)" in md and "### Rewrites: literal → intrinsic (" in md and "### Diff (" in md


@pytest.mark.slow
def test_small_preview_is_not_cut(cli, big):
    """Converted once, then one method changes in the console: everything fits, no note."""
    (big / "one.json").write_text((big / "template.json").read_text())
    assert cli("convert", big / "export.json", "-t", big / "one.json", "--in-place").exit_code == 0
    export = json.loads((big / "export.json").read_text())
    export["paths"]["/orders7/{id}"]["post"]["x-amazon-apigateway-integration"]["passthroughBehavior"] = "never"
    (big / "export2.json").write_text(json.dumps(export, indent=2))
    md = cli("diff", big / "export2.json", "-t", big / "one.json", "--format", "markdown").stdout
    assert len(md) < LIMIT
    check_well_formed(md)
    assert "not shown" not in md
    assert "| <code>POST /orders7/{id}</code> | 🟡 changed | — | integration.passthroughBehavior changed |" in md
    assert "**🟢 no security findings** · 1500 routes: 0 added, 1 changed, 0 removed, 1499 unchanged · security: 0 high, 0 medium" in md


@pytest.mark.slow
def test_a_tiny_limit_still_gives_well_formed_markdown(cli, big):
    """Even when a section's heading cannot fit, the output is notes, never half a table."""
    from exporter.convert import Options, convert
    from exporter.diff import FileChange, build_preview
    from exporter.io.load import load_export, load_template
    from exporter.render import markdown

    template = load_template(big / "template.json")
    conv = convert(load_export(big / "export.json"), template, Options())
    preview = build_preview(conv, template, [FileChange(template.path, template.text, template.text + " ")])
    for limit in (3000, 8000, 20000):
        md = markdown.render(preview, limit=limit)
        assert len(md) <= limit, (limit, len(md))
        check_well_formed(md)


def test_a_route_whose_security_alone_changes_is_in_the_table_with_its_risk(cli, tmp_path):
    """orders-security: the authorizer's identity source changes, so GET /orders (its Body as it was) has a
    high finding. It was counted unchanged and left out of the table. What must be listed is read from
    the JSON preview: unchanged routes a security finding names, with their highest severity."""
    from scenarios import FIXTURES, scenarios

    sc = next(s for s in scenarios() if s.name == "orders-security")
    args = ["diff", sc.folder / sc.spec["export"], "-t", sc.folder / sc.spec["template"], *sc.spec["args"]]
    preview = json.loads(cli(*args, "--format", "json").stdout)
    rank = {"medium": 1, "high": 2}
    worst: dict[str, str] = {}
    for f in preview["security"]:
        route = f"{f['method']} {f['path']}"
        worst[route] = max(worst.get(route, f["severity"]), f["severity"], key=rank.get)
    quiet = {f"{r['method']} {r['path']}" for r in preview["routes"] if r["status"] == "unchanged"} & set(worst)
    assert quiet  # the fixture has them: the test is about them
    md = cli(*args, "--format", "markdown").stdout
    check_well_formed(md)
    rows = {m[0]: m[1:] for m in re.findall(r"^\| <code>([^<]+)</code> \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$", md, flags=re.M)}
    for route in quiet:
        status, risk, changes = rows[route]
        assert status == "🔐 changed in security" and risk.endswith(worst[route]), rows[route]
        assert "identity source changes" in changes
    total = len(preview["routes"])
    unchanged = sum(1 for r in preview["routes"] if r["status"] == "unchanged") - len(quiet)
    assert f"{total} routes: " in md and f"{len(quiet)} changed in security" in md and f"{unchanged} unchanged" in md
    assert f"{unchanged} route(s) unchanged" in md or unchanged == 0
