"""Shared test helpers: where things are, the CLI runner, cfn-lint once per session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
EXAMPLE = SHARED / "examples" / "amplify-stepfunctions"
FIXTURES = ROOT / "fixtures"


def need_shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent (CI lays ../shared beside the clone; a bare checkout has none)")
    return path


@pytest.fixture
def cli():
    """Run the CLI in-process: cli("convert", "x.json") -> click Result with .exit_code/.stdout/.stderr."""
    from exporter.cli import app

    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)

    return run


@pytest.fixture(scope="session")
def cfn_lint():
    """cfn-lint's Python API, loaded once: lint(text) -> list of 'E1234 message' errors."""
    from cfnlint.api import lint_all

    def lint(text: str) -> list[str]:
        return [f"{m.rule.id} {m.message}" for m in lint_all(text) if m.rule.id.startswith("E")]

    return lint


def load_json(path: Path):
    return json.loads(Path(path).read_text(encoding="utf-8-sig"))
