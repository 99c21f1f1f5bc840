"""Amplify projects, on the facts exporter.io.project read from disk: where the project is, which env/account/region it deploys to, and the
outputs of every other resource, so that a literal in the export can become the parameter Amplify
already passes to the API stack (output `O` of resource `R` in category `C` arrives as `CRO`).

Outputs come from amplify-meta.json when it has them (what was deployed); otherwise the resource's
own CloudFormation template is evaluated with exporter.resolve, with what `Ref`/`GetAtt` return per
resource type. Values that depend on something CloudFormation invents (a user pool id, a generated
name) stay unknown: they are never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from typing import TYPE_CHECKING

from exporter.errors import UserError
from exporter.resolve import Unresolved, resolve
from exporter.aws import url_suffix

if TYPE_CHECKING:
    from exporter.io.load import Document

STACK_ARN = re.compile(r"^arn:(aws[a-z-]*):cloudformation:([a-z0-9-]+):([0-9]{12}):stack/")
# Parameters Amplify passes every stack; never reported as unreferenced, never pruned.
AMPLIFY_OWN_PARAMS = {"env", "authRoleName", "unauthRoleName", "AuthRoleName", "UnauthRoleName"}

# What Ref and GetAtt return, per resource type: (name property, Ref attribute, {attribute: format}).
# Formats use {p} partition, {r} region, {a} account, {u} URL suffix, {n} the resource's name,
# {path} an IAM path. Types not listed (user pools, APIs, secrets) return ids CloudFormation invents.
RESOURCE_TYPES: dict[str, tuple[str, str, dict[str, str]]] = {
    "AWS::StepFunctions::StateMachine": ("StateMachineName", "Arn", {"Arn": "arn:{p}:states:{r}:{a}:stateMachine:{n}", "Name": "{n}"}),
    "AWS::IAM::Role": ("RoleName", "Name", {"Name": "{n}", "Arn": "arn:{p}:iam::{a}:role{path}{n}"}),
    "AWS::IAM::ManagedPolicy": ("ManagedPolicyName", "Arn", {"Arn": "arn:{p}:iam::{a}:policy{path}{n}"}),
    "AWS::Lambda::Function": ("FunctionName", "Name", {"Name": "{n}", "Arn": "arn:{p}:lambda:{r}:{a}:function:{n}"}),
    "AWS::SQS::Queue": ("QueueName", "QueueUrl", {"QueueUrl": "https://sqs.{r}.{u}/{a}/{n}", "Arn": "arn:{p}:sqs:{r}:{a}:{n}", "QueueName": "{n}"}),
    "AWS::SNS::Topic": ("TopicName", "TopicArn", {"TopicArn": "arn:{p}:sns:{r}:{a}:{n}", "TopicName": "{n}"}),
    "AWS::DynamoDB::Table": ("TableName", "Name", {"Name": "{n}", "Arn": "arn:{p}:dynamodb:{r}:{a}:table/{n}"}),
    "AWS::S3::Bucket": ("BucketName", "Name", {"Name": "{n}", "Arn": "arn:{p}:s3:::{n}", "DomainName": "{n}.s3.{u}", "RegionalDomainName": "{n}.s3.{r}.{u}"}),
    "AWS::Kinesis::Stream": ("Name", "Name", {"Name": "{n}", "Arn": "arn:{p}:kinesis:{r}:{a}:stream/{n}"}),
    "AWS::KinesisFirehose::DeliveryStream": ("DeliveryStreamName", "Name", {"Name": "{n}", "Arn": "arn:{p}:firehose:{r}:{a}:deliverystream/{n}"}),
    "AWS::Events::EventBus": ("Name", "Name", {"Name": "{n}", "Arn": "arn:{p}:events:{r}:{a}:event-bus/{n}"}),
    "AWS::Logs::LogGroup": ("LogGroupName", "Name", {"Name": "{n}", "Arn": "arn:{p}:logs:{r}:{a}:log-group:{n}:*"}),
}


@dataclass
class Output:
    category: str
    resource: str
    name: str
    value: str
    source: str  # "amplify-meta.json" or the template it was evaluated from

    @property
    def param(self) -> str:
        return f"{self.category}{self.resource}{self.name}"


def known(fact: Any) -> Any:
    """A fact io read ahead of need: its value, or the error reading it gave (raised only when needed)."""
    if isinstance(fact, UserError):
        raise fact
    return fact


@dataclass
class Stack:
    """Another resource's own CloudFormation stack, as exporter.io.project read it."""

    path: Path | None  # its template; None: none found
    template: Any = None  # plain data, or the UserError reading it gave
    params: list[Any] = field(default_factory=list)  # parameters.json, function-parameters.json, build/parameters.json that exist: data or UserError
    error: Any = None  # a UserError for a resource name that is a path (raised when the evaluation reaches it)


