"""How a path is shown to the user: relative to the current folder when it is beneath it."""

from __future__ import annotations

import os


def display_path(path: str) -> str:
    """Relative to the current folder when it is beneath it, else as given."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    beneath = rel != os.pardir and not rel.startswith(os.pardir + os.sep)  # ('..hidden' is a folder beneath)
    return rel if beneath else path
