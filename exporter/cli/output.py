"""The terminal: every byte for stdout and stderr, colour only on a TTY, and `handled()`, which turns
every failure into one line on stderr and its exit code."""

from __future__ import annotations

import errno
import os
import re
import sys
from contextlib import contextmanager
from typing import Iterator

import click
import typer

from exporter.errors import EXIT_INTERNAL, EXIT_USAGE, InternalError, Interrupted, UserError, printable


def one_line(text: str) -> str:
    """The text on one line, a sentence said twice in a row said once (typer 0.20 and click >= 8.2 each
    add "Did you mean 'convert'?" to an unknown command)."""
    return re.sub(r"( [^.?!]+[.?!])\1+", r"\1", " ".join(str(text).split()))


class OutputError(Exception):
    """stdout or stderr cannot take what we write (EPIPE, ENOSPC, closed): exit 2, nothing claimed written."""

    def __init__(self, stream: str, reason: str):
        super().__init__(f"cannot write to {stream}: {reason}")
        self.stream = stream


def write(text: str, *, err: bool = False) -> None:
    """Every byte for stdout or stderr goes through here, flushed at once, so a full disk, a closed
    stream or a reader that went away (EPIPE) is an OutputError here and never a traceback at exit."""
    name = "stderr" if err else "stdout"
    stream = sys.stderr if err else sys.stdout
    text = os_text(text)
    try:
        if stream is None:  # the process was started with that descriptor closed
            raise OSError(errno.EBADF, "the stream is closed")
        try:
            stream.write(text)
        except UnicodeEncodeError:  # an ASCII or Latin-1 locale (LC_ALL=C, PYTHONIOENCODING=ascii)
            _write_unencodable(stream, text, err)
        stream.flush()
    except (OSError, ValueError) as e:  # ValueError: write to a closed file object
        silence(stream)
        raise OutputError(name, getattr(e, "strerror", None) or str(e)) from None


_SURROGATES = None


def os_text(text: str) -> str:
    """Text holding a path from argv or the file system, as the characters its bytes spell. Under an
    ASCII locale (LC_ALL=C, PYTHONUTF8=0) Python keeps each non-ASCII byte of a name as a lone surrogate
    (PEP 383: `ünï` is '\\udcc3\\udcbcn...'), which no encoder writes; its bytes decoded as UTF-8 are
    the name again. A byte that is not UTF-8 stays a surrogate, written back as that byte (stdout, files)."""
    global _SURROGATES
    if _SURROGATES is None:
        import re

        _SURROGATES = re.compile("[\udc80-\udcff]")
    if _SURROGATES.search(text) is None:
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape")


def _write_unencodable(stream, text: str, err: bool) -> None:  # noqa: ANN001 - a text stream
    """Text the stream's encoding cannot hold. A message (stderr) gets escapes (`\\xfc`); output
    (stdout: a template, a report) is written as UTF-8, the encoding CloudFormation and JSON require,
    rather than changed or refused (a file name's byte that is not UTF-8: as that byte, as `ls` shows it)."""
    encoding = getattr(stream, "encoding", None) or "ascii"
    buffer = getattr(stream, "buffer", None)
    if err or buffer is None:
        stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
        return
    stream.flush()
    buffer.write(text.encode("utf-8", "surrogateescape"))
    buffer.flush()


def silence(stream) -> None:  # noqa: ANN001 - a text stream or None
    """Point a failed stream at /dev/null, so the interpreter's own flush at exit fails no more."""
    try:
        fd = stream.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
    except (AttributeError, OSError, ValueError):
        pass


def out(text: str) -> None:
    """Output (a template, a report) on stdout."""
    write(text)


def say(message: str, *, fg: str | None = None) -> None:
    """A message for the user: one line on stderr (control characters escaped), coloured only on a terminal."""
    message = printable(message)
    stream = sys.stderr
    if fg and stream is not None and stream.isatty() and "NO_COLOR" not in os.environ:
        message = click.style(message, fg=fg)
    write(message + "\n", err=True)


