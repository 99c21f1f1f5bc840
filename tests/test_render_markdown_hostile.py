"""The PR comment, rendered the way GitHub renders it (cmark-gfm, GitHub's own CommonMark fork, through
its Python bindings, with raw HTML let through so nothing is hidden by a sanitizer), for an export
whose path names, descriptions, content types and VTL try to break out: the HTML must hold the
tables whole, no element the renderer did not put there, and no live mention."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from conftest import run_cli
from exporter.errors import printable

HOSTILE_PATH = "/a|b`<script>`@team"
HOSTILE = [
    HOSTILE_PATH,
    "/x</code></td></tr></table><img src=x onerror=alert(1)>",
    "/y**bold**_em_[link](javascript:alert(1))~~s~~$math$",
    "/z</details></summary>http://evil.example www.evil.example",
    "/r\u202etxt.exe",  # a right-to-left override: would show as /rexe.txt
    "/n\nwrote everything\u2066\u200b\ufeff",  # a line of its own; an isolate, a zero-width space, a BOM
]
INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u2028\u2029"
VTL = "```\n</details><b>@org/admins</b>\n#set($x = \"|\")\n$input.json('$')"
# GitHub links these in text, and an issue reference notifies the issue: an issue, another repository's
# issue, a GH- reference and a commit id, in a content type (it shows in the route's list of changes)
REFERENCES = "text/plain;see=#1,org/repo#2,GH-3,a5c3785ed8d6a35868bc169f07e40e889087fd2e"
LINKED = re.compile(r"(?<![0-9A-Za-z])#[0-9]|\bGH-[0-9]|(?<![0-9A-Za-z])[0-9a-f]{7,40}(?![0-9A-Za-z])", re.IGNORECASE)
# GitHub's own element vocabulary for our comment: anything else came from the export
ALLOWED = {"h3", "p", "strong", "code", "table", "thead", "tbody", "tr", "th", "td", "ul", "li", "details",
           "summary", "pre", "blockquote", "br"}


def _export() -> dict:
    integration = {"type": "mock", "requestTemplates": {"application/json|<i>@x": VTL, REFERENCES: "{}"},
                   "responses": {"default": {"statusCode": "200"}}}
    paths = {p: {"get": {"summary": "<script>alert(1)</script> @team", "description": "**hi** @org/team | x",
                         "responses": {"200": {"description": "ok"}}, "x-amazon-apigateway-integration": integration}}
             for p in HOSTILE}
    return {"swagger": "2.0", "info": {"title": "Hostile @team", "version": "1"},
            "host": "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com", "basePath": "/dev", "paths": paths}


class Tree(HTMLParser):
    """Elements with their ancestors, and text with the elements around it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.elements: list[tuple[str, dict]] = []
        self.texts: list[tuple[str, tuple[str, ...]]] = []
        self.rows: list[list[int]] = []  # per table: cells in each row

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag == "table":
            self.rows.append([])
        elif tag == "tr":
            self.rows[-1].append(0)
        elif tag in ("td", "th"):
            self.rows[-1][-1] += 1
        if tag not in ("br", "img", "hr"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()

    def handle_data(self, data):
        self.texts.append((data, tuple(self.stack)))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "export.json").write_text(json.dumps(_export(), indent=2))
    template = {"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": {
        "swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {
            HOSTILE_PATH: {"get": {"x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json|<i>@x": "old"}}}}}}}}}}
    (folder / "template.json").write_text(json.dumps(template, indent=2))
    result = run_cli("diff", str(folder / "export.json"), "-t", str(folder / "template.json"), "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    md = result.stdout
    tree = Tree()
    tree.feed(cmarkgfm.github_flavored_markdown_to_html(md, options=Options.CMARK_OPT_UNSAFE))
    tree.close()
    assert tree.stack == [], f"unclosed elements: {tree.stack}"
    return md, tree


def test_every_element_is_ours(rendered):
    _, tree = rendered
    assert {tag for tag, _ in tree.elements} <= ALLOWED, {tag for tag, _ in tree.elements} - ALLOWED
    assert all(not attrs or tag == "pre" and set(attrs) <= {"lang"} or tag == "code" and set(attrs) <= {"class"}
               for tag, attrs in tree.elements), [(t, a) for t, a in tree.elements if a]


def test_tables_stay_whole(rendered):
    _, tree = rendered
    assert tree.rows, "no table rendered"
    for rows in tree.rows:
        assert len(set(rows)) == 1, f"rows with different cell counts: {rows}"
    routes = next(rows for rows in tree.rows if rows[0] == 4)
    assert len(routes) == 1 + len(HOSTILE)  # the header and one row per route


def test_the_hostile_text_reads_as_written_inside_code(rendered):
    _, tree = rendered
    in_code = {text.replace("@\u200b", "@") for text, where in tree.texts if "code" in where}
    for path in HOSTILE:  # control and invisible characters as their escapes (\\u202e), the rest as written
        assert any(f"GET {printable(path)}" in t for t in in_code), path


OURS = re.compile(r"(?<=[@#])\u200b|(?<=GH-)\u200b|(?<=[0-9a-fA-F])\u200b(?=[0-9a-fA-F])")


def test_no_bidi_control_or_invisible_character_reaches_the_page(rendered):
    """Markdown escapes what the terminal escapes (exporter.errors.printable): nothing reverses the text
    around it or hides in it. The zero-width spaces left are ours: after an @, a # or GH- and inside a
    run of hex digits, so they mention and link nothing."""
    md, tree = rendered
    assert "\\u202etxt.exe" in md and "\\nwrote everything\\u2066\\u200b\\ufeff" in md
    for text, where in tree.texts:
        text = OURS.sub("", text)
        bad = [c for c in text if c in INVISIBLE]
        assert not bad, f"{bad!r} in {text!r} (inside {where})"
        assert not text.startswith("wrote everything"), f"a forged line: {text!r}"


def test_no_live_mention(rendered):
    _, tree = rendered
    for text, where in tree.texts:
        if "pre" in where:  # a fenced block: GitHub never mentions there
            continue
        for i, ch in enumerate(text):
            if ch == "@":
                assert text[i + 1:i + 2] == "\u200b", f"live mention in {text!r} (inside {where})"


def test_the_marker_is_one_invisible_line(rendered):
    md, _ = rendered
    first = md.split("\n", 1)[0]
    assert first.startswith("<!-- export-to-cfn preview: ") and first.endswith(" -->") and "--" not in first[4:-3]


def test_no_live_reference_to_an_issue_or_a_commit(rendered):
    _, tree = rendered
    outside_code = [text for text, where in tree.texts if "pre" not in where and "code" not in where]
    assert any(REFERENCES in text.replace("\u200b", "") for text in outside_code)  # it is there, as written
    for text in outside_code:
        assert not LINKED.search(text), f"live reference in {text!r}"