@dataclass
class Project:
    """An Amplify project around the API template being converted."""

    amplify: Path  # the amplify/ folder
    api: str  # the resource holding the RestApi: api/<api> (or, say, custom/<api> for a hand-made stack)
    api_dir: Path
    layout: str  # "classic" (template edited in place) or "cli7" (build/ regenerated from cli-inputs.json)
    backend_config: Document
    api_params: Document | None = None
    team_provider: Document | None = None
    meta: dict | None = None
    env: str | None = None
    env_source: str | None = None
    account: str | None = None
    region: str | None = None
    partition: str | None = None
    home_source: str | None = None
    outputs: list[Output] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # "category/resource: why" for outputs left unknown
    category: str = "api"
    local_env: str | None = None  # the env checked out here (amplify/.config/local-env-info.json)
    stacks: dict[tuple[str, str], Stack] = field(default_factory=dict)  # (category, name) -> stack, for outputs amplify-meta.json lacks
    parameters_json: Any = None  # api_dir/parameters.json: a Document, the UserError reading it gave, or None (no file)
    override_text: Any = None  # api_dir/override.ts (CLI >= 7): its text, the UserError reading it gave, or None (no file)
    has_package_json: bool = False  # api_dir/package.json exists (written by `amplify override api`)
    texts: dict[Path, Any] = field(default_factory=dict)  # current text (or the UserError reading it) of each project file the wiring may write

    @property
    def ref(self) -> str:
        return f"{self.category}/{self.api}"

    def is_self(self, category: str, name: str) -> bool:
        return category == self.category and name == self.api

    @property
    def backend(self) -> Path:
        return self.amplify / "backend"

    def resources(self) -> Iterator[tuple[str, str, dict]]:
        for category, entries in (self.backend_config.data or {}).items():
            if isinstance(entries, dict):
                for name, entry in entries.items():
                    if isinstance(entry, dict):
                        self.folder(category, name)  # refuses a name that is a path (../../outside)
                        yield category, name, entry

    def folder(self, category: str, name: str) -> Path:
        """amplify/backend/<category>/<name>, for names Amplify itself accepts: letters, digits, '-' and
        '_'. A name such as `../../outside` (in backend-config.json or a dependsOn entry) would read and
        evaluate files outside the project and write the name into the template: refused."""
        return resource_folder(self.amplify, category, name, str(self.backend / "backend-config.json"))

    def api_entry(self) -> dict:
        return ((self.backend_config.data.get(self.category) or {}).get(self.api)) or {}


RESOURCE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def resource_folder(amplify: Path, category: Any, name: Any, source: str) -> Path:
    for what, value in (("category", category), ("resource name", name)):
        if not isinstance(value, str) or not RESOURCE_NAME.fullmatch(value):
            shown = value if not isinstance(value, str) or len(value) <= 60 else value[:57] + "..."
            raise UserError(f"{what} {shown!r} is not an Amplify {what} (letters, digits, '-' and '_'); refusing a path "
                            "that could lead outside the project", file=source)
    return amplify / "backend" / category / name


def meta_is_current(project: Project) -> bool:
    """amplify-meta.json describes the locally checked-out env; it says nothing about another one."""
    return project.meta is not None and (project.env is None or project.local_env in (None, project.env))


def meta_outputs(project: Project, category: str, name: str) -> dict[str, tuple[str, str]]:
    """A resource's outputs as amplify-meta.json records them (when it describes this env): name -> (value, source)."""
    if not meta_is_current(project):
        return {}
    out = (((project.meta.get(category) or {}).get(name)) or {}).get("output") or {}
    return {k: (v, "amplify-meta.json") for k, v in out.items() if isinstance(v, str) and v}


def find_home(project: Project) -> None:
    sources = []
    if meta_is_current(project):
        sources.append(((project.meta.get("providers") or {}).get("awscloudformation") or {}, "amplify-meta.json"))
    if project.team_provider is not None and project.env:
        env_info = (project.team_provider.data or {}).get(project.env) or {}
        sources.append((env_info.get("awscloudformation") or {}, "team-provider-info.json"))
    for provider, source in sources:
        m = STACK_ARN.match(str(provider.get("StackId") or ""))
        if m:
            project.partition, project.region, project.account = m.group(1), m.group(2), m.group(3)
            project.region = provider.get("Region") or project.region
            project.home_source = source
            return
        if provider.get("Region"):
            project.region, project.home_source = provider["Region"], source
            return


# ---------------------------------------------------------------------------------------------
# Outputs of every other resource


def find_outputs(project: Project, account: str | None, region: str | None, partition: str, env: str | None) -> None:
    """Fill project.outputs (and project.unknown) for every resource but the API itself."""
    project.outputs, project.unknown = [], []
    evaluator = _Evaluator(project, {"account": account, "region": region, "partition": partition, "env": env})
    for category, name, _entry in project.resources():
        if project.is_self(category, name):
            continue
        outputs = evaluator.outputs(category, name)
        project.outputs += [Output(category, name, k, v, src) for k, (v, src) in outputs.items()]


