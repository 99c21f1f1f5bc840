"""Write the new document back keeping the file's own formatting, atomically.

JSON: the original text is patched, not re-serialised. Every subtree whose value did not change
keeps its exact bytes (blank lines, odd indentation, key order, separators); a changed value is
written with the indentation, separator and line ending found around it. YAML: ruamel.yaml's
round-trip tree is patched in place, so comments, order and short-form tags (!Sub, !Ref) stay.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import signal
import stat
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from json.encoder import encode_basestring, encode_basestring_ascii
from pathlib import Path
from typing import Any, Iterator

from exporter.aws import renamed_keys
from exporter.errors import InternalError, Interrupted, UserError, terminating_signals
from exporter.io.load import read_bytes
from exporter.io.locate import _DECODER, _WS, _elements, _members
from exporter.io.yaml import dump_yaml, redump


def _same(a: Any, b: Any) -> bool:
    return a is b or (type(a) is type(b) and a == b)


@dataclass
class _Style:
    unit: str
    sep: str
    newline: str
    ensure_ascii: bool


def detect_style(text: str) -> _Style:
    newline = "\r\n" if "\r\n" in text else "\n"
    deltas: Counter = Counter()
    prev = 0
    tabs = 0
    for line in text.splitlines()[:5000]:
        stripped = line.lstrip(" \t")
        if not stripped:
            continue
        lead = line[: len(line) - len(stripped)]
        if "\t" in lead:
            tabs += 1
        width = len(lead)
        if width > prev:
            deltas[width - prev] += 1
        prev = width
    if tabs > 10:
        unit = "\t"
    else:
        unit = " " * (deltas.most_common(1)[0][0] if deltas else 2)
    m = re.search(r'"(?:[^"\\]|\\.)*"([ \t]*:[ \t]*)', text)
    sep = m.group(1) if m else ": "
    ensure_ascii = text.isascii() and "\\u" in text
    return _Style(unit, sep, newline, ensure_ascii)


def _line_indent(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    m = re.match(r"[ \t]*", text[start:pos])
    return m.group(0) if m else ""


def _dumps(value: Any, style: _Style, indent: str) -> str:
    return pretty_json(value, unit=style.unit, sep=style.sep, ensure_ascii=style.ensure_ascii, newline=style.newline + indent)


_INF = (float("inf"), float("-inf"))


def pretty_json(value: Any, *, unit: str = "  ", sep: str = ": ", ensure_ascii: bool = False, newline: str = "\n") -> str:
    """Exactly json.dumps(value, indent=unit, separators=(",", sep), ensure_ascii=...) with each line
    break written as `newline` (which may carry a base indentation), ~2.5x faster: the stdlib's
    indenting encoder is pure Python generators (its C encoder cannot indent). Anything unusual
    (non-string keys, NaN, subclasses, tuples) goes to json.dumps, so the output never differs."""
    enc_str = encode_basestring_ascii if ensure_ascii else encode_basestring
    out: list[str] = []
    append = out.append

    def enc(o: Any, brk: str) -> None:  # brk: the line break and indentation of o's own line
        t = type(o)
        if t is str:
            append(enc_str(o))
        elif t is dict:
            if not o:
                append("{}")
                return
            inner = brk + unit
            lead = "{" + inner
            for k, v in o.items():
                if type(k) is not str:
                    raise TypeError(k)
                append(lead + enc_str(k) + sep)
                lead = "," + inner
                enc(v, inner)
            append(brk + "}")
        elif t is list:
            if not o:
                append("[]")
                return
            inner = brk + unit
            lead = "[" + inner
            for v in o:
                append(lead)
                lead = "," + inner
                enc(v, inner)
            append(brk + "]")
        elif o is True:
            append("true")
        elif o is False:
            append("false")
        elif o is None:
            append("null")
        elif t is int:
            append(int.__repr__(o))
        elif t is float and o == o and o not in _INF:
            append(float.__repr__(o))
        else:
            raise TypeError(o)

    try:
        enc(value, newline)
    except (TypeError, RecursionError):
        text = json.dumps(value, indent=unit, ensure_ascii=ensure_ascii, separators=(",", sep))
        return text.replace("\n", newline) if newline != "\n" else text
    return "".join(out)


def _patch(text: str, start: int, end: int, old: Any, new: Any, style: _Style, out: list[str]) -> None:
    """Append to `out` the text of `new`, reusing text[start:end] (which holds `old`) wherever equal.
    Pieces go to one list, joined once: nested string building would copy a big Body per level."""
    if _same(old, new):
        out.append(text[start:end])
        return
    if isinstance(old, dict) and isinstance(new, dict) and old and new:
        members, _close = _members(text, start)
        by_key = {m[0]: m for m in members}
        closing = members[-1][6]
        last_key = members[-1][0]
        default_prefix = members[-1][1]
        default_sep = members[-1][3]
        indent = re.sub(r"^.*[\r\n]", "", default_prefix, flags=re.S) if "\n" in default_prefix else _line_indent(text, start) + style.unit
        inline = "\n" not in text[start:_close]  # {"a": 1, "b": 2} on one line: new members stay on it
        if inline and not default_prefix:
            default_prefix = " "
        out.append("{")
        first = True
        renamed = renamed_keys(old, new)
        for k, v in new.items():
            if not first:
                out.append(",")
            first = False
            m = by_key.get(k if k not in renamed else renamed[k])
            if m is not None:
                key, prefix, keytext, sep, vs, ve, post = m
                out.append(prefix + (keytext if k not in renamed else json.dumps(k, ensure_ascii=style.ensure_ascii)) + sep)
                _patch(text, vs, ve, old[key], v, style, out)
                if key != last_key:
                    out.append(post)
            else:
                out.append(default_prefix + json.dumps(k, ensure_ascii=style.ensure_ascii) + default_sep)
                out.append(json.dumps(v, ensure_ascii=style.ensure_ascii, separators=(", ", default_sep)) if inline
                           else _dumps(v, style, indent))
        out.append(closing + "}")
        return
    if isinstance(old, list) and isinstance(new, list) and old and len(new) >= len(old):
        # Same length: patch item by item. Items appended (a dependsOn entry, an attribute): the
        # existing ones keep their bytes, the new ones take the last item's spacing.
        elements, _close = _elements(text, start)
        closing = elements[-1][3]
        out.append("[")
        for n, ((prefix, vs, ve, post), o, v) in enumerate(zip(elements, old, new)):
            if n:
                out.append(",")
            out.append(prefix)
            _patch(text, vs, ve, o, v, style, out)
            if n != len(elements) - 1:
                out.append(post)
        if len(new) > len(old):
            prefix = elements[-1][0]
            indent = re.sub(r"^.*[\r\n]", "", prefix, flags=re.S) if "\n" in prefix else _line_indent(text, elements[-1][1])
            for v in new[len(old):]:
                out.append("," + prefix + _dumps(v, style, indent))
        out.append(closing + "]")
        return
    out.append(_dumps(new, style, _line_indent(text, start)))


def patch_json_text(text: str, old: Any, new: Any) -> str:
    """`text` (which parses to `old`) changed to represent `new`, touching only what differs."""
    style = detect_style(text)
    start = _WS.match(text).end()
    _, end = _DECODER.raw_decode(text, start)
    out = [text[:start]]
    _patch(text, start, end, old, new, style, out)
    out.append(text[end:])
    return "".join(out)


def dump_json(data: Any, indent: int = 2) -> str:
    return pretty_json(data, unit=" " * indent) + "\n"


# ---------------------------------------------------------------------------------------------
# YAML


def patch_yaml_text(text: str, new: Any) -> str:
    """`text` changed to represent `new`. ruamel re-dumps the whole file in one style (one sequence
    indent, its own line folding), so its output is only used for the lines that really change:
    the change between ruamel's dump of the old tree and of the new one is spliced into the
    original text. The splice is checked by parsing it; if it does not read back as `new`,
    ruamel's output is returned whole."""
    crlf = "\r\n" in text
    if crlf:  # ruamel keeps the \r of blank lines and comments; work in LF, write CRLF back at the end
        text = text.replace("\r\n", "\n")
    base, out = redump(text, new)
    merged = splice_lines(text, base, out)
    if merged is not None and merged != out and _reads_back(merged, new, "yaml"):
        out = merged
    elif not _reads_back(out, new, "yaml"):
        raise InternalError("the YAML writer cannot write this template faithfully; nothing was written (a bug, please report it)")
    return out.replace("\n", "\r\n") if crlf else out


