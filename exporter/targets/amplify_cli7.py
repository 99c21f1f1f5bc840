"""Destination: Amplify CLI >= 7. The API template in build/ is regenerated from cli-inputs.json on every push,
so the converted paths go to amplify/backend/api/<Api>/override.ts (what `amplify override api`
runs at build time) instead: it sets the paths and Body keys that changed, declares the new
parameters, adds the new resources and, where Amplify does not already, gives the Deployment a
content-hashed id. The file is regenerated on each run; a hand-written override.ts is never
overwritten.
"""

from __future__ import annotations

import json
import re
from typing import Any

from exporter.errors import UserError
from exporter.merge import TEMPLATE_OWNED
from exporter.targets.amplify_classic import OVERRIDE_MARK, _Wirer
from exporter.amplify import known
from exporter.model import note, warning
from exporter.portable import portable_merge
from exporter.targets.base import Built
from exporter.targets.shared import DEPLOYMENT, HASHED

STUB = re.compile(r"export\s+function\s+override\s*\([^)]*\)\s*(?::\s*void\s*)?\{\s*(?://[^\n]*\s*|/\*.*?\*/\s*)*\}\s*$", re.S)
SIGNATURE = "export function override(resources: AmplifyApiRestResourceStackTemplate, amplifyProjectInfo: AmplifyProjectInfo) {"


def _js(value: Any, indent: str) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + indent)


def _property_overrides(original: dict, template: dict, api: str, body_key: str) -> list[str]:
    """Lines setting the properties the conversion changed on resources the build template already has
    (Amplify's Lambda permissions made portable: arn:${AWS::Partition}:), so the template Amplify builds
    from this override is the converted one. The Deployment is left out: Amplify renames it on each build."""
    old_resources = original.get("Resources") or {}
    lines: list[str] = []
    stack_declared = False
    for lid, res in (template.get("Resources") or {}).items():
        old = old_resources.get(lid)
        if not isinstance(old, dict) or not isinstance(res, dict) or old == res or res.get("Type") == DEPLOYMENT:
            continue
        if lid == api:
            target = "resources.restApi."
        else:
            if not stack_declared:
                # the override runs on the CDK Stack itself, whose children are the template's resources by
                # logical id; its declared type does not show `node`, hence Reflect.get. A resource a later
                # `amplify update api` removed is skipped (?.), not an error at build time.
                lines.append("  const stack = Reflect.get(resources, 'node');")
                stack_declared = True
            target = f"stack.tryFindChild({json.dumps(lid)})?."
        new_props, old_props = res.get("Properties") or {}, old.get("Properties") or {}
        for prop, value in new_props.items():
            if (lid != api or prop != body_key) and old_props.get(prop) != value:
                lines.append(f"  {target}addPropertyOverride({json.dumps(prop)}, {_js(value, '  ')});")
        for prop in old_props:
            if prop not in new_props:
                lines.append(f"  {target}addPropertyDeletionOverride({json.dumps(prop)});")
    return lines


