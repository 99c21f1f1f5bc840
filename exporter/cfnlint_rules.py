"""The audit's checks as a cfn-lint rule pack, so its findings appear wherever cfn-lint runs:

    cfn-lint template.json --append-rules exporter.cfnlint_rules

(the template first: --append-rules takes a list). cfn-lint imports this module by name, so export-to-cfn
must be installed in cfn-lint's own environment (`pipx inject cfn-lint export-to-cfn`, pre-commit's
`additional_dependencies`): a path to this file would not do, it imports the rest of the package.

One rule per finding kind (exporter.audit.KINDS: W9101 to W9109), all backed by one scan of the
template: the same scan `export-to-cfn audit` runs, so the two always agree. Unlike cfn-lint's own
I3042 it reads inside a RestApi Body, understands Fn::Sub's ${!...} escapes and stage variables, and
leaves alone what the allow rules allow. The project config (.export-to-cfn.yaml or
[tool.export-to-cfn]) found from the template's folder gives `env` and extra `rules`.

This is the only module that imports cfn-lint, and only cfn-lint imports this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from exporter.aws import split_pointer
from exporter.audit import KINDS, scan
from exporter.model import Finding
from exporter.errors import UserError

# cfn-lint asks every rule about the same template: scan it once. The template itself is kept (not
# its id), so a freed template's id reused by the next one can never hand it the old findings.
_last: tuple[Any, list[Finding] | UserError] | None = None


def _findings(cfn: Any) -> list[Finding] | UserError:
    global _last
    if _last is not None and _last[0] is cfn.template:
        return _last[1]
    try:
        from exporter.io.config import load_project_config
        from exporter.rules import load_rules

        filename = getattr(cfn, "filename", None)
        config = load_project_config(Path(filename) if filename else None)
        result: list[Finding] | UserError = scan(cfn.template, env=config.env, rules=load_rules(config.rules))
    except UserError as e:
        result = e
    _last = (cfn.template, result)
    return result


def _path(template: Any, pointer: str) -> list[str | int]:
    """The pointer as cfn-lint's path: a list index is an int, a mapping key stays a string even when
    it is all digits (a response code "200"), or cfn-lint reports the finding on the parent's line."""
    path: list[str | int] = []
    node = template
    for part in split_pointer(pointer):
        step: str | int = int(part) if isinstance(node, list) and part.isdigit() else part
        path.append(step)
        if isinstance(node, list) and isinstance(step, int) and step < len(node):
            node = node[step]
        elif isinstance(node, dict):
            node = node.get(step)
        else:
            node = None
    return path


class _AuditRule(CloudFormationLintRule):
    kind = ""
    source_url = "https://github.com/aws-cloudformation/cfn-lint#custom-rules"
    tags = ["export-to-cfn", "portability"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        found = _findings(cfn)
        if isinstance(found, UserError):  # the project config or a rule file is broken: say so once
            return [RuleMatch([], f"export-to-cfn: {found}")] if self.kind == next(iter(KINDS)) else []
        return [RuleMatch(_path(cfn.template, f.pointer), f"{KINDS[f.kind].title}: {f.value}")
                for f in found if f.kind == self.kind]


def _rule_class(kind: str) -> type[_AuditRule]:
    spec = KINDS[kind]
    name = "".join(w.capitalize() for w in spec.title.split())
    return type(name, (_AuditRule,), {"id": spec.cfn_lint_id, "kind": kind, "shortdesc": spec.title,
                                      "description": spec.help, "__module__": __name__})


# cfn-lint instantiates every CloudFormationLintRule subclass it finds in this module's namespace.
for _kind in KINDS:
    _cls = _rule_class(_kind)
    globals()[_cls.__name__] = _cls
del _kind, _cls
