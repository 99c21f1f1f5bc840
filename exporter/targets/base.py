"""The seam every destination plugs into: a target builds, from the conversion, the template it
writes and the other files and messages that go with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from exporter.model import Finding


@dataclass
class Built:
    """What a target makes of a conversion."""

    template: dict  # the template as the target leaves it
    files: dict[Path, str] = field(default_factory=dict)  # other files -> new text (changed files only)
    notes: list[Finding] = field(default_factory=list)  # kind "note"
    warnings: list[Finding] = field(default_factory=list)
    write_template: bool = True  # False: the template file is never edited in place (Amplify CLI >= 7 build/)
    bound: list[str] = field(default_factory=list)  # project parameters the export's literals became
    generation: str = ""  # which tool generation wrote the template (Amplify CLI era)

    def add(self, found: list[Finding]) -> Built:
        """Each finding filed as a note or a warning, by its kind."""
        self.notes += [f for f in found if f.kind == "note"]
        self.warnings += [f for f in found if f.kind != "note"]
        return self


class Target(Protocol):
    name: str

    @staticmethod
    def applies(conv: Any) -> bool:
        """Is this the destination of `conv` (an exporter.convert.Conversion)?"""

    def build(self, conv: Any) -> Built:
        """The template and files for `conv`; plain data, no disk."""