def _reads_back(text: str, data: Any, fmt: str) -> bool:
    """Does `text` load (as load.py reads files) to exactly `data`?"""
    from exporter.errors import UserError
    from exporter.io.load import OUTPUT_DEPTH, parse_text, strict_json

    try:
        return (strict_json(text) if fmt == "json" else parse_text(text, "output", max_depth=OUTPUT_DEPTH)[0]) == data
    except (UserError, ValueError):
        return False


def splice_lines(original: str, base: str, new: str) -> str | None:
    """Apply the line change base -> new to `original`, where `original` and `base` hold the same
    data in different layouts. Each changed hunk is widened until the lines around it appear in
    `original` too, so it replaces a whole region there. None when there is no anchor at all."""
    o_lines = original.splitlines(keepends=True)
    b_lines = base.splitlines(keepends=True)
    n_lines = new.splitlines(keepends=True)
    if b_lines == n_lines:
        return original
    to_original: dict[int, int] = {-1: -1, len(b_lines): len(o_lines)}
    for block in difflib.SequenceMatcher(None, b_lines, o_lines, autojunk=True).get_matching_blocks():
        for k in range(block.size):
            to_original[block.a + k] = block.b + k
    m = to_original

    def o_start(i1: int) -> int | None:  # where base line i1 begins in original
        if i1 - 1 in m:
            return m[i1 - 1] + 1
        return m.get(i1)

    def o_end(i1: int, i2: int) -> int | None:  # where base line i2 begins in original
        if i2 in m:
            return m[i2]
        return m[i2 - 1] + 1 if i2 - 1 >= i1 and i2 - 1 in m else None

    hunks: list[list[int]] = []  # [o_start, o_end, n_start, n_end]
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, b_lines, n_lines, autojunk=True).get_opcodes():
        if tag == "equal":
            continue
        # Widen until both ends are found in the original; outside the hunks base and new are
        # equal line for line, so widening keeps them aligned.
        while o_start(i1) is None:
            i1, j1 = i1 - 1, j1 - 1
        while (o_start(i1) if i1 == i2 else o_end(i1, i2)) is None:
            i2, j2 = i2 + 1, j2 + 1
        o1 = o_start(i1)
        o2 = o1 if i1 == i2 else o_end(i1, i2)
        if o2 < o1 or (hunks and o1 < hunks[-1][1]):
            return None
        # a whitespace-only line ruamel does not keep (spaces on a blank line) ends the region in the
        # original but is not part of the change: it stays
        while o2 - o1 > i2 - i1 and not o_lines[o2 - 1].strip():
            o2 -= 1
        hunks.append([o1, o2, j1, j2])
    out: list[str] = []
    pos = 0
    for o1, o2, j1, j2 in hunks:
        out.extend(o_lines[pos:o1])
        out.extend(n_lines[j1:j2])
        pos = o2
    out.extend(o_lines[pos:])
    return "".join(out)


