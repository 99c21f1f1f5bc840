"""What the export's "home" is: the account, region and partition most of its ARNs use, its own API
id and stage. Explicit flags win; other accounts/regions found here stay literal and are reported."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterator

from exporter.aws import ACCOUNT, PARTITION, REGION, URL_SUFFIX_PATTERN

ARN = re.compile(rf"arn:({PARTITION}):([a-z0-9.-]+):({REGION})?:({ACCOUNT})?")
HOST = re.compile(rf"^([a-z0-9]{{10}})\.execute-api\.({REGION})\.{URL_SUFFIX_PATTERN}$")
SERVER_URL = re.compile(rf"^https://([a-z0-9]{{10}})\.execute-api\.([a-z0-9-]+)\.{URL_SUFFIX_PATTERN}(?:/\{{basePath\}}|/([^/{{}}]+))?/?$")


@dataclass
class Home:
    account: str | None = None
    region: str | None = None
    partition: str = "aws"
    api_id: str | None = None
    stage: str | None = None
    accounts: Counter = field(default_factory=Counter)
    regions: Counter = field(default_factory=Counter)


def strings(node: Any) -> Iterator[str]:
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, str):
            yield n
        elif isinstance(n, dict):
            stack.extend(n.values())
        elif isinstance(n, list):
            stack.extend(n)


def dig(node: Any, *keys: str) -> Any:
    """node[k1][k2]... or None when a step is missing or is not a mapping (exports come in all shapes)."""
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def infer_home(export: dict, text: str | None = None) -> Home:
    """`text`: the export's JSON text, when it has one; one regex pass over it finds the same ARNs
    as a walk of every string, several times faster. An escape breaks a match in the text as the
    character it stands for breaks it in the string, except \\u and \\/ (which may stand for
    ARN characters): with either, the strings are walked."""
    home = Home()
    partitions: Counter = Counter()
    if text is not None and "\\u" not in text and "\\/" not in text:
        sources: Any = [text]
    else:
        sources = strings({k: v for k, v in export.items() if k not in ("info",)})
    for s in sources:
        if "arn:" not in s:
            continue
        for m in ARN.finditer(s):
            partitions[m.group(1)] += 1
            if m.group(3):
                home.regions[m.group(3)] += 1
            if m.group(4):
                home.accounts[m.group(4)] += 1
    own_region = None  # the API's own host: it wins a tie between the ARNs' regions
    host = export.get("host")
    if isinstance(host, str) and (m := HOST.match(host)):
        home.api_id = m.group(1)
        home.regions[m.group(2)] += 1
        own_region = m.group(2)
    base = export.get("basePath")
    if isinstance(base, str) and base.strip("/") and "/" not in base.strip("/"):
        home.stage = base.strip("/")
    servers = export.get("servers")
    for server in servers if isinstance(servers, list) else []:
        url = server.get("url") if isinstance(server, dict) else None
        if isinstance(url, str) and (m := SERVER_URL.match(url)):
            home.api_id = home.api_id or m.group(1)
            home.regions[m.group(2)] += 1
            own_region = own_region or m.group(2)
            default = dig(server, "variables", "basePath", "default")
            stage = m.group(3) or (default.strip("/") if isinstance(default, str) else None)
            if stage and "/" not in stage:
                home.stage = home.stage or stage
    if partitions:
        home.partition = partitions.most_common(1)[0][0]
    if home.accounts:
        home.account = home.accounts.most_common(1)[0][0]
    if home.regions:
        best = max(home.regions.values())
        tied = [r for r, n in home.regions.items() if n == best]  # in the order first seen
        home.region = own_region if own_region in tied else tied[0]
    return home


def env_in_use(export: dict, env: str) -> bool:
    """Does any name in the integrations/authorizers carry `env` as a suffix (HelloStep-dev)?"""
    rx = re.compile(r"[A-Za-z0-9][-_]" + re.escape(env) + r"(?![A-Za-z0-9])")
    return any(rx.search(s) for s in strings(export.get("paths") or {}))
