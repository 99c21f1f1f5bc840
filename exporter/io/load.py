"""Exports and templates in: JSON or YAML, loaded safely, checked for the kind of document they are.

JSON goes through the json module (fast, exact); YAML through ruamel.yaml's safe loader with the
CloudFormation short-form tags (`!Ref`, `!Sub`, ...) mapped to their long form. No tag can build a
Python object, and aliases are counted as expanded so an alias bomb is refused instead of walked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from exporter.aws import METHODS
from exporter.errors import Refused, UserError
from exporter.io.locate import line_finder
from exporter.io.yaml import json_keys, load_all_safe, yaml_locator
from exporter.shapes import INTRINSIC_SHAPES, TooDeep, body_problem, float_problem, kind_of, template_problem, walk_tree

MAX_BYTES = 64 * 1024 * 1024  # far above any real export or template (CloudFormation caps at 1 MB)
MAX_NODES = 2_000_000  # expanded node count; an alias bomb blows past this long before memory does
# Nesting levels of a file read. Real exports and templates stay under 15 (the corpus: 14), and every
# stage must walk it, the recursive ones included: ruamel's round-trip loader, which the YAML writer
# runs on a template, takes 4 Python frames per level (at 256 a 240-deep template hit Python's
# recursion limit, exit 123). tests/test_bad_input.py runs every command just under and over it.
MAX_DEPTH = 128
# What the tool writes may nest deeper than what it read: an export's Body sits 4 levels down a
# template, and a string rewritten as {"Fn::Join": ["", [..., {"Ref": ...}]]} gains 4 more. So an
# export may nest 16 levels less than a template (what convert writes from it, the tool reads again),
# and the read-back of the output allows 16 more (a template's own literals rewritten at its limit).
EXPORT_DEPTH = MAX_DEPTH - 16
OUTPUT_DEPTH = MAX_DEPTH + 16

def operations(body: Any) -> Iterator[tuple[str, str, dict]]:
    """(path, method key, operation) for every method of a Body or export, in its own order."""
    for path, item in (((body or {}).get("paths") or {}) if isinstance(body, dict) else {}).items():
        if isinstance(item, dict):
            for key, op in item.items():
                if key in METHODS and isinstance(op, dict):
                    yield path, key, op

@dataclass
class Document:
    """A loaded file: its plain data, the text it came from, and the format it was written in."""

    path: str
    data: Any
    text: str
    fmt: str  # "json" | "yaml"
    bom: bool = False  # the file starts with a UTF-8 byte order mark (text holds none); written back as found
    bad_intrinsic: tuple[str, str] | None = None  # (pointer, problem): the first malformed intrinsic, found on load


# Every regular file this command has read, by identity ((device, inode): a hard link or another spelling of
# the name is the same file) -> the name it was read by: the inputs `-o` must never replace
# (exporter.cli.common.refuse_input_as_output). Recorded here, where every byte is read, so no reader can
# be left out; cleared at the start of each command (exporter.cli.output.handled).
FILES_READ: dict[tuple[int, int], str] = {}


def read_bytes(path: str | Path, limit: int | None = None) -> bytes:
    """Every byte read from a named file goes through here: at most `limit` (MAX_BYTES) bytes, and
    only from a regular file or from this process's own stdin (`/dev/stdin`, a pipe or a terminal).
    A FIFO, a device (/dev/zero, /dev/urandom) or a folder is refused without reading or blocking: the
    file is opened non-blocking and looked at (fstat) before a byte is read."""
    import errno
    import os
    import stat as st

    limit = MAX_BYTES if limit is None else limit
    name = str(path)
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise UserError("no such file", file=name) from None
    except PermissionError:
        raise UserError("permission denied", file=name) from None
    except IsADirectoryError:
        raise UserError("is a folder, expected a file", file=name) from None
    except OSError as e:  # name too long, a path through a file (ENOTDIR), a symlink loop, ...
        raise UserError(f"cannot read: {e.strerror or e}", file=name) from None
    try:
        info = os.fstat(fd)
        if st.S_ISDIR(info.st_mode):
            raise UserError("is a folder, expected a file", file=name)
        regular = st.S_ISREG(info.st_mode)
        if not regular and not _is_stdin(info) and not _own_pipe(name, info):
            what = "a FIFO (named pipe)" if st.S_ISFIFO(info.st_mode) else "a device or special file"
            raise UserError(f"is {what}, not a regular file; refusing to read it", file=name)
        if regular and info.st_size > limit:
            raise UserError(f"file is {info.st_size:,} bytes, larger than the {limit:,}-byte limit", file=name)
        if regular:
            FILES_READ.setdefault((info.st_dev, info.st_ino), name)
        if not regular and hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)  # our own stdin: wait for the writer, as any filter does
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:  # a file that grew, or stdin: never more than the cap in memory
                raise UserError(f"more than {limit:,} bytes, larger than the {limit:,}-byte limit", file=name)
        return b"".join(chunks)
    except OSError as e:
        if e.errno == errno.EISDIR:
            raise UserError("is a folder, expected a file", file=name) from None
        raise UserError(f"cannot read: {e.strerror or e}", file=name) from None
    finally:
        os.close(fd)


def present(path: str | Path) -> bool:
    """Whether a file the run would read is there: anything but a folder. A FIFO, a device or a socket
    counts, so read_bytes refuses it by name (exit 2); an is_file() test passed over it in silence and the
    run changed mode (a backend-config.json linked to /dev/zero made the Amplify project a plain template).
    A path that cannot be looked at for another reason (permission denied, a symlink loop) counts too:
    reading it says why."""
    import os
    import stat as st

    try:
        return not st.S_ISDIR(os.stat(path).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        return True


_OWN_FD = re.compile(r"/dev/stdin|/dev/fd/\d+|/proc/self/fd/\d+")


def _own_pipe(name: str, info) -> bool:  # noqa: ANN001 - an os.stat_result
    """A pipe this process was handed (`<(aws apigateway get-export ...)` is /dev/fd/63): read like stdin,
    with the same cap. A named FIFO in the file system, which nobody may ever write to, is not."""
    import stat as st

    return bool(_OWN_FD.fullmatch(name)) and (st.S_ISFIFO(info.st_mode) or st.S_ISSOCK(info.st_mode))


def _is_stdin(info) -> bool:  # noqa: ANN001 - an os.stat_result
    """Whether an open file is the same file as this process's stdin (how `/dev/stdin` reaches us)."""
    import os

    try:
        own = os.fstat(0)
    except OSError:
        return False
    return (own.st_dev, own.st_ino) == (info.st_dev, info.st_ino)