class _Evaluator:
    def __init__(self, project: Project, home: dict):
        self.project = project
        self.home = home
        self.memo: dict[tuple[str, str], dict[str, tuple[str, str]]] = {}
        self.active: set[tuple[str, str]] = set()

    def outputs(self, category: str, name: str) -> dict[str, tuple[str, str]]:
        key = (category, name)
        if key in self.memo:
            return self.memo[key]
        if key in self.active:  # a dependency cycle: Amplify would refuse it too
            return {}
        self.active.add(key)
        try:
            result = self._meta_outputs(category, name) or self._template_outputs(category, name)
        finally:
            self.active.discard(key)
        self.memo[key] = result
        return result

    def _meta_outputs(self, category: str, name: str) -> dict[str, tuple[str, str]]:
        return meta_outputs(self.project, category, name)

    def _template_outputs(self, category: str, name: str) -> dict[str, tuple[str, str]]:
        stack = self.project.stacks.get((category, name))
        if stack is None:  # not read ahead: only names io/project refused reach here that way
            self.project.folder(category, name)
        elif stack.error is not None:
            raise stack.error
        path = stack.path if stack is not None else None
        if path is None:
            self.project.unknown.append(f"{category}/{name}: no amplify-meta.json output and no CloudFormation template found")
            return {}
        template = known(stack.template)
        if not isinstance(template, dict):
            return {}
        values = _TemplateValues(template, self._parameters(stack, category, name, template), self.home)
        result = {}
        rel = str(path.relative_to(self.project.amplify.parent))
        for out_name, out in (template.get("Outputs") or {}).items():
            if not isinstance(out, dict) or "Value" not in out:
                continue
            try:
                if "Condition" in out and not resolve({"Condition": out["Condition"]}, values, template):
                    continue
                value = resolve(out["Value"], values, template)
            except (Unresolved, KeyError, TypeError, ValueError, IndexError) as e:
                self.project.unknown.append(f"{category}/{name} output {out_name}: depends on {e} (unknown before deployment)")
                continue
            if isinstance(value, str) and value:
                result[out_name] = (value, rel)
        return result

    def _parameters(self, stack: Stack, category: str, name: str, template: dict) -> dict[str, Any]:
        """What Amplify passes this resource's stack: defaults, parameters.json, per-env values, dependsOn outputs."""
        project, home = self.project, self.home
        params: dict[str, Any] = {}
        for pname, decl in (template.get("Parameters") or {}).items():
            if isinstance(decl, dict) and isinstance(decl.get("Default"), (str, int, float)):
                params[pname] = str(decl["Default"])
        for fact in stack.params:
            data = known(fact)
            if isinstance(data, dict):
                params.update({k: str(v) for k, v in data.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)})
        if project.team_provider is not None and home["env"]:
            per_env = ((((project.team_provider.data or {}).get(home["env"]) or {}).get("categories") or {}).get(category) or {}).get(name) or {}
            params.update({k: str(v) for k, v in per_env.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)})
        provider = ((project.meta or {}).get("providers") or {}).get("awscloudformation") or {} if meta_is_current(project) else {}
        for pname, key in (("authRoleName", "AuthRoleName"), ("unauthRoleName", "UnauthRoleName")):
            if provider.get(key):
                params[pname] = provider[key]
        entry = ((project.backend_config.data.get(category) or {}).get(name)) or {}
        for dep in entry.get("dependsOn") or []:
            if not isinstance(dep, dict):
                continue
            outs = self.outputs(dep.get("category", ""), dep.get("resourceName", ""))
            for attr in dep.get("attributes") or []:
                if attr in outs:
                    params[f"{dep['category']}{dep['resourceName']}{attr}"] = outs[attr][0]
        if home["env"]:
            params["env"] = home["env"]
        return params


