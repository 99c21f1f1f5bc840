"""exporter.errors: the exception family and exit codes, and `printable`, which every message goes
through. Expected escapes are the Python/C spellings of each control character, written by hand."""

from __future__ import annotations

import signal

import pytest

from exporter import errors
from exporter.errors import InternalError, Interrupted, Refused, UserError, on_terminate, printable


def test_exit_codes():
    assert (errors.EXIT_FINDINGS, errors.EXIT_USAGE, errors.EXIT_INTERNAL) == (1, 2, 123)
    assert UserError("x").exit_code == 2
    assert InternalError("x").exit_code == 123


# --- printable


@pytest.mark.parametrize("text,want", [
    ("plain text", "plain text"),
    ("a\nb", "a\\nb"),
    ("a\rb", "a\\rb"),
    ("a\tb", "a\\tb"),
    ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),  # ANSI colour
    ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),  # set the window title, ended by BEL
    ("\x00", "\\x00"),
    ("\x7f", "\\x7f"),  # DEL
    ("\x85", "\\x85"),  # NEL, a C1 control
    ("\x9b31m", "\\x9b31m"),  # CSI, the one-byte C1 escape
    ("line\u2028sep\u2029", "line\\u2028sep\\u2029"),
    ("caf\u00e9 \u2603 \U0001f600", "caf\u00e9 \u2603 \U0001f600"),  # printable Unicode is left alone
    ("\u00a0", "\u00a0"),  # NBSP is not a control character
    ("\\n", "\\n"),  # a backslash and an n already: unchanged
    ("/r\u202etxt.exe", "/r\\u202etxt.exe"),  # RIGHT-TO-LEFT OVERRIDE: would show as /rexe.txt
    ("\u202a\u202b\u202c\u202d", "\\u202a\\u202b\\u202c\\u202d"),  # bidi embeddings and overrides
    ("\u2066\u2067\u2068\u2069", "\\u2066\\u2067\\u2068\\u2069"),  # bidi isolates
    ("a\u200bb\u200c\u200d\u200e\u200f", "a\\u200bb\\u200c\\u200d\\u200e\\u200f"),  # zero-width, LRM, RLM
    ("\ufeffx", "\\ufeffx"),  # BOM / zero-width no-break space
    ("\u2010\u2027\u202f\u2065\u206a", "\u2010\u2027\u202f\u2065\u206a"),  # their neighbours are left alone
])
def test_printable_escapes_every_control_character(text, want):
    assert printable(text) == want


def test_printable_keeps_what_it_is_told_to():
    assert printable("a\nb\tc\x1b", keep="\n") == "a\nb\\tc\\x1b"
    assert printable("a\nb\tc", keep="\n\t") == "a\nb\tc"


def test_printable_output_has_no_control_character():
    invisible = [*range(0x200B, 0x2010), 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF]
    every = "".join(chr(c) for c in [*range(0x00, 0xA0), *invisible])
    out = printable(every)
    assert all(not (ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or ord(c) in invisible) for c in out)


# --- UserError


def test_user_error_names_file_and_line():
    e = UserError("bad thing", file="a.json", line=3)
    assert str(e) == "a.json:3: bad thing"
    assert (e.file, e.line, e.message) == ("a.json", 3, "bad thing")


def test_user_error_with_a_file_and_no_line():
    assert str(UserError("bad", file="a.json")) == "a.json: bad"


def test_user_error_without_a_file():
    assert str(UserError("bad")) == "bad"
    assert str(UserError("bad", line=3)) == "bad"  # a line means nothing without its file; the caller adds both


def test_user_error_is_one_line():
    e = UserError("first\n  second\t third\r\n", file="f")
    assert str(e) == "f: first second third"


def test_user_error_is_cut_to_400_characters():
    e = UserError("x" * 1000)
    assert len(e.message) == 400 and e.message == "x" * 397 + "..."
    assert len(UserError("y" * 400).message) == 400 and "..." not in UserError("y" * 400).message


def test_user_error_takes_any_object_as_message():
    assert str(UserError(ValueError("inner"))) == "inner"


# --- Refused, Interrupted


def test_refused_carries_the_pointer():
    e = Refused("NaN has no JSON equivalent", "/paths/~1a")
    assert isinstance(e, ValueError) and str(e) == "NaN has no JSON equivalent" and e.pointer == "/paths/~1a"
    assert Refused("x").pointer is None


@pytest.mark.parametrize("signum,name", [(signal.SIGINT, "SIGINT"), (signal.SIGTERM, "SIGTERM")])
def test_interrupted_names_its_signal(signum, name):
    e = Interrupted(signum)
    assert isinstance(e, KeyboardInterrupt)  # unwinds like Ctrl-C: finally blocks run, except Exception does not catch it
    assert not isinstance(e, Exception)
    assert (e.signum, e.name, e.state) == (signum, name, "nothing was written")
    assert Interrupted(signum, "the template was restored").state == "the template was restored"


def test_sigterm_handler_raises_interrupted():
    with pytest.raises(Interrupted) as e:
        on_terminate(signal.SIGTERM, None)
    assert e.value.name == "SIGTERM"
