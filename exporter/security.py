"""What a change does to who may call the API: before Body vs after Body -> security findings.

The one place that judges auth. Values are compared as they deploy: both sides are resolved with
the home values first, so a literal that became an intrinsic with the same value is not a
finding, while a role, URI or identity source that really changes is. When a side cannot be
resolved (a parameter with no known value) the two are compared as written.

Findings name a route (`POST /orders`); API-wide ones (resource policy, gateway responses, an
authorizer no route uses) use `*` for method and path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping

from exporter.aws import method_name
from exporter.io.load import operations
from exporter.model import API_WIDE, HIGH, MEDIUM, Finding
from exporter.model import security as security_finding
from exporter.resolve import Unresolved, resolve

POLICY = "x-amazon-apigateway-policy"
AUTHORIZER = "x-amazon-apigateway-authorizer"
AUTHORIZER_FIELDS = {  # field -> how a reviewer reads it; every one of them decides who gets in
    "type": "type",
    "authorizerUri": "URI",
    "identitySource": "identity source",
    "authorizerCredentials": "credentials",
    "providerARNs": "user pools",
    "identityValidationExpression": "identity validation expression",
}
ALLOW_ORIGIN = "Access-Control-Allow-Origin"


class Comparer:
    """Resolve-then-compare, with the fallback to comparing as written."""

    def __init__(self, values: Mapping[str, Any], before_template: Mapping | None, after_template: Mapping | None):
        self.values, self.before_template, self.after_template = values, before_template, after_template

    def _resolved(self, node: Any, template: Mapping | None) -> tuple[bool, Any]:
        try:
            return True, resolve(node, self.values, template)
        except (Unresolved, ValueError, TypeError, KeyError, IndexError):
            return False, node

    def pair(self, before: Any, after: Any) -> tuple[Any, Any]:
        ok_b, b = self._resolved(before, self.before_template)
        ok_a, a = self._resolved(after, self.after_template)
        if ok_b and ok_a:
            return b, a
        return before, after

    def same(self, before: Any, after: Any) -> bool:
        if before == after:
            return True
        b, a = self.pair(before, after)
        if b == a:
            return True
        # names the values lack (another resource's Ref) keep a node unresolved: still the same
        # deployed value when the only change is the partition written as AWS::Partition
        from exporter.portable import with_partition

        partition = self.values.get("AWS::Partition")
        return bool(partition) and with_partition(before, partition) == with_partition(after, partition)


def _show(value: Any) -> str:
    if value is None:
        return "none"
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return text if len(text) <= 200 else text[:60] + "..." + text[-120:]  # an ARN differs at its end


def _schemes(body: Mapping | None) -> dict:
    body = body or {}
    found = dict(body.get("securityDefinitions") or {})
    found.update(((body.get("components") or {}).get("securitySchemes")) or {})
    return {k: v for k, v in found.items() if isinstance(v, dict)}


def _is_api_key(scheme: Mapping | None) -> bool:
    """API Gateway writes `apiKeyRequired` as a requirement on a plain apiKey scheme (x-api-key)."""
    return bool(scheme) and scheme.get("type") == "apiKey" and "x-amazon-apigateway-authtype" not in scheme and AUTHORIZER not in scheme


def _requirement(op: Mapping | None, body: Mapping | None) -> list:
    if op is None:
        return []
    req = op["security"] if "security" in op else (body or {}).get("security")
    return [r for r in (req or []) if isinstance(r, dict)]


def _names(req: list, schemes: Mapping, *, api_key: bool) -> set[str]:
    return {name for r in req for name in r if _is_api_key(schemes.get(name)) == api_key}


def _scopes(req: list, names: set[str]) -> dict[str, list]:
    return {name: sorted(map(str, scopes or [])) for r in req for name, scopes in r.items() if name in names}


def _integration(op: Mapping | None) -> Mapping:
    integ = (op or {}).get("x-amazon-apigateway-integration")
    return integ if isinstance(integ, dict) else {}


def _origins(op: Mapping | None) -> list[Any]:
    """Every Access-Control-Allow-Origin value the method's integration responses set."""
    out = []
    for resp in (_integration(op).get("responses") or {}).values():
        for key, value in ((resp or {}).get("responseParameters") or {}).items() if isinstance(resp, dict) else ():
            if key.lower().endswith("header." + ALLOW_ORIGIN.lower()):
                out.append(value)
    return out


