"""exporter.cli.output: what reaches stdout and stderr, and how it looks on a terminal."""

from __future__ import annotations


def test_colorize_marks_lines_for_a_terminal():
    from exporter.cli.output import colorize

    coloured = colorize("Routes\n  + ANY /a  added\n  - GET /b  removed\n  = GET /c  unchanged")
    lines = coloured.split("\n")
    assert lines[1].startswith("\x1b[32m") and lines[2].startswith("\x1b[31m") and lines[3] == "  = GET /c  unchanged"