def render_document(new: Any, original_text: str | None, original: Any, fmt: str) -> str:
    """The new document as text in the original's format (JSON patched; YAML round-tripped).
    The text must read back to `new`: the proof covers the data, this covers the writing."""
    if fmt == "yaml" and original_text is not None:
        return patch_yaml_text(original_text, new)  # checks its own output
    if fmt == "yaml":
        text = dump_yaml(new)
    elif original_text is not None:
        text = patch_json_text(original_text, original, new)
    else:
        text = dump_json(new)
    if not _reads_back(text, new, fmt):
        raise InternalError(f"the {fmt.upper()} writer cannot write this template faithfully; nothing was written (a bug, please report it)")
    return text


# ---------------------------------------------------------------------------------------------
# Atomic writes


BOM = "\ufeff"


def write_atomic(files: dict[Path, str], *, backup: bool = False) -> None:
    """Write every file or none.

    Each file is staged as a temp file in its own folder (same mode, fsynced), then all are renamed
    into place. If anything fails, the files already replaced get their previous bytes back and the
    ones created are removed, so a failed run leaves every file as it was. A symlink is written
    through (the link stays a link). A file that began with a UTF-8 BOM keeps it. `backup` keeps the
    previous file as <name>.bak (written in the same all-or-nothing step)."""
    targets: list[tuple[Path, bytes, int | None]] = []  # (real path, new bytes, mode)
    temps: list[str] = []
    staged: list[tuple[Path, str, str | None]] = []  # (path, temp with new bytes, temp with previous bytes)
    done: list[tuple[Path, str | None]] = []
    current: Path | None = None
    try:
        for name, content in files.items():
            current = path = Path(os.path.realpath(name))
            if path.exists() and not path.is_file():
                # a rename would replace a device (/dev/null) or a folder with a regular file
                what = "a folder" if path.is_dir() else "not a regular file (a device or special file)"
                raise UserError(f"is {what}; write to a regular file, or leave out -o to write to stdout", file=str(name))
            old = read_bytes(path) if path.is_file() else None
            mode = stat.S_IMODE(path.stat().st_mode) if old is not None else None
            if old is not None and old.startswith(BOM.encode()) and not content.startswith(BOM):
                content = BOM + content
            if backup and old is not None:
                targets.append((path.with_name(path.name + ".bak"), old, mode))
            # (surrogateescape: a report naming a file whose name the locale could not decode keeps its bytes)
            targets.append((path, content.encode("utf-8", "surrogateescape"), mode))
        with _signals_deferred() as caught:  # SIGINT, SIGTERM, SIGHUP, SIGQUIT: noted here, acted on between steps
            try:
                for current, data, mode in targets:
                    tmp = _stage(current, data, mode)
                    temps.append(tmp)
                    keep = None
                    if current.is_file():
                        keep = _stage(current, read_bytes(current), stat.S_IMODE(current.stat().st_mode))
                        temps.append(keep)
                    staged.append((current, tmp, keep))
                    _stop_if(caught)
                for current, tmp, keep in staged:
                    os.replace(tmp, current)
                    done.append((current, keep))  # no signal can come between these two: it is only noted
                    _test_pause(caught)
                    _stop_if(caught)
            except BaseException:
                for path, keep in reversed(done):  # put back what was already replaced
                    if keep is not None:
                        os.replace(keep, path)
                    else:
                        os.unlink(path)
                raise
    except OSError as e:
        raise UserError(f"cannot write: {e.strerror or e}; nothing was changed", file=str(current or next(iter(files), ""))) from None
    finally:
        for leftover in temps:
            try:
                os.unlink(leftover)
            except OSError:
                pass


