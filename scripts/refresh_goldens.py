#!/usr/bin/env python3
"""Regenerate fixtures/<scenario>/expected/ from the current code: the converted template and the
`diff` previews (preview.txt, preview.md, preview.json); with --cdk, fixtures/cdk/<case>/expected/
(the files convert --target cdk writes), with --gen2 fixtures/gen2/<case>/expected/ (--target amplify-gen2). Review the diff before committing."""

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scenarios import PREVIEW_FORMATS, changed_files, run, run_diff, scenarios  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        for sc in scenarios():
            result, out, work = run(sc, Path(tmp))
            if result.exit_code != 0:
                print(f"{sc.name}: convert failed ({result.exit_code}): {result.stderr.strip()}", file=sys.stderr)
                return 1
            sc.expected_dir.mkdir(exist_ok=True)
            shutil.copyfile(out, sc.expected_dir / sc.output_name)
            print(f"{sc.name}: wrote {sc.expected_dir / sc.output_name}")
            shutil.rmtree(sc.tree_dir, ignore_errors=True)
            for rel, data in changed_files(sc, work, out).items():
                (sc.tree_dir / rel).parent.mkdir(parents=True, exist_ok=True)
                (sc.tree_dir / rel).write_bytes(data)
                print(f"{sc.name}: wrote {sc.tree_dir / rel}")
            if not sc.spec.get("template"):
                continue  # a preview compares with a template; standalone scenarios have none
            for fmt, name in PREVIEW_FORMATS.items():
                result = run_diff(sc, Path(tmp), fmt)
                if result.exit_code != 0:
                    print(f"{sc.name}: diff --format {fmt} failed ({result.exit_code}): {result.stderr.strip()}", file=sys.stderr)
                    return 1
                (sc.expected_dir / name).write_text(result.stdout, encoding="utf-8")
                print(f"{sc.name}: wrote {sc.expected_dir / name}")
    return 0


def refresh_cdk() -> int:
    from cdk_apps import app_cases, cases_of, generate, tree

    with tempfile.TemporaryDirectory() as tmp:
        for case in cases_of(app_cases()):
            if case.golden is None:
                continue
            result = generate(case, Path(tmp) / case.id)
            if result.exit_code != 0:
                print(f"{case.id}: convert --target cdk failed ({result.exit_code}): {result.stderr.strip()}", file=sys.stderr)
                return 1
            shutil.rmtree(case.golden, ignore_errors=True)
            for rel, text in tree(Path(tmp) / case.id).items():
                (case.golden / rel).parent.mkdir(parents=True, exist_ok=True)
                (case.golden / rel).write_text(text, encoding="utf-8")
            print(f"{case.id}: wrote {case.golden}")
    return 0


def refresh_gen2() -> int:
    from test_targets_amplify_gen2 import CASES, changed, run_case

    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            _, work, result = run_case(case, Path(tmp))
            if result.exit_code != 0:
                print(f"{case.name}: convert --target amplify-gen2 failed ({result.exit_code}): {result.stderr.strip()}", file=sys.stderr)
                return 1
            shutil.rmtree(case / "expected", ignore_errors=True)
            for rel, data in changed(case, work).items():
                (case / "expected" / rel).parent.mkdir(parents=True, exist_ok=True)
                (case / "expected" / rel).write_bytes(data)
            print(f"{case.name}: wrote {case / 'expected'}")
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(refresh_cdk() if "--cdk" in args else refresh_gen2() if "--gen2" in args else main())
