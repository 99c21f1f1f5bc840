"""Find environment-specific literals: account ids, regions, hardcoded partitions, opaque ids and
env-suffixed names, in plain strings and in the literal text of Fn::Sub / Fn::Join.

Backs `convert --strict` and the `audit` command. Allow rules (and --allow patterns) exempt text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

from exporter.resolve import SUB_VAR
from exporter.rewrite import escape_pointer

REGION = r"(?:[a-z]{2}(?:-gov|-iso[a-z]?)?-(?:north|south|east|west|central|northeast|northwest|southeast|southwest)-\d{1,2})"
CHECKS: list[tuple[str, re.Pattern]] = [
    ("partition", re.compile(r"\barn:(aws(?:-cn|-us-gov|-iso(?:-[a-z])?)?):")),
    ("account", re.compile(r"(?:\barn:[a-z0-9-]*:[a-z0-9.-]*:[a-z0-9-]*:|/|\bsqs/|path/)(\d{12})(?=[:/]|$)")),
    ("region", re.compile(r"(?<![A-Za-z0-9-])(" + REGION + r")(?![A-Za-z0-9-])")),
    ("api-id", re.compile(r"(?<![A-Za-z0-9])([a-z0-9]{10})\.execute-api\.")),
    ("vpc-endpoint-id", re.compile(r"(?<![A-Za-z0-9-])(vpce-[0-9a-f]{8,17})(?![A-Za-z0-9])")),
    ("user-pool-id", re.compile(r"(?<![A-Za-z0-9-])(" + REGION + r"_[A-Za-z0-9]{6,})")),
]


@dataclass
class Literal:
    pointer: str
    value: str  # the literal found
    kind: str
    text: str  # the string it sits in

    @property
    def message(self) -> str:
        return f"{self.kind} {self.value} is hardcoded"


def literal_texts(node: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    """(pointer, literal text) for every string that will reach the deployed value verbatim."""
    if isinstance(node, str):
        yield pointer, node
        return
    if isinstance(node, list):
        for i, v in enumerate(node):
            yield from literal_texts(v, f"{pointer}/{i}")
        return
    if not isinstance(node, dict):
        return
    if len(node) == 1:
        ((key, arg),) = node.items()
        if key in ("Ref", "Condition", "Fn::GetAtt", "Fn::ImportValue"):
            return
        if key == "Fn::Sub":
            text = arg[0] if isinstance(arg, list) else arg
            if isinstance(text, str):
                # what stays literal: the text with ${Name} removed and ${!X} read as ${X}
                literal = SUB_VAR.sub(lambda m: "${" + m.group(1)[1:] + "}" if m.group(1).startswith("!") else "\x00", text)
                yield f"{pointer}/Fn::Sub", literal
            if isinstance(arg, list) and len(arg) > 1:
                yield from literal_texts(arg[1], f"{pointer}/Fn::Sub/1")
            return
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
            yield from literal_texts(arg[1], f"{pointer}/Fn::Join/1")
            return
    for k, v in node.items():
        yield from literal_texts(v, f"{pointer}/{escape_pointer(str(k))}")


def scan(node: Any, *, env: str | None = None, allow: list[re.Pattern] | None = None, base: str = "") -> list[Literal]:
    found: list[Literal] = []
    env_rx = re.compile(r"(?<=[A-Za-z0-9][-_])(" + re.escape(env) + r")(?![A-Za-z0-9])") if env else None
    for pointer, text in literal_texts(node, base):
        if not text:
            continue
        clean = text
        for rx in allow or []:
            clean = rx.sub(lambda m: "\x00" * len(m.group(0)), clean)
        checks = CHECKS + ([("env-suffix", env_rx)] if env_rx else [])
        for kind, rx in checks:
            for m in rx.finditer(clean):
                found.append(Literal(pointer, m.group(1), kind, text))
    return found