def read_text(path: str | Path, limit: int | None = None) -> str:
    return decode_text(read_bytes(path, limit), str(path))


def decode_text(raw: bytes, name: str) -> str:
    try:
        text = raw.decode("utf-8-sig")  # console downloads on Windows may carry a BOM
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise UserError(f"not UTF-8 text (byte 0x{raw[e.start]:02x} at offset {e.start})", file=name, line=line) from None
    if not text.strip():
        raise UserError("file is empty", file=name)
    return text


def looks_like_json(text: str) -> bool:
    return text.lstrip()[:1] in ("{", "[")


def parse_text(text: str, name: str, *, max_depth: int = MAX_DEPTH) -> tuple[Any, str]:
    """Parse JSON or YAML text into plain data. Returns (data, "json"|"yaml"). `max_depth`:
    OUTPUT_DEPTH when the text is the tool's own output, read back."""
    data, fmt, _ = _parse_checked(text, name, max_depth)
    return data, fmt


def _parse_checked(text: str, name: str, max_depth: int = MAX_DEPTH) -> tuple[Any, str, tuple[str, str] | None]:
    """(data, format, the first malformed intrinsic): the text parsed, its depth and its escapes checked."""
    data, fmt = _parse_text(text, name, max_depth)
    bad = check_depth(data, name, max_depth)  # (YAML's depth was checked as it loaded; the walk also finds intrinsics)
    if "\\u" in text or "\\U" in text:  # an escape may spell half a surrogate pair, which no file can hold
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as e:
            escape = e.object[e.start : e.end].encode("unicode_escape").decode()
            raise UserError(f"invalid {fmt.upper()}: the escape {escape} is half of a UTF-16 surrogate pair, not a character", file=name) from None
    return data, fmt, bad


