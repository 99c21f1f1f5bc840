"""exporter.io.cdk: what is on disk where --target cdk / amplify-gen2 writes, read before the pipeline."""

from __future__ import annotations

import os
import shutil

import pytest

from conftest import FIXTURES
from exporter.errors import UserError
from exporter.io.cdk import CDK_FILES, cdk_destination, gen2_destination


# ----------------------------------------------------------------------------------- cdk_destination

def test_cdk_a_folder_that_does_not_exist_yet(tmp_path):
    d = cdk_destination(tmp_path / "app")
    assert (d.kind, d.root, d.texts, d.backend) == ("cdk", tmp_path / "app", {}, None)


def test_cdk_reads_the_app_files_and_lib_ts_json(tmp_path):
    root = tmp_path / "app"
    (root / "bin").mkdir(parents=True)
    (root / "lib").mkdir()
    (root / "bin" / "app.ts").write_text("// app\n")
    (root / "package.json").write_text('{"name": "x"}')
    (root / "lib" / "api-stack.ts").write_text("// stack\n")
    (root / "lib" / "body.json").write_text("{}")
    (root / "lib" / "notes.md").write_text("not read")
    (root / "README.md").write_text("not read")
    d = cdk_destination(root)
    assert d.texts == {root / "bin" / "app.ts": "// app\n", root / "package.json": '{"name": "x"}',
                       root / "lib" / "api-stack.ts": "// stack\n", root / "lib" / "body.json": "{}"}


def test_cdk_text_is_utf8(tmp_path):
    (tmp_path / "cdk.json").write_bytes('{"app": "café"}'.encode("utf-8"))
    assert cdk_destination(tmp_path).texts[tmp_path / "cdk.json"] == '{"app": "café"}'


def test_cdk_output_that_is_a_file_is_refused(tmp_path):
    f = tmp_path / "app.json"
    f.write_text("{}")
    with pytest.raises(UserError, match="-o must name a folder"):
        cdk_destination(f)


def test_cdk_a_folder_where_a_file_goes_is_refused(tmp_path):
    (tmp_path / "tsconfig.json").mkdir()
    with pytest.raises(UserError) as e:
        cdk_destination(tmp_path)
    assert str(e.value) == f"{tmp_path / 'tsconfig.json'}: is a folder; the target writes a file there"


def test_cdk_a_fifo_where_a_file_goes_is_refused_without_blocking(tmp_path):
    """Read through exporter.io.load.read_bytes like every file: a FIFO is refused by name, never opened to wait."""
    os.mkfifo(tmp_path / "cdk.json")
    with pytest.raises(UserError) as e:
        cdk_destination(tmp_path)
    assert str(e.value) == f"{tmp_path / 'cdk.json'}: is a FIFO (named pipe), not a regular file; refusing to read it"


def test_cdk_undecodable_file_is_refused(tmp_path):
    (tmp_path / "package.json").write_bytes(b"\xff\xfe{}")
    with pytest.raises(UserError) as e:
        cdk_destination(tmp_path)
    assert str(e.value) == f"{tmp_path / 'package.json'}: not UTF-8 text (byte 0xff at offset 0)"


def test_cdk_files_are_the_app_skeleton():
    assert set(CDK_FILES) == {"bin/app.ts", "package.json", "tsconfig.json", "cdk.json"}


# ----------------------------------------------------------------------------------- gen2_destination

@pytest.fixture
def gen2(tmp_path):
    root = tmp_path / "hello"
    shutil.copytree(FIXTURES / "gen2" / "hello", root, ignore=shutil.ignore_patterns("expected", "case.json"))
    return root


def test_gen2_from_the_project_folder_or_its_amplify_folder(gen2):
    for where in (gen2, gen2 / "amplify"):
        d = gen2_destination(where)
        assert d.kind == "amplify-gen2"
        assert d.root == gen2 / "amplify"
        assert d.backend.var == "backend"
        assert d.backend.keys == ["helloFunc"]


def test_gen2_reads_backend_and_resource_files(gen2):
    amplify = gen2 / "amplify"
    (amplify / "node_modules" / "pkg").mkdir(parents=True)
    (amplify / "node_modules" / "pkg" / "index.ts").write_text("skipped")
    (amplify / ".amplify").mkdir()
    (amplify / ".amplify" / "x.json").write_text("skipped")
    d = gen2_destination(gen2)
    want = {amplify / "backend.ts", amplify / "package.json", amplify / "tsconfig.json",
            amplify / "functions" / "HelloFunc" / "handler.ts", amplify / "functions" / "HelloFunc" / "resource.ts"}
    assert set(d.texts) == want
    assert d.texts[amplify / "backend.ts"] == (amplify / "backend.ts").read_text()
    assert list(d.texts)[0] == amplify / "backend.ts"


def test_gen2_without_backend_ts(tmp_path):
    with pytest.raises(UserError, match="no amplify/backend.ts there"):
        gen2_destination(tmp_path)


def test_gen2_backend_shape_not_recognised_is_a_problem_not_a_crash(gen2):
    (gen2 / "amplify" / "backend.ts").write_text("export default {};\n")
    d = gen2_destination(gen2)
    assert d.backend.var is None and d.backend.problem


def test_gen2_a_project_folder_named_amplify(tmp_path):
    project = tmp_path / "amplify"
    shutil.copytree(FIXTURES / "gen2" / "hello", project, ignore=shutil.ignore_patterns("expected", "case.json"))
    assert gen2_destination(project).root == project / "amplify"


def test_gen2_npm_create_amplify_shape_is_recognised(gen2):
    """The bare `defineBackend({...})` of `npm create amplify`: recognised, to be assigned to `backend` at its line."""
    (gen2 / "amplify" / "backend.ts").write_text("import { defineBackend } from '@aws-amplify/backend';\n"
                                                 "import { helloFunc } from './functions/HelloFunc/resource';\n\n"
                                                 "defineBackend({\n  helloFunc,\n});\n")
    d = gen2_destination(gen2)
    assert (d.backend.var, d.backend.assign_at, d.backend.keys, d.backend.problem) == ("backend", 3, ["helloFunc"], None)
    assert d.backend.functions == {"helloFunc": "HelloFunc"}
