#!/usr/bin/env python3
"""Preview cost vs convert cost on a generated export (default 300 paths x 5 = 1,500 methods).

Prints figures; asserts nothing (speed targets live here, never in unit tests). The template
holds an older version of every route, so every route differs: the worst case for DeepDiff.

    python scripts/bench_diff.py [--paths 300] [--changed-every 1]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from bigexport import generate, template_for  # noqa: E402

from exporter import convert as pipeline  # noqa: E402
from exporter import diff as diffmod  # noqa: E402
from exporter.diff import FileChange, build_preview  # noqa: E402
from exporter.io.load import load_export, load_template  # noqa: E402
from exporter.render import renderer  # noqa: E402
from exporter.io.write import render_document  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--paths", type=int, default=300)
    ap.add_argument("--changed-every", type=int, default=1, help="every Nth path differs (1: all)")
    args = ap.parse_args()
    export = generate(args.paths)
    with tempfile.TemporaryDirectory() as tmp:
        e, t = Path(tmp) / "export.json", Path(tmp) / "template.json"
        e.write_text(json.dumps(export, indent=2))
        t.write_text(json.dumps(template_for(export, changed_every=args.changed_every), indent=2))
        export_doc, template_doc = load_export(e), load_template(t)
        t0 = time.perf_counter()
        conv = pipeline.convert(export_doc, template_doc, pipeline.Options())
        t1 = time.perf_counter()
        text = render_document(conv.template, template_doc.text, template_doc.data, "json")
        t2 = time.perf_counter()

        spent = {"deepdiff": 0.0}
        real = diffmod.changes

        def timed(before, after, cmp):  # noqa: ANN001
            s = time.perf_counter()
            try:
                return real(before, after, cmp)
            finally:
                spent["deepdiff"] += time.perf_counter() - s

        diffmod.changes = timed
        preview = build_preview(conv, template_doc, [FileChange(str(t), template_doc.text, text)])
        diffmod.changes = real
        t3 = time.perf_counter()
        sizes = {}
        for fmt in ("text", "markdown", "json"):
            s = time.perf_counter()
            sizes[fmt] = (len(renderer(fmt)(preview)), time.perf_counter() - s)
    methods = sum(1 for _ in preview.routes)
    changed = preview.counts()["changed"]
    print(f"{methods} methods, {changed} changed routes, {len(preview.rewrites)} rewrites, {len(preview.security)} security findings")
    print(f"convert (rewrite+merge+proof): {t1 - t0:6.2f} s")
    print(f"render template text:          {t2 - t1:6.2f} s")
    print(f"build_preview:                 {t3 - t2:6.2f} s  ({(t3 - t2) / (t1 - t0):.2f}x convert)")
    print(f"  of which changes() (DeepDiff per changed route + classification): {spent['deepdiff']:6.2f} s")
    for fmt, (size, secs) in sizes.items():
        print(f"render {fmt:<9} {secs:6.2f} s  {size:>10,} chars")
    return 0


if __name__ == "__main__":
    sys.exit(main())