def _too_deep(name: str, limit: int = MAX_DEPTH) -> UserError:
    return UserError(f"nested more than {limit} levels deep (or YAML aliases form a cycle); refusing: "
                     "no API definition needs that, and every stage would have to walk it", file=name)


def check_depth(data: Any, name: str, max_depth: int = MAX_DEPTH) -> tuple[str, str] | None:
    """Refuse a document nested deeper than `max_depth`; return the first malformed intrinsic (one walk)."""
    try:
        return walk_tree(data, max_depth)
    except TooDeep:
        raise _too_deep(name, max_depth) from None


def _parse_text(text: str, name: str, max_depth: int = MAX_DEPTH) -> tuple[Any, str]:
    if looks_like_json(text):
        try:
            return strict_json(text), "json"
        except Refused as e:
            raise UserError(f"invalid JSON: {e}", file=name) from None
        except json.JSONDecodeError as e:
            raise UserError(f"invalid JSON: {e.msg} (column {e.colno})", file=name, line=e.lineno) from None
        except RecursionError:
            raise UserError("invalid JSON: nested too deeply", file=name) from None
    return _parse_yaml(text, name, max_depth), "yaml"


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    out: dict = {}
    for k, v in pairs:
        if k in out:  # json would keep only the last one: a route or field silently lost
            raise Refused(f"duplicate key {json.dumps(k)} in one object (only one of them would be kept)")
        out[k] = v
    return out


def _no_constant(name: str) -> Any:
    raise Refused(f"{name} is not a JSON value")


def _finite_float(text: str) -> float:
    value = float(text)
    problem = float_problem(text, value)  # 1e999 would be written as Infinity (no JSON), 1e-999 as 0.0
    if problem:
        raise Refused(problem)
    return value


def _bounded_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
        raise Refused(f"an integer of {len(text):,} digits is out of range") from None


def strict_json(text: str) -> Any:
    """JSON as CloudFormation and API Gateway read it: no NaN/Infinity, no out-of-range number, no
    duplicate key. Files are read with it, and so is every JSON text the writer produces (read-back)."""
    return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant,
                      parse_float=_finite_float, parse_int=_bounded_int)


def _parse_yaml(text: str, name: str, max_depth: int = MAX_DEPTH) -> Any:
    docs = load_all_safe(text, name)
    if len(docs) != 1:
        raise UserError(f"expected one YAML document, found {len(docs)}", file=name)
    data = docs[0]
    check_expanded_size(data, name, max_depth)
    try:
        return json_keys(data)
    except Refused as e:
        line = yaml_locator(text)(e.pointer or "")
        raise UserError(f"invalid YAML: {e} at {e.pointer or '/'}", file=name, line=line) from None


def check_expanded_size(data: Any, name: str, max_depth: int = MAX_DEPTH) -> None:
    """Refuse documents whose aliases expand past MAX_NODES (a 'billion laughs' bomb)."""
    memo: dict[int, int] = {}

    def size(node: Any, depth: int) -> int:
        if depth > max_depth:
            raise _too_deep(name, max_depth)
        if not isinstance(node, (dict, list)):
            return 1
        key = id(node)
        if key in memo:
            return memo[key]
        children = node.values() if isinstance(node, dict) else node
        total = 1
        for child in children:
            total += size(child, depth + 1)
            if total > MAX_NODES:
                raise UserError(f"YAML aliases expand to more than {MAX_NODES:,} nodes; refusing (alias bomb?)", file=name)
        memo[key] = total
        return total

    size(data, 0)