class _TemplateValues(Mapping):
    """The values map exporter.resolve reads: parameters, pseudo parameters, and each resource's
    Ref/GetAtt computed on demand from its type and name (a missing name raises Unresolved)."""

    def __init__(self, template: dict, params: dict[str, Any], home: dict):
        p = home["partition"] or "aws"
        self.fmt = {"p": p, "r": home["region"], "a": home["account"], "u": url_suffix(p)}
        self.base: dict[str, Any] = {"AWS::Partition": p, "AWS::URLSuffix": self.fmt["u"], "AWS::NoValue": None}
        if home["region"]:
            self.base["AWS::Region"] = home["region"]
        if home["account"]:
            self.base["AWS::AccountId"] = home["account"]
        self.base.update(params)
        self.template = template
        self.resources = template.get("Resources") or {}
        self.cache: dict[str, Any] = {}
        self.busy: set[str] = set()

    def __getitem__(self, name: str) -> Any:
        if name in self.base:
            return self.base[name]
        if name in self.cache:
            return self.cache[name]
        if name in self.busy:
            raise Unresolved(f"{name} (circular)")
        self.busy.add(name)
        try:
            value = self._compute(name)
        finally:
            self.busy.discard(name)
        self.cache[name] = value
        return value

    def __contains__(self, name: object) -> bool:
        try:
            self[name]  # type: ignore[index]
            return True
        except (Unresolved, KeyError):
            return False

    def __iter__(self):
        return iter(self.base)

    def __len__(self) -> int:
        return len(self.base)

    def _compute(self, name: str) -> Any:
        logical, _, attr = name.partition(".")
        res = self.resources.get(logical)
        if not isinstance(res, dict):
            raise Unresolved(name)
        spec = RESOURCE_TYPES.get(res.get("Type"))
        if spec is None:
            raise Unresolved(f"{name} ({res.get('Type')} returns an id CloudFormation assigns)")
        name_prop, ref_attr, formats = spec
        attr = attr or ref_attr
        if attr not in formats:
            raise Unresolved(f"{name} (not known before deployment)")
        props = res.get("Properties") or {}
        if name_prop not in props:
            raise Unresolved(f"{name} (no {name_prop}: CloudFormation generates one)")
        if any(v is None for k, v in self.fmt.items() if "{" + k + "}" in formats[attr]):
            raise Unresolved(f"{name} (account or region unknown)")
        n = resolve(props[name_prop], self, self.template)
        path = resolve(props.get("Path", "/"), self, self.template) if "{path}" in formats[attr] else ""
        return formats[attr].format(n=n, path=path, **self.fmt)


# ---------------------------------------------------------------------------------------------
# Bindings: literal value -> the parameter Amplify passes


def bindings(project: Project, pseudo_values: set[str]) -> dict[str, str]:
    """parameter name -> value for every output a literal may be bound to.

    Values that are the home account/region/partition/env are left to the pseudo parameters, and
    short or blank values are skipped (they would match ordinary text). When two outputs share a
    value, the one the API already depends on wins, then the one the template already declares.
    """
    wired = wired_params(project)
    chosen: dict[str, Output] = {}
    for out in sorted(project.outputs, key=lambda o: (o.param not in wired, o.category, o.resource, o.name)):
        v = out.value
        if v in pseudo_values or len(v) < 6 or not re.fullmatch(r"[\x21-\x7e]+", v):
            continue
        chosen.setdefault(v, out)
    return {o.param: v for v, o in chosen.items()}


def wired_params(project: Project) -> set[str]:
    return {f"{d.get('category')}{d.get('resourceName')}{a}" for d in project.api_entry().get("dependsOn") or [] if isinstance(d, dict) for a in d.get("attributes") or []}


def output_of_param(project: Project, param: str) -> Output | None:
    return next((o for o in project.outputs if o.param == param), None)


def split_param(project: Project, param: str) -> tuple[str, str, str] | None:
    """(category, resource, attribute) for a parameter named the Amplify way after a known resource."""
    out = output_of_param(project, param)
    if out is not None:
        return out.category, out.resource, out.name
    for category, name, _ in project.resources():
        prefix = f"{category}{name}"
        if param.startswith(prefix) and len(param) > len(prefix) and not project.is_self(category, name):
            return category, name, param[len(prefix):]
    return None


def generation(template: dict) -> str:
    """Which Amplify CLI generation wrote this API template (as seen in the 2019-2023 corpus)."""
    desc = str(template.get("Description") or "")
    resources = {k: r for k, r in (template.get("Resources") or {}).items() if isinstance(r, dict)}
    types = {r.get("Type") for r in resources.values()}
    params = template.get("Parameters") or {}
    if desc == "API Gateway Resource for AWS Amplify CLI" or "AWS::ApiGateway::GatewayResponse" in types:
        return "Amplify CLI >= 7 (CDK-generated build/ template)"
    if not desc.startswith("API Gateway resource stack creation using Amplify CLI"):
        return "not an Amplify-generated REST API template"
    deployments = [k for k, r in resources.items() if r.get("Type") == "AWS::ApiGateway::Deployment"]
    if "authRoleName" not in params:
        return "Amplify CLI 2021-era (no auth/unauth role parameters)"
    if any(re.search(r"[0-9a-f]{8}$", d) for d in deployments):
        return "Amplify CLI 2020-era (hashed Deployment id)"
    if "ApiId" in (template.get("Outputs") or {}):
        return "Amplify CLI 2020-era (ApiId output)"
    return "Amplify CLI 2019-era (outputs RootUrl/ApiName, auth role policies)"
