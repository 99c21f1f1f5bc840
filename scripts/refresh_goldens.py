#!/usr/bin/env python3
"""Regenerate fixtures/<scenario>/expected/ from the current code: the converted template and the
`diff` previews (preview.txt, preview.md, preview.json). Review the diff before committing."""

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


if __name__ == "__main__":
    sys.exit(main())