def load(path: str | Path, max_depth: int = MAX_DEPTH) -> Document:
    raw = read_bytes(path)  # once: a second read of /dev/stdin would find it drained
    text = decode_text(raw, str(path))
    data, fmt, bad = _parse_checked(text, str(path), max_depth)
    bom = raw.startswith(b"\xef\xbb\xbf")
    return Document(str(path), data, text, fmt, bom, bad)


def load_each(paths: list[Path]) -> list[Document | UserError]:
    """Every file loaded, or the one-line error that file gave (a report goes on with the others)."""
    docs: list[Document | UserError] = []
    for path in paths:
        try:
            docs.append(load(path))
        except UserError as e:
            docs.append(e)
    return docs


def load_mapping(path: str | Path, what: str) -> Document:
    """A file that must hold one mapping (Amplify metadata, parameters): loaded safely, kind checked."""
    doc = load(path)
    if not isinstance(doc.data, dict):
        raise UserError(f"expected {what} (a mapping), got a {kind_of(doc.data)}", file=doc.path)
    return doc


# ---------------------------------------------------------------------------------------------
# What kind of document is this?


def export_version(data: Any) -> str | None:
    """'swagger2', 'openapi3' or None."""
    if not isinstance(data, dict):
        return None
    if str(data.get("swagger", "")).startswith("2"):
        return "swagger2"
    if str(data.get("openapi", "")).startswith("3"):
        return "openapi3"
    return None


def is_template(data: Any) -> bool:
    return isinstance(data, dict) and ("Resources" in data or "AWSTemplateFormatVersion" in data)


def http_api_markers(data: dict) -> list[str]:
    """Signs that an OpenAPI document is an HTTP API (v2) export, which REST API bodies cannot take."""
    found = []
    if "x-amazon-apigateway-importexport-version" in data:
        found.append("x-amazon-apigateway-importexport-version")
    paths = data.get("paths")
    for item in (paths.values() if isinstance(paths, dict) else ()):
        if not isinstance(item, dict):
            continue
        for op in item.values():
            integ = op.get("x-amazon-apigateway-integration") if isinstance(op, dict) else None
            if isinstance(integ, dict) and "payloadFormatVersion" in integ:
                found.append("payloadFormatVersion")
                break
        if "payloadFormatVersion" in found:
            break
    components = data.get("components")
    schemes = components.get("securitySchemes") if isinstance(components, dict) else None
    for scheme in (schemes.values() if isinstance(schemes, dict) else ()):
        auth = scheme.get("x-amazon-apigateway-authorizer") if isinstance(scheme, dict) else None
        if isinstance(auth, dict) and ("authorizerPayloadFormatVersion" in auth or auth.get("type") == "jwt"):
            found.append("v2 authorizer")
            break
    return found


