"""Find environment-specific literals: account ids, regions, hardcoded partitions, opaque ids and
env-suffixed names, in plain strings and in the literal text of Fn::Sub / Fn::Join.

Backs `convert --strict` (scan) and the `audit` command (audit_documents). Allow rules (rules with
`allow: true`, applied where their `where` selects) and --allow patterns exempt text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator

from exporter.aws import PARTITION, REGION_NAMED, escape_pointer
from exporter.errors import UserError
from exporter.model import Finding, literal
from exporter.resolve import SUB_VAR
from exporter.rules import Rule, find_all, find_matches

if TYPE_CHECKING:
    from exporter.io.load import Document

HOLE = "\x00"  # stands for a value an intrinsic supplies: a separator for every check below
REGION = REGION_NAMED
# kind -> pattern; group 1 is the literal reported. Checked on text, so they see inside VTL and URLs.
CHECKS: list[tuple[str, re.Pattern]] = [
    ("partition", re.compile(r"\barn:(" + PARTITION + r"):")),
    # 12 digits standing alone: ARN account fields, SQS URL paths, ECR hosts, bucket names, VTL.
    ("account", re.compile(r"(?<![0-9A-Za-z.])([0-9]{12})(?![0-9A-Za-z]|\.[0-9])")),
    ("region", re.compile(r"(?<![A-Za-z0-9])(" + REGION + r")(?![A-Za-z0-9])")),  # inside names too: orders-us-east-1-dev
    ("api-id", re.compile(r"(?<![A-Za-z0-9])([a-z0-9]{10})\.execute-api\.")),
    ("api-id", re.compile(r"\bexecute-api:[^:\s]*:[^:\s]*:([a-z0-9]{10})(?=/|$)")),
    ("vpc-endpoint-id", re.compile(r"(?<![A-Za-z0-9-])(vpce-[0-9a-f]{8,17})(?![A-Za-z0-9])")),
    ("user-pool-id", re.compile(r"(?<![A-Za-z0-9-])(" + REGION + r"_[A-Za-z0-9]{6,})")),
]


@dataclass(frozen=True)
class Kind:
    """What one kind of finding is, said once for every report that names it (text, SARIF rules,
    the cfn-lint rule pack)."""

    title: str
    help: str
    cfn_lint_id: str  # W9xxx: a warning in cfn-lint's numbering, outside its own ranges


KINDS: dict[str, Kind] = {
    "account": Kind("Hardcoded AWS account id",
                    "An account id is written literally. The stack's own account is ${AWS::AccountId} (in Fn::Sub) or "
                    "{\"Ref\": \"AWS::AccountId\"}; another account's id belongs in a template parameter, so each "
                    "environment can pass its own. `export-to-cfn convert` rewrites the home account for you.", "W9101"),
    "region": Kind("Hardcoded AWS region",
                   "A region code is written literally. The stack's own region is ${AWS::Region}; a resource in another "
                   "region belongs in a parameter. A template with a fixed region cannot be deployed anywhere else.", "W9102"),
    "partition": Kind("Hardcoded ARN partition",
                      "`arn:aws:` fixes the partition, so the template fails in AWS China (aws-cn) and GovCloud "
                      "(aws-us-gov). Write arn:${AWS::Partition}: instead.", "W9103"),
    "api-id": Kind("Hardcoded API Gateway API id",
                   "A REST API id (`<id>.execute-api.` or an execute-api ARN) is written literally; every new stack gets a "
                   "new id. Ref the RestApi from other resources, or pass the id as a parameter.", "W9104"),
    "vpc-link-id": Kind("Hardcoded VPC link id",
                        "An integration's connectionId names one VPC link of one account. Pass it as a template parameter "
                        "(or a stage variable: ${stageVariables.vpcLinkId}).", "W9105"),
    "vpc-endpoint-id": Kind("Hardcoded VPC endpoint id",
                            "A vpce- id is written literally (a private API's endpoint or policy). Pass it as a template "
                            "parameter.", "W9106"),
    "user-pool-id": Kind("Hardcoded Cognito user pool id",
                         "A user pool id (<region>_<id>) is written literally. Pass the pool's ARN or id as a parameter "
                         "(Amplify: the auth resource's output), or GetAtt the pool when the stack owns it.", "W9107"),
    "env-suffix": Kind("Environment name in a resource name",
                       "A name carries the environment (HelloStep-dev), so another environment would call this one's "
                       "resources. Write ${env} (Amplify's env parameter) in its place.", "W9108"),
    "env-prefix": Kind("Environment name leading a resource name",
                       "A name starts with the environment (dev-churn-model), so another environment would call this "
                       "one's resources. Write ${env} in its place, or bind the name to a parameter (--bind).", "W9109"),
}

# An integration's connectionId is a VPC link id unless it is a stage variable.
CONNECTION_ID = ("connectionId", "ConnectionId")
VPC_LINK_ID = re.compile(r"^([a-z0-9]{5,12})$")
# Where a template keeps an API definition: allow rules' `where` is written against the Body.
BODY_AT = re.compile(r"^/Resources/[^/]+/Properties/(?:Body|DefinitionBody)(?=/|$)")
# Template parameters are the place per-environment values belong (their defaults are inputs).
SKIPPED = re.compile(r"^/Parameters(?:/|$)")


def _sub_literal(m: re.Match) -> str:
    return "${" + m.group(1)[1:] + "}" if m.group(1).startswith("!") else HOLE


def _is_scalar_intrinsic(node: Any) -> bool:
    return isinstance(node, dict) and len(node) == 1 and next(iter(node)) in ("Ref", "Fn::GetAtt", "Fn::ImportValue", "Fn::Select", "Fn::FindInMap")


def _masked(text: str, spans: Iterator[re.Match]) -> str:
    for m in spans:
        if m.end() > m.start():
            text = text[: m.start()] + HOLE * (m.end() - m.start()) + text[m.end() :]
    return text


def env_checks(envs: list[str]) -> list[tuple[str, re.Pattern]]:
    """Names joined to an environment name by - or _: as a suffix (HelloStep-dev) or a prefix (dev-churn-model)."""
    if not envs:
        return []
    names = "|".join(re.escape(e) for e in sorted(set(envs), key=len, reverse=True))
    return [("env-suffix", re.compile(r"(?<=[A-Za-z0-9][-_])(" + names + r")(?![A-Za-z0-9])")),
            ("env-prefix", re.compile(r"(?<![A-Za-z0-9])(" + names + r")(?=[-_][A-Za-z0-9])"))]


def scan(node: Any, *, env: str | list[str] | None = None, allow: list[re.Pattern] | None = None,
         rules: list[Rule] | None = None, base: str = "") -> list[Finding]:
    """Every environment-specific literal in `node`. `env`: the environment, or every environment of
    the project (a name carrying any of them is bound to one). `allow` patterns exempt text
    everywhere; allow rules (rule.allow) exempt what they match where their `where` selects."""
    found: list[Finding] = []
    envs = [env] if isinstance(env, str) else [e for e in env or [] if e]
    checks = CHECKS + env_checks(envs)
    allow_rules = [(r, r.compile_match(envs[0] if envs else None)) for r in rules or [] if r.allow]
    allow_rules = [(r, rx) for r, rx in allow_rules if rx is not None]  # (None: needs an env there is none of)
    # Exports repeat the same strings thousands of times: each distinct (text, the allow rules that
    # apply where it stands, whether it is a connectionId) is scanned once. The result is a function
    # of exactly those, so every string is still checked, just not twice the same way.
    results: dict[tuple, list[tuple[str, str]]] = {}
    touched: dict[str, bool] = {}  # text -> some allow rule matches it as it stands
    # Built-in allow rules (plain `re`: no time limit, no budget) may be tried on any text; a user's
    # rule or an --allow pattern runs only where it applies, exactly as before.
    shortcut = not allow and all(isinstance(rx, re.Pattern) for _, rx in allow_rules)
    # the usual text: no allow rule matches it and it is no connectionId, so its findings are a
    # function of the text alone (text -> them; None: not such a text)
    plain: dict[str, list[tuple[str, str]] | None] = {}
    path: list[str] = []  # the escaped segments below `base` of the node being walked

    def pointer(last: str | None) -> str:
        # built only where a pointer is needed (a finding, an allow rule's `where`): most strings need none
        return base + "".join("/" + seg for seg in path) + ("/" + last if last is not None else "")

    def text_at(text: str, last: str | None) -> None:
        vpc_link = last in CONNECTION_ID if last is not None else base.endswith(("/connectionId", "/ConnectionId"))
        hits = plain.get(text, False)
        if hits is not None and hits is not False and not vpc_link:
            if hits:
                where = pointer(last)
                found.extend(literal(where, value, kind, text) for kind, value in hits)
            return
        where = pointer(last)
        applicable: tuple[int, ...] = ()
        if allow_rules:
            hit = touched.get(text) if shortcut else True
            if hit is None:
                hit = touched[text] = any(rx.search(text) is not None for _, rx in allow_rules)
            if hit:  # (when no allow rule matches the text, masking leaves it as it is wherever it stands)
                in_body = BODY_AT.sub("", where)
                applicable = tuple(i for i, (rule, _) in enumerate(allow_rules)
                                   if rule.applies_at(where) or rule.applies_at(in_body))
        key = (text, applicable, vpc_link)
        hits = results.get(key)
        if hits is None:
            hits = results[key] = _scan_text(text, [allow_rules[i] for i in applicable], allow, checks, vpc_link)
        if text not in plain:
            touched_here = allow_rules and (touched.get(text) if shortcut else True)
            plain[text] = hits if not touched_here and not vpc_link else None
        found.extend(literal(where, value, kind, text) for kind, value in hits)

    def walk(node: Any, skip: str | None = None) -> None:
        """Every string that reaches the deployed value verbatim, checked where it stands, in document order.
        In Fn::Sub and Fn::Join, what an intrinsic supplies is HOLE, so `arn:${AWS::Partition}:iam::123456789012:`
        is checked as `arn:\\0:iam::123456789012:` and the account is still seen; ${!X} reads as ${X}."""
        if isinstance(node, list):
            for i, v in enumerate(node):
                if type(v) is str or isinstance(v, str):
                    if v:
                        text_at(v, str(i))
                elif isinstance(v, (dict, list)):
                    path.append(str(i))
                    walk(v)
                    path.pop()
            return
        if not isinstance(node, dict):
            return
        if len(node) == 1 and skip is None:
            ((key, arg),) = node.items()
            if key in ("Ref", "Condition") and isinstance(arg, str) or key in ("Fn::GetAtt", "Fn::ImportValue"):
                return  # (a policy's {"Condition": {...}} is data, not the Condition function)
            if key == "Fn::Sub":
                text = arg[0] if isinstance(arg, list) and arg else arg
                if isinstance(text, str) and text:
                    literal_text = subs.get(text)
                    if literal_text is None:
                        literal_text = subs[text] = SUB_VAR.sub(_sub_literal, text)
                    if literal_text:
                        text_at(literal_text, "Fn::Sub")
                if isinstance(arg, list) and len(arg) > 1:
                    path.append("Fn::Sub")
                    walk([None, arg[1]])  # (its index: the values are at /Fn::Sub/1)
                    path.pop()
                return
            if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
                sep = arg[0] if isinstance(arg[0], str) else HOLE
                path.append("Fn::Join")
                if all(isinstance(p, str) or _is_scalar_intrinsic(p) for p in arg[1]):
                    # pieces are one string once joined: an ARN cut at its colons is still an ARN
                    joined = sep.join(p if isinstance(p, str) else HOLE for p in arg[1])
                    if joined:
                        text_at(joined, "1")
                else:
                    path.append("1")
                    walk(arg[1])
                    path.pop()
                path.pop()
                return
        for k, v in node.items():
            if k == skip:
                continue
            if type(v) is str or isinstance(v, str):
                if v:
                    k = str(k)
                    text_at(v, escape_pointer(k) if "~" in k or "/" in k else k)
            elif isinstance(v, (dict, list)):
                k = str(k)
                path.append(escape_pointer(k) if "~" in k or "/" in k else k)
                walk(v)
                path.pop()

    subs: dict[str, str] = {}  # Fn::Sub text -> its literal text, for texts met before
    if SKIPPED.match(base):
        return found  # template parameters are the place per-environment values belong
    if isinstance(node, str):
        if node:
            text_at(node, None)
    else:
        walk(node, "Parameters" if not base and isinstance(node, dict) and "Parameters" in node else None)  # (their defaults are inputs)
    return found


def _scan_text(text: str, allow_rules: list[tuple[Rule, Any]], allow: list[re.Pattern] | None,
               checks: list[tuple[str, re.Pattern]], vpc_link: bool) -> list[tuple[str, str]]:
    """(kind, value) of every finding in one literal text, allow rules and --allow patterns masked out."""
    clean = text
    for rx in allow or []:
        clean = _masked(clean, find_all(f"--allow {rx.pattern!r}: the pattern", None, rx, clean))
    for rule, rx in allow_rules:
        clean = _masked(clean, list(find_matches(rule, rx, clean)))  # the time limit convert applies
    hits: list[tuple[int, int, str, str]] = []
    for kind, rx in checks:
        hits += [(m.start(1), m.end(1), kind, m.group(1)) for m in rx.finditer(clean)]
    if vpc_link and (m := VPC_LINK_ID.match(clean)):
        hits.append((0, m.end(1), "vpc-link-id", m.group(1)))
    # a region inside a user pool id is one finding, not two
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    end = -1
    seen = set()
    out = []
    for start, stop, kind, value in hits:
        if stop <= end or (kind, value) in seen:  # inside a longer finding, or said already for this string
            continue
        end = max(end, stop)
        seen.add((kind, value))
        out.append((kind, value))
    return out


# ---------------------------------------------------------------------------------------------
# The audit command: files in, findings out.


@dataclass
class AuditReport:
    findings: list[Finding] = field(default_factory=list)
    errors: list[UserError] = field(default_factory=list)
    files: int = 0


def compile_allow(patterns: list[str]) -> list[Any]:
    """--allow patterns, held to the rule files' standard: parsed, refused when they could backtrack
    catastrophically (`(a+)+$`), and run on `regex` with the same per-match time limit."""
    from exporter.rules import check_pattern
    from exporter.rules.patterns import compile_untrusted

    out = []
    for p in patterns:
        try:
            re.compile(p)
        except re.error as e:
            raise UserError(f"--allow {p!r}: invalid regular expression: {e}") from None
        problem = check_pattern(p)
        if problem:
            raise UserError(f"--allow {p!r}: {problem}")
        out.append(compile_untrusted(p))
    return out


def audit_document(doc: Any, *, env: str | list[str] | None, allow: list[re.Pattern], rules: list[Rule]) -> list[Finding]:
    """Findings in one loaded file, each with its file and (when the text has positions) line."""
    from exporter.io.load import export_version, is_template, refuse_shape
    from exporter.io.locate import line_finder

    data = doc.data
    if not isinstance(data, dict):
        raise UserError(f"expected a CloudFormation template or an API Gateway export (a mapping), got a {type(data).__name__}", file=doc.path)
    if not is_template(data) and not export_version(data):
        raise UserError("neither a CloudFormation template (no 'Resources') nor an OpenAPI/Swagger document "
                        "(no 'openapi: 3.x' or 'swagger: 2.0')", file=doc.path)
    refuse_shape(doc, doc.bad_intrinsic)  # the scan reads the literal text of Fn::Sub and Fn::Join
    found = scan(data, env=env, allow=allow, rules=rules)
    if found:
        line_of = line_finder(doc)
        for f in found:
            f.file, f.line = doc.path, line_of(f.pointer)
    return found


def audit_documents(docs: list[Document | UserError], *, env: str | list[str] | None = None, allow: list[str] | None = None,
                    rules: list[Rule] | None = None) -> AuditReport:
    """Audit every loaded document; a file that did not load (its UserError) is an error of its own and
    the others are still audited."""
    patterns = compile_allow(allow or [])
    report = AuditReport()
    for doc in docs:
        if isinstance(doc, UserError):
            report.errors.append(doc)
            continue
        try:
            report.findings += audit_document(doc, env=env, allow=patterns, rules=rules or [])
            report.files += 1
        except UserError as e:
            report.errors.append(e)
    return report
