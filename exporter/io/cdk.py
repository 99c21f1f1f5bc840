"""What is on disk where --target cdk / amplify-gen2 writes, read into plain data before the pipeline
runs: the current text of every file the target may write or must not clobber, and (Gen 2) the
project's backend.ts and the functions its resource files define."""

from __future__ import annotations

from pathlib import Path

from exporter.errors import UserError
from exporter.io.load import present, read_bytes
from exporter.targets.cdk import Destination

CDK_FILES = ("bin/app.ts", "package.json", "tsconfig.json", "cdk.json")


def _texts(paths: list[Path]) -> dict[Path, str]:
    out = {}
    for p in paths:
        if present(p):  # through the one reader: capped, and a FIFO or a device refused by name
            raw = read_bytes(p)
            try:
                out[p] = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise UserError(f"not UTF-8 text (byte 0x{raw[e.start]:02x} at offset {e.start})", file=str(p)) from None
        elif p.exists():
            raise UserError("is a folder; the target writes a file there", file=str(p))
    return out


def cdk_destination(root: Path) -> Destination:
    """The CDK app folder `root` (it may not exist yet)."""
    if root.exists() and not root.is_dir():
        raise UserError("--target cdk writes a folder (bin/, lib/): -o must name a folder, not a file", file=str(root))
    paths = [root / f for f in CDK_FILES]
    if (root / "lib").is_dir():
        paths += sorted(p for p in (root / "lib").iterdir() if p.suffix in (".ts", ".json"))
    return Destination("cdk", root, _texts(paths))


def gen2_destination(root: Path) -> Destination:
    """The Amplify Gen 2 project at `root` (the project folder or its amplify/ folder): amplify/backend.ts."""
    from exporter.targets.amplify_gen2 import read_backend

    candidates = [root / "amplify", root]  # (a project folder may itself be named amplify)
    amplify = next((c for c in candidates if (c / "backend.ts").is_file()), None)
    if amplify is None:
        raise UserError("--target amplify-gen2: no amplify/backend.ts there (create the Gen 2 project first: npm create amplify@latest)",
                        file=str(root))
    skip = {"node_modules", ".amplify"}
    paths = [amplify / "backend.ts"]
    paths += sorted(p for p in amplify.rglob("*") if p.suffix in (".ts", ".json") and p.name != "backend.ts"
                    and not skip & set(p.relative_to(amplify).parts) and present(p))
    texts = _texts(paths)
    return Destination("amplify-gen2", amplify, texts, read_backend(amplify, texts))