def load_export(path: str | Path) -> Document:
    doc = load(path, EXPORT_DEPTH)
    data = doc.data
    if not isinstance(data, dict):
        raise UserError(f"expected an API Gateway export (a mapping), got a {kind_of(data)}", file=doc.path)
    if is_template(data):
        raise UserError("this is a CloudFormation template, not an API Gateway export; pass it with --template", file=doc.path)
    version = export_version(data)
    if version is None and ("stageName" in data and "deploymentId" in data or isinstance(data.get("item"), list)):
        raise UserError("this is a stage (aws apigateway get-stage or get-stages), not an API Gateway export; pass it with "
                        "--stage", file=doc.path)
    if version is None:
        raise UserError("not a Swagger 2.0 or OpenAPI 3 document (no 'swagger: 2.0' or 'openapi: 3.x' key)", file=doc.path)
    markers = http_api_markers(data)
    if markers:
        raise UserError(
            f"this is an HTTP API (v2) export ({', '.join(markers)}); export-to-cfn converts REST API (v1) exports "
            "for AWS::ApiGateway::RestApi only",
            file=doc.path,
        )
    paths = data.get("paths")
    if not isinstance(paths, dict):
        raise UserError("export has no 'paths' mapping", file=doc.path)
    # Exports never hold intrinsics; in JSON without \u escapes a key cannot hide from a substring test.
    maybe = doc.fmt != "json" or "\\u" in doc.text or '"Ref"' in doc.text or '"Fn::' in doc.text
    where = find_intrinsic(data) if maybe else None
    if where:
        raise UserError(
            f"this document already holds CloudFormation intrinsics ({where}); it is a template Body, not a console "
            "export. Export the stage from API Gateway (Stage > Export) and convert that",
            file=doc.path,
        )
    refuse_shape(doc, body_problem(data))
    for route, item in paths.items():
        where = f"/paths/{route.replace('~', '~0').replace('/', '~1')}"
        if not isinstance(item, dict):
            raise UserError(f"paths[{route!r}] is a {kind_of(item)}, expected a mapping", file=doc.path, line=_line(doc, where))
        for method in METHODS:
            if method in item and not isinstance(item[method], dict):
                raise UserError(f"paths[{route!r}].{method} is a {kind_of(item[method])}, expected a mapping", file=doc.path,
                                line=_line(doc, f"{where}/{method}"))
    operations = [item[m] for item in paths.values() for m in METHODS if m in item]
    if not operations:
        raise UserError("export has no routes (no method under 'paths'); export the stage that holds them", file=doc.path)
    if not any("x-amazon-apigateway-integration" in op for op in operations):
        raise UserError(
            "no method has an x-amazon-apigateway-integration: this export was made without the API Gateway extensions; "
            "export again as 'Swagger + API Gateway extensions' (or get-export --parameters extensions=apigateway)",
            file=doc.path,
        )
    return doc


def refuse_shape(doc: Document, problem: tuple[str, str] | None) -> None:
    """A problem exporter.shapes found, as the one-line input error: file, line, JSON pointer, what is wrong."""
    if problem is not None:
        pointer, message = problem
        raise UserError(f"{pointer}: {message}", file=doc.path, line=_line(doc, pointer))


def _line(doc: Document, pointer: str) -> int | None:
    return line_finder(doc)(pointer)


def find_intrinsic(node: Any, pointer: str = "") -> str | None:
    """The pointer of the first CloudFormation intrinsic in a document (exports never hold any; a
    policy's {"Condition": {...}} is data, and so is an example's {"Condition": "new"})."""
    stack = [(node, pointer)]
    while stack:
        n, p = stack.pop()
        if isinstance(n, dict):
            if len(n) == 1 and next(iter(n)) in INTRINSIC_SHAPES:
                return f"{next(iter(n))} at {p or '/'}"
            stack.extend((v, f"{p}/{str(k).replace('~', '~0').replace('/', '~1')}") for k, v in n.items())
        elif isinstance(n, list):
            stack.extend((v, f"{p}/{i}") for i, v in enumerate(n))
    return None


def load_template(path: str | Path) -> Document:
    doc = load(path)
    data = doc.data
    if not isinstance(data, dict):
        raise UserError(f"expected a CloudFormation template (a mapping), got a {kind_of(data)}", file=doc.path)
    if export_version(data) and not is_template(data):
        raise UserError("this is an API Gateway export, not a CloudFormation template; pass it as EXPORT", file=doc.path)
    if not isinstance(data.get("Resources"), dict):
        raise UserError("not a CloudFormation template: no 'Resources' mapping", file=doc.path)
    refuse_shape(doc, template_problem(data))
    refuse_shape(doc, doc.bad_intrinsic)
    return doc
