"""One run on plain data: a Request (documents already loaded, project facts already read, options)
in, a Result (the converted template and its text, the files --in-place writes, the findings, the
preview model) out. No disk, no terminal: exporter.io reads before, the CLI writes and prints after.

    load (io) -> rules -> rewrite -> merge -> target (standalone, template, Amplify) -> proof -> render
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exporter import targets
from exporter.amplify import known
from exporter import convert as conversion
from exporter.convert import Conversion, Options
from exporter.io.write import render_document
from exporter.limits import compact_json
from exporter.model import Finding
from exporter.portable import portable_merge
from exporter.targets.base import Built

if TYPE_CHECKING:
    from exporter.amplify import Project
    from exporter.diff import Preview
    from exporter.io.load import Document


@dataclass
class Request:
    export: Document
    template: Document | None  # None: a standalone template
    options: Options
    project: Project | None = None  # the Amplify project around the template, read by exporter.io.project
    fmt: str | None = None  # json or yaml; default: the template's own, else json
    compact: bool = False
    stage: Document | None = None  # --stage: the get-stage (or get-stages) JSON, loaded
    destination: Any = None  # exporter.targets.cdk.Destination: --target cdk / amplify-gen2 (read by exporter.io.cdk)
    gen1_template: Document | None = None  # with a destination: the Gen 1 API template, compared with the export


@dataclass
class Result:
    conversion: Conversion
    template_doc: Document | None
    built: Built  # what the destination (exporter.targets) made of the conversion
    text: str  # the converted template as convert writes it

    @cached_property
    def leftovers(self) -> list[Finding]:
        """Environment-specific literals left in the output: the scan `audit` runs on the file written."""
        return conversion.leftover_findings(self.conversion)

    @property
    def template_path(self) -> Path | None:
        return Path(self.template_doc.path) if self.template_doc is not None else None

    def files(self) -> dict[Path, str]:
        """Every file --in-place would write, unchanged ones left out."""
        files: dict[Path, str] = {}
        doc = self.template_doc
        before = ("\ufeff" if doc is not None and doc.bom else "") + (doc.text if doc else "")
        if doc is not None and self.text != before and self.built.write_template:
            files[Path(doc.path)] = self.text
        files.update(self.built.files)
        return files

    def preview(self) -> Preview:
        from exporter.diff import FileChange, build_preview
        from exporter.io.paths import display_path

        texts = self.conversion.project.texts if self.conversion.project is not None else {}
        # a destination that leaves the template alone (Amplify CLI >= 7: build/ is regenerated, the change
        # goes to override.ts) changes no template file: the routes still show what the API becomes
        after = self.text if self.built.write_template else self.template_doc.text
        changes = [FileChange(self.template_doc.path, self.template_doc.text, after)]
        for path, new in self.built.files.items():
            changes.append(FileChange(display_path(str(path)), known(texts.get(Path(path), "")), new))
        return build_preview(self.conversion, self.template_doc, changes, self.built.write_template)


def render_template(template: dict, template_doc: Document | None, fmt: str | None, compact: bool = False) -> str:
    """The text convert writes: the template's own format and bytes where nothing changed."""
    if compact:
        return compact_json(template)
    out_fmt = fmt or (template_doc.fmt if template_doc else "json")
    same_format = template_doc is not None and out_fmt == template_doc.fmt
    text = render_document(template, template_doc.text if same_format else None,
                           template_doc.data if same_format else None, out_fmt)
    return "\ufeff" + text if same_format and template_doc.bom else text


def run(request: Request) -> Result:
    if request.destination is not None and request.destination.kind == "amplify-gen2" and request.project is None:
        # no Gen 1 project to bind to: the Gen 2 project's own functions (defineFunction), found by name in the export
        from exporter.targets.amplify_gen2 import function_bindings

        bindings = {**function_bindings(request.export.data, request.destination.backend), **request.options.bindings}
        request = replace(request, options=replace(request.options, bindings=bindings))
    conv = conversion.convert(request.export, request.template, request.options, project=request.project, stage_doc=request.stage)
    conv.destination = request.destination
    built = targets.choose(conv).build(conv)
    if request.destination is not None and request.gen1_template is not None:
        from exporter.targets.cdk import gen1_differences

        merged = conversion.convert(request.export, request.gen1_template, request.options, project=request.project)
        found = gen1_differences(merged, request.project)
        built.add(found)
    if request.template is not None and built.write_template and not conv.keep_template_literals:
        # what the merge kept of the template (its routes, Amplify's permissions) writes arn:aws: too
        # (Amplify CLI >= 7 does this in its target: the override it writes must carry the change)
        built.template = portable_merge(conv, built.template)
    conv.template = built.template
    return Result(conv, request.template, built, render_template(conv.template, request.template, request.fmt, request.compact))


def files_diff(result: Result, current: dict[Path, str]) -> str:
    """A unified diff of every file a code target (--target cdk / amplify-gen2) writes, against what is there."""
    import difflib

    from exporter.io.paths import display_path

    out = []
    for path, new in result.built.files.items():
        name = display_path(str(path))
        old = current.get(Path(path))
        out += difflib.unified_diff((old or "").splitlines(keepends=True), new.splitlines(keepends=True),
                                    fromfile=name if old is not None else "/dev/null", tofile=name)
    return "".join(out) or "no file changes\n"