def say_warning(finding) -> None:  # noqa: ANN001 - an exporter.model.Finding
    """A warning, then the lines it carries (code to add by hand), each its own line, escaped as say() does."""
    say(f"warning: {finding.message}", fg="yellow")
    for line in finding.lines:
        say(line)


def _internal(e: BaseException) -> typer.Exit:
    """An unexpected exception: one line (and, with EXPORT_TO_CFN_DEBUG=1, the traceback first); exit 123."""
    debug = bool(os.environ.get("EXPORT_TO_CFN_DEBUG"))
    if debug:
        import traceback

        write("".join(traceback.format_exception(e)), err=True)
    hint = "" if debug else "; set EXPORT_TO_CFN_DEBUG=1 for the traceback"  # (set: the traceback is just above)
    say(f"export-to-cfn: internal error: {type(e).__name__}: {e} (a bug; nothing was written{hint})", fg="red")
    return typer.Exit(EXIT_INTERNAL)


@contextmanager
def handled() -> Iterator[None]:
    """Turn every failure into one line on stderr and the right exit code; never a traceback."""
    from exporter.io.load import FILES_READ
    from exporter.rules import reset_budget

    reset_budget()  # each command's user rules get their own matching budget
    FILES_READ.clear()  # and its own inputs (in-process callers run several commands)
    try:
        try:
            yield
        except (typer.Exit, OutputError):
            raise
        except UserError as e:
            say(f"export-to-cfn: error: {e}", fg="red")
            raise typer.Exit(EXIT_USAGE) from None
        except InternalError as e:
            say(f"export-to-cfn: internal error: {e}", fg="red")
            raise typer.Exit(EXIT_INTERNAL) from None
        except Interrupted as e:
            say(f"export-to-cfn: interrupted ({e.name}); {e.state}")
            raise typer.Exit(128 + e.signum) from None
        except KeyboardInterrupt:
            say("export-to-cfn: interrupted; nothing was written")
            raise typer.Exit(130) from None
        except OSError as e:
            if e.filename is None:  # not about a path the user gave: a bug
                raise _internal(e) from None
            # a path the file system refuses (name too long, through a file, a symlink loop, ...): the user's to fix
            say(f"export-to-cfn: error: {e.filename}: cannot read: {e.strerror or e}", fg="red")
            raise typer.Exit(EXIT_USAGE) from None
        except RuntimeError as e:
            if not str(e).startswith("Symlink loop from"):  # pathlib's resolve() spells ELOOP this way
                raise _internal(e) from None
            say(f"export-to-cfn: error: {str(e)[len('Symlink loop from '):].strip(chr(39))}: cannot read: "
                f"{os.strerror(errno.ELOOP)}", fg="red")
            raise typer.Exit(EXIT_USAGE) from None
        except Exception as e:  # noqa: BLE001 - the last line of defence
            raise _internal(e) from None
    except OutputError as e:
        if e.stream == "stdout":  # stderr still works: say why (and claim nothing)
            try:
                say(f"export-to-cfn: error: {e}; the output is incomplete", fg="red")
            except OutputError:
                pass
        raise typer.Exit(EXIT_USAGE) from None


def show_preview(text: str, *, err: bool) -> None:
    """Preview text on stdout (or stderr), control characters escaped, coloured only when that stream is a terminal."""
    stream = sys.stderr if err else sys.stdout
    text = printable(text, keep="\n\t")
    if stream is not None and stream.isatty() and "NO_COLOR" not in os.environ:
        text = colorize(text)
    write(text, err=err)


def colorize(text: str) -> str:
    """Colour the text preview by each line's first mark (for a terminal only)."""
    styles = {"+": "green", "-": "red", "~": "yellow", "≈": "cyan", "!": "red", "@": "cyan"}
    out = []
    for line in text.split("\n"):
        mark = line.lstrip()[:1]
        if line.startswith(("---", "+++")):
            out.append(click.style(line, bold=True))
        elif mark in styles:
            out.append(click.style(line, fg=styles[mark], bold=mark == "!"))
        elif line and not line.startswith(" ") and line[0].isupper():
            out.append(click.style(line, bold=True))
        else:
            out.append(line)
    return "\n".join(out)
