"""One exception family for everything the user can fix, and the exit codes the CLI returns."""

EXIT_FINDINGS = 1  # --check / --strict asked for none and there are some
EXIT_USAGE = 2  # bad flags or bad input: the user can fix it
EXIT_INTERNAL = 123  # a bug in the tool; never confused with "would change"


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


class InternalError(Exception):
    """The tool broke its own promise (e.g. the round-trip proof failed). Exit 123, nothing written."""

    exit_code = EXIT_INTERNAL
