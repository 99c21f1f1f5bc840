"""One exception family for everything the user can fix, and the exit codes the CLI returns."""

EXIT_FINDINGS = 1  # --check / --strict asked for none and there are some
EXIT_USAGE = 2  # bad flags or bad input: the user can fix it
EXIT_INTERNAL = 123  # a bug in the tool; never confused with "would change"


_CONTROL = None


# Control characters (C0, DEL, C1), the line and paragraph separators, and the invisible characters that
# change how the rest of a line reads: bidi embeddings, overrides and isolates (U+202A-202E, U+2066-2069:
# `/r\u202etxt.exe` shows as `/rexe.txt`), zero-width spaces, joiners and marks (U+200B-200F), and the
# BOM / zero-width no-break space (U+FEFF).
CONTROL_CHARS = "\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff"


def printable(text: str, keep: str = "") -> str:
    """`text` safe for a terminal, a log line or Markdown: every character of CONTROL_CHARS written as its
    escape (`\\x1b`, `\\n`, `\\u202e`), except those in `keep`. Every message and every field of a text
    report goes through here, so a route name or a file name cannot move the cursor, set a window title,
    rewrite a line (CR), add a line of its own or show its text reversed."""
    import re

    global _CONTROL
    if _CONTROL is None:
        _CONTROL = re.compile(f"[{CONTROL_CHARS}]")
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

    def esc(m: "re.Match[str]") -> str:
        c = m.group()
        if c in keep:
            return c
        return named.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")

    return _CONTROL.sub(esc, text)


# The signals that end a run, besides SIGINT (Ctrl-C): SIGTERM (kill, a CI job's timeout), SIGHUP (the
# terminal went away: an ssh session dropped) and SIGQUIT (Ctrl-\). Each is handled like Ctrl-C, so the
# run unwinds and a multi-file write puts every file back; SIGQUIT gives up its core dump for that
# (a bug's traceback is EXPORT_TO_CFN_DEBUG=1's). Names, as not every platform has each.
TERMINATING = ("SIGTERM", "SIGHUP", "SIGQUIT")


def terminating_signals(*, with_sigint: bool = False) -> list[int]:
    """The numbers of TERMINATING (and SIGINT) this platform has."""
    import signal

    names = ("SIGINT", *TERMINATING) if with_sigint else TERMINATING
    return [getattr(signal, n) for n in names if hasattr(signal, n)]


class Interrupted(KeyboardInterrupt):
    """SIGINT or one of TERMINATING. `state` says what the run left (the writer knows; elsewhere nothing was written)."""

    def __init__(self, signum: int, state: str = "nothing was written"):
        import signal

        super().__init__(signum)
        self.signum, self.state = signum, state
        self.name = signal.Signals(signum).name


def on_terminate(signum: int, frame: object) -> None:  # noqa: ARG001 - a signal handler
    """SIGTERM, SIGHUP and SIGQUIT are handled like SIGINT: an exception that unwinds (temp files removed, writes rolled back)."""
    raise Interrupted(signum)


class UserError(Exception):
    """Bad input or usage. The CLI prints str(self) as one line on stderr and exits 2."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None):
        # one line, of a readable length, whatever a parser put in it (ruamel quotes whole values)
        message = " ".join(str(message).split())
        if len(message) > 400:
            message = message[:397] + "..."
        self.file, self.line, self.message = file, line, message
        where = ""
        if file:
            where = f"{file}:{line}: " if line else f"{file}: "
        super().__init__(where + message)


class Refused(ValueError):
    """A value JSON and CloudFormation cannot carry faithfully (a duplicate key, NaN, a set); the message
    says which and `pointer` where. The loaders turn it into a UserError naming the file."""

    def __init__(self, message: str, pointer: str | None = None):
        super().__init__(message)
        self.pointer = pointer


class InternalError(Exception):
    """The tool broke its own promise (e.g. the round-trip proof failed). Exit 123, nothing written."""

    exit_code = EXIT_INTERNAL