def _widens_origin(before: list, after: list, cmp: Comparer) -> list[str]:
    """The previous origins, when '*' is new in `after`; [] when nothing widened."""
    b = [cmp.pair(x, x)[0] for x in before]
    a = [cmp.pair(x, x)[1] for x in after]
    if any(str(x).strip("'\"") == "*" for x in a) and not any(str(x).strip("'\"") == "*" for x in b):
        return [str(x) for x in b] or ["not set"]
    return []


@dataclass
class _Sides:
    """Both Bodies and their security schemes (securityDefinitions / components.securitySchemes)."""

    before: Mapping | None
    after: Mapping
    before_schemes: dict
    after_schemes: dict


def _route_findings(method: str, path: str, old: dict | None, new: dict, api: _Sides, cmp: Comparer) -> list[Finding]:
    out: list[Finding] = []

    def add(severity: str, message: str) -> None:
        out.append(security_finding(method, path, severity, message))

    before_body, after_body, before_schemes, after_schemes = api.before, api.after, api.before_schemes, api.after_schemes
    new_req = _requirement(new, after_body)
    new_auth = _names(new_req, after_schemes, api_key=False)
    if old is None:
        if not new_auth and not _names(new_req, after_schemes, api_key=True) and method != "OPTIONS":
            add(MEDIUM, "new route with no authorization (no authorizer, IAM or API key)")
        return out
    old_req = _requirement(old, before_body)
    old_auth = _names(old_req, before_schemes, api_key=False)
    if _names(old_req, before_schemes, api_key=True) and not _names(new_req, after_schemes, api_key=True):
        add(HIGH, "apiKeyRequired dropped: the method no longer requires an API key")
    if old_auth and not new_auth:
        add(HIGH, f"loses its authorization ({', '.join(sorted(old_auth))} -> none)")
    elif old_auth != new_auth:
        add(MEDIUM, f"authorization changes ({', '.join(sorted(old_auth)) or 'none'} -> {', '.join(sorted(new_auth))})")
    elif _scopes(old_req, old_auth) != _scopes(new_req, new_auth):
        add(MEDIUM, f"authorization scopes change ({_show(_scopes(old_req, old_auth))} -> {_show(_scopes(new_req, new_auth))})")
    for name in sorted(old_auth & new_auth):
        for field, label in AUTHORIZER_FIELDS.items():
            b = (before_schemes.get(name, {}).get(AUTHORIZER) or {}).get(field)
            a = (after_schemes.get(name, {}).get(AUTHORIZER) or {}).get(field)
            if not cmp.same(b, a):
                rb, ra = cmp.pair(b, a)
                add(HIGH, f"authorizer {name}: {label} changes ({_show(rb)} -> {_show(ra)})")
        if not cmp.same(before_schemes.get(name, {}).get("x-amazon-apigateway-authtype"), after_schemes.get(name, {}).get("x-amazon-apigateway-authtype")):
            add(HIGH, f"authorizer {name}: auth type changes")
    oc, nc = _integration(old).get("credentials"), _integration(new).get("credentials")
    if not cmp.same(oc, nc):
        rb, ra = cmp.pair(oc, nc)
        if oc is None:
            add(MEDIUM, f"integration credentials added: API Gateway now calls the backend as {_show(ra)}")
        elif nc is None:
            add(MEDIUM, f"integration credentials removed (was {_show(rb)})")
        else:
            add(HIGH, f"integration credentials change ({_show(rb)} -> {_show(ra)})")
    was = _widens_origin(_origins(old), _origins(new), cmp)
    if was:
        add(MEDIUM, f"CORS {ALLOW_ORIGIN} widened to '*' (was {', '.join(was)})")
    return out


