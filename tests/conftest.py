"""Shared test helpers: where things are, the CLI runner, cfn-lint once per session."""

from __future__ import annotations

import functools
import json
import os
import stat
from pathlib import Path
from typing import Any, Callable, Iterable

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
EXAMPLE = SHARED / "examples" / "amplify-stepfunctions"
FIXTURES = ROOT / "fixtures"


def _absent(path: Path) -> str:
    return f"{path} is absent (CI lays ../shared beside the clone; a bare checkout has none)"


def need_shared(path: Path) -> Path:
    """Inside a test: skip it, saying why, when a ../shared file (an example, the corpus) is absent."""
    if not path.exists():
        pytest.skip(_absent(path))
    return path


def corpus_params(find: Callable[[Path], Iterable[Any]], ids: Callable[[Any], str] = lambda p: f"{p.parent.name}/{p.name}",
                  what: str = "file") -> list:
    """The one way a test parametrizes over ../shared/corpus: pytest params of find(CORPUS), each named
    by ids(item); without the corpus (or with nothing find() wants) one skipped param that says why."""
    if not CORPUS.exists():
        return [pytest.param(None, id="corpus-absent", marks=pytest.mark.skip(reason=_absent(CORPUS)))]
    found = [pytest.param(item, id=ids(item)) for item in find(CORPUS)]
    return found or [pytest.param(None, id="corpus-empty", marks=pytest.mark.skip(reason=f"no {what} of this kind in {CORPUS}"))]


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the bundled Amplify example (fixtures/amplify-stepfunctions) without its goldens:
    the project most command tests run on."""
    import shutil

    work = tmp_path / "project"
    shutil.copytree(FIXTURES / "amplify-stepfunctions", work, ignore=shutil.ignore_patterns("expected"))
    return work


@functools.cache
def _command() -> Any:
    """The click command typer builds from the app, built once: typer's own CliRunner builds it again for
    every invocation, reading every option's annotations (a tenth of the quick loop's time)."""
    import typer.main

    from exporter.cli import app

    return typer.main.get_command(app)


def run_cli(*args):
    """The one in-process CLI runner: run_cli("convert", path, "-o", out) -> click Result with
    .exit_code/.stdout/.stderr. Exceptions propagate (a traceback is a failure, never an exit code).
    Tests that mean to run the installed console script use a subprocess instead."""
    from click.testing import CliRunner

    return CliRunner().invoke(_command(), [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def cli():
    """run_cli as a fixture: cli("convert", "x.json") -> click Result with .exit_code/.stdout/.stderr."""
    return run_cli


@pytest.fixture(scope="session")
def cfn_lint():
    """cfn-lint's Python API, loaded once: lint(text) -> list of 'E1234 message' errors."""
    from cfnlint.api import lint_all

    def lint(text: str) -> list[str]:
        return [f"{m.rule.id} {m.message}" for m in lint_all(text) if m.rule.id.startswith("E")]

    return lint


@pytest.fixture(scope="session")
def converted(tmp_path_factory):
    """converted(case) -> cases.Converted: each case goes through the CLI once per session, however
    many engines look at it."""
    from cases import convert_case

    done: dict = {}
    root = tmp_path_factory.mktemp("converted")

    def get(case):
        if case is None:
            pytest.skip("no case")
        if case not in done:
            done[case] = convert_case(case, root)
        return done[case]

    return get


@pytest.fixture(scope="session")
def openapi_errors():
    """openapi-spec-validator, loaded once: errors(document) -> set of (location, message) it reports
    (Swagger 2.0 or OpenAPI 3.x, picked by the document's own version key)."""
    from openapi_spec_validator.shortcuts import get_validator_cls

    def errors(document: dict) -> set[tuple[str, str]]:
        found = set()
        try:
            for e in get_validator_cls(document)(document).iter_errors():
                where = "/".join(str(p) for p in getattr(e, "absolute_path", ()) or ())
                found.add((where, str(e).splitlines()[0]))
        except Exception as e:  # noqa: BLE001 - a $ref to nowhere raises instead of yielding
            found.add(("", f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"))
        return found

    return errors


@pytest.fixture(scope="session")
def moto_endpoint():
    """One moto server per test session on 127.0.0.1 (a free port): its CloudFormation engine is
    the independent deploy check. The first stack costs ~1.5 s (moto loads its models), later ones
    tens of ms."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def snapshot(root: Path) -> dict[str, tuple[bytes | None, int]]:
    """Every path under root with its bytes and mode (links as their target text): the one folder snapshot
    for "a failed (or read-only) run leaves every file byte-identical, and no temp file behind"."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = (os.readlink(p).encode(), 0)
        elif p.is_file():
            out[rel] = (p.read_bytes(), stat.S_IMODE(p.stat().st_mode))
        else:
            out[rel] = (None, stat.S_IMODE(p.stat().st_mode))
    return out


def load_json(path: Path):
    return json.loads(Path(path).read_text(encoding="utf-8-sig"))