def write_tree(files: dict[Path, str]) -> None:
    """write_atomic, creating the folders the files go in first; the folders it created are removed
    again when the write fails, so a failed run leaves the disk as it was."""
    created: list[Path] = []
    try:
        for path in files:
            missing = [d for d in [Path(path).parent, *Path(path).parent.parents] if not d.exists()]
            for d in reversed(missing):
                d.mkdir()
                created.append(d)
    except OSError as e:
        _remove(created)
        raise UserError(f"cannot create the folder: {e.strerror or e}; nothing was changed", file=str(e.filename or "")) from None
    try:
        write_atomic(files)
    except BaseException:
        _remove(created)
        raise


def _remove(folders: list[Path]) -> None:
    for d in reversed(folders):
        try:
            d.rmdir()
        except OSError:
            pass


@contextmanager
def _signals_deferred() -> Iterator[list[int]]:
    """While files are staged and renamed, SIGINT, SIGTERM, SIGHUP and SIGQUIT only note themselves: the writer checks
    between steps and rolls back every rename already done, so an interrupted run leaves every file as
    it was (and its temp files removed) instead of a half-written project. Outside the main thread
    (where handlers cannot be set) signals keep their usual effect."""
    caught: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return
    previous = {s: signal.signal(s, lambda signum, frame: caught.append(signum)) for s in terminating_signals(with_sigint=True)}
    try:
        yield caught
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _stop_if(caught: list[int]) -> None:
    if caught:
        raise Interrupted(caught[0], "every file was put back as it was; nothing was written")


def _test_pause(caught: list[int]) -> None:
    """For the signal tests only: with EXPORT_TO_CFN_TEST_PAUSE_AT_RENAME=FILE, the first rename writes
    FILE and waits (up to 10 s) for a signal, so a test can interrupt a real process at exactly this point."""
    marker = os.environ.get("EXPORT_TO_CFN_TEST_PAUSE_AT_RENAME")
    if not marker or os.path.exists(marker):
        return
    with open(marker, "w") as fh:
        fh.write(str(os.getpid()))
    deadline = time.monotonic() + 10
    while not caught and time.monotonic() < deadline:
        time.sleep(0.01)


def _stage(path: Path, data: bytes, mode: int | None) -> str:
    """`data` in a new temp file beside `path`, flushed to disk, with `mode` (default: the umask's)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent))
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode if mode is not None else 0o666 & ~_umask())
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