def _statements(policy: Any) -> list:
    if not isinstance(policy, dict):
        return []
    st = policy.get("Statement") or []
    return st if isinstance(st, list) else [st]


def _policy_findings(before: Any, after: Any, cmp: Comparer) -> list[Finding]:
    def api(severity: str, message: str) -> Finding:
        return security_finding(API_WIDE, API_WIDE, severity, message)

    if cmp.same(before, after):
        return []
    if before is None:
        return [api(MEDIUM, "resource policy added")]
    if after is None:
        return [api(HIGH, "resource policy removed: the API no longer restricts callers by policy")]
    b, a = cmp.pair(before, after)
    old, new = _statements(b), _statements(a)
    why = []
    for st in new:
        if isinstance(st, dict) and st.get("Effect") == "Allow" and st not in old:
            why.append(f"new or changed Allow for principal {_show(st.get('Principal'))} on {_show(st.get('Resource'))}")
    for st in old:
        if isinstance(st, dict) and st.get("Effect") == "Deny" and st not in new:
            why.append(f"Deny on {_show(st.get('Resource'))} removed or changed")
    if why:
        return [api(HIGH, f"resource policy widened: {'; '.join(why)}")]
    return [api(MEDIUM, "resource policy changes (no statement allows more)")]


def _gateway_origins(body: Mapping | None) -> list:
    out = []
    for resp in ((body or {}).get("x-amazon-apigateway-gateway-responses") or {}).values():
        if isinstance(resp, dict):
            for key, value in (resp.get("responseParameters") or {}).items():
                if key.lower().endswith("header." + ALLOW_ORIGIN.lower()):
                    out.append(value)
    return out


def review(before: Mapping | None, after: Mapping, values: Mapping[str, Any], *,
           before_template: Mapping | None = None, after_template: Mapping | None = None) -> list[Finding]:
    """Every security-relevant difference between two Bodies, route by route, then API-wide."""
    cmp = Comparer(values, before_template, after_template)
    api = _Sides(before, after, _schemes(before), _schemes(after))
    old_ops = {(p, k): op for p, k, op in operations(before)}
    out: list[Finding] = []
    used: set[str] = set()
    for path, key, op in operations(after):
        old = old_ops.get((path, key))
        if old is not None and old == op and not _auth_touched(old, op, api):
            continue  # identical and its authorizers unchanged: nothing to judge
        out += _route_findings(method_name(key), path, old, op, api, cmp)
    for path, key, op in operations(after):
        used |= {name for r in _requirement(op, after) for name in r}
    for name in sorted(set(api.before_schemes) & set(api.after_schemes) - used):
        b, a = api.before_schemes[name].get(AUTHORIZER) or {}, api.after_schemes[name].get(AUTHORIZER) or {}
        for field, label in AUTHORIZER_FIELDS.items():
            if not cmp.same(b.get(field), a.get(field)):
                rb, ra = cmp.pair(b.get(field), a.get(field))
                out.append(security_finding(API_WIDE, API_WIDE, HIGH, f"authorizer {name} (no route uses it): {label} changes ({_show(rb)} -> {_show(ra)})"))
    out += _policy_findings((before or {}).get(POLICY), after.get(POLICY), cmp)
    was = _widens_origin(_gateway_origins(before), _gateway_origins(after), cmp) if before is not None else []
    if was:
        out.append(security_finding(API_WIDE, API_WIDE, MEDIUM, f"gateway responses: CORS {ALLOW_ORIGIN} widened to '*' (was {', '.join(was)})"))
    return out


def _auth_touched(old: dict, new: dict, api: _Sides) -> bool:
    """Whether the auth an (unchanged) method relies on changed: its authorizers or the API default."""
    if (api.before or {}).get("security") != api.after.get("security"):
        return True  # an API-wide default requirement changed under it
    names = {name for r in _requirement(new, api.after) for name in r} | {name for r in _requirement(old, api.before) for name in r}
    return any(api.before_schemes.get(n) != api.after_schemes.get(n) for n in names)
