#!/usr/bin/env python3
"""Regenerate fixtures/<scenario>/expected/ from the current code. Review the diff before committing."""

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scenarios import changed_files, run, scenarios  # noqa: E402


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
    return 0


if __name__ == "__main__":
    sys.exit(main())