def render_override(original: dict, template: dict, api: str, body_key: str, deployment: tuple[str, str] | None, source: str) -> str:
    """TypeScript that turns the `original` build template's API into `template`'s."""
    old_body = original["Resources"][api]["Properties"].get(body_key) or {}
    new_body = template["Resources"][api]["Properties"][body_key]
    lines = [
        f"{OVERRIDE_MARK} from {source}; re-run it to regenerate this file (hand edits here are overwritten).",
        "// Amplify CLI >= 7 rebuilds build/ from cli-inputs.json on every push, so the converted paths live here.",
        "import { AmplifyApiRestResourceStackTemplate, AmplifyProjectInfo } from '@aws-amplify/cli-extensibility-helper';",
        "",
        SIGNATURE,
    ]
    new_params = [p for p in template.get("Parameters") or {} if p not in (original.get("Parameters") or {})]
    if new_params:
        lines.append("  // Passed by Amplify from the resources listed under this API's dependsOn in backend-config.json")
        lines += [f"  resources.addCfnParameter({{ type: 'String' }}, {json.dumps(p)});" for p in new_params]
    lines.append("  const body = resources.restApi.body;")
    old_paths = old_body.get("paths") or {}
    new_paths = new_body.get("paths") or {}
    for path, item in new_paths.items():
        if old_paths.get(path) != item:
            lines.append(f"  body.paths[{json.dumps(path)}] = {_js(item, '  ')};")
    for path in old_paths:
        if path not in new_paths:
            lines.append(f"  delete body.paths[{json.dumps(path)}];")
    for key, value in new_body.items():
        if key not in TEMPLATE_OWNED and old_body.get(key) != value:
            lines.append(f"  body[{json.dumps(key)}] = {_js(value, '  ')};")
    for key in old_body:
        if key not in new_body:
            lines.append(f"  delete body[{json.dumps(key)}];")
    lines += _property_overrides(original, template, api, body_key)
    for lid, res in (template.get("Resources") or {}).items():
        if lid not in (original.get("Resources") or {}) and res.get("Type") != DEPLOYMENT:
            props = {"type": res["Type"], "properties": res.get("Properties") or {}}
            lines.append(f"  resources.addCfnResource({_js(props, '  ')}, {json.dumps(lid)});")
    if deployment is not None:
        lines.append("  // A new Deployment id whenever the Body changes: CloudFormation then redeploys the stage")
        lines.append(f"  resources.deploymentResource.overrideLogicalId({json.dumps(deployment[1])});")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_override(wirer: Any) -> None:
    """Put the change in override.ts and leave build/ as it is (it is regenerated on every push)."""
    w, project = wirer.w, wirer.project
    w.write_template = False
    path = project.api_dir / "override.ts"
    if project.override_text is not None:
        text = known(project.override_text)
        if OVERRIDE_MARK not in text and not STUB.search(text):
            raise UserError("has hand-written overrides; export-to-cfn will not overwrite it. Move them aside (or merge by hand) and run again", file=str(path))
    original_ids = {lid for lid, r in (wirer.original.get("Resources") or {}).items() if isinstance(r, dict) and r.get("Type") == DEPLOYMENT}
    new_ids = {lid for lid, r in wirer.template["Resources"].items() if isinstance(r, dict) and r.get("Type") == DEPLOYMENT}
    deployment = None
    renamed = sorted(original_ids - new_ids), sorted(new_ids - original_ids)
    if renamed[0] and renamed[1]:
        old, new = renamed[0][0], renamed[1][0]
        m = HASHED.match(old)
        if m and m.group(1).endswith(wirer.api):
            # Amplify names the Deployment with a fresh random suffix on every build: it redeploys already.
            w.notes = [n for n in w.notes if n.rule != "redeploy"]
            w.notes.append(note("redeploy", f"redeploy: Amplify gives the Deployment a new id on every build ({old}), so the push redeploys the stage"))
        else:
            deployment = (old, new)
    pruned = [lid for lid in (wirer.original.get("Resources") or {}) if lid not in wirer.template["Resources"] and lid not in original_ids]
    if pruned:
        w.warnings.append(warning("generated-by-amplify", f"Amplify generates {', '.join(pruned)} from cli-inputs.json: remove the path with `amplify update api` to drop it"))
    text = render_override(wirer.original, wirer.template, wirer.api, wirer.key, deployment, "the console export")
    if project.override_text != text:
        w.files[path] = text
    rel = path.relative_to(project.amplify.parent)
    w.notes.append(note("override-ts", f"Amplify CLI >= 7 project: the change goes to {rel} (run by `amplify override api` at build time); build/ is never edited: "
                          "it keeps Amplify's last build until `amplify build` (or push) regenerates it with the override, so audit it after that"))
    if not project.has_package_json:
        w.warnings.append(warning("no-package-json", f"{rel.parent} has no package.json: Amplify needs the one `amplify override api` writes to build override.ts "
                          "(run it first, answer No to editing, then run export-to-cfn again: its stub override.ts is replaced)"))


class AmplifyCli7:
    """Amplify CLI >= 7: wired like the classic layout, the change then moved to override.ts."""

    name = "amplify-cli7"

    @staticmethod
    def applies(conv: Any) -> bool:
        return conv.project is not None and conv.project.layout == "cli7"

    def build(self, conv: Any) -> Built:
        wirer = _Wirer(conv, conv.project, conv.original, prune=conv.prune)
        built = wirer.run()
        if not conv.keep_template_literals:
            # made portable here, not in the pipeline: build/ is never written, so the override must carry it
            wirer.template = built.template = portable_merge(conv, built.template)
        write_override(wirer)
        return built
