"""One exception hierarchy for the whole package.

Library code raises these; only the CLI catches them and turns them into one or two lines and an
exit status (``shared/spec/cli.md``). Dual inheritance (as in pint's ``errors.py``) lets callers
catch either the project error or the built-in type.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """Where in the input something is: file (relative to the case), sheet, 1-based row, column."""

    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)


#: The hint of "no data rows": an empty file or sheet listed in case.toml.
EMPTY_FILE_HINT = "fill it, or remove its [[file]] block from case.toml"


class VerifyError(Exception):
    """Base of every error the tool raises on purpose. ``exit_code`` is what the CLI returns."""

    exit_code = 2

    def __init__(self, message: str, location: Location | None = None, hint: str | None = None):
        self.message = message
        self.location = location
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        text = f"{self.location}: {self.message}" if self.location and str(self.location) else self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class InputError(VerifyError, ValueError):
    """The input cannot be used: unreadable file, bad cell, duplicate measurement, unknown label."""


class CaseError(InputError):
    """case.toml is missing, malformed or inconsistent."""


class UnitError(VerifyError, TypeError):
    """A quantity has the wrong dimension or an unknown unit."""


class HostileFileError(InputError):
    """A file exceeds a safety limit (size, decompression ratio, XML entities) or is not what it claims."""


class RenderError(VerifyError, RuntimeError):
    """The report cannot be rendered faithfully (e.g. no CJK font installed)."""


class ReplicationMismatch(VerifyError):
    """``verify replicate`` found differences from the published results."""

    exit_code = 1


class OutputError(VerifyError):
    """An output cannot be written where asked: a case input, a busy or foreign folder, no permission, a full disk."""


#: errno → (what happened, what to do) for operating-system errors that are the user's to fix.
_OS_ERRORS = {
    "ENOSPC": ("the disk is full", "free some space (or write elsewhere with -o) and run again"),
    "EDQUOT": ("the disk quota is exceeded", "free some space (or write elsewhere with -o) and run again"),
    "EACCES": ("permission denied", "choose a folder you can write (-o) or change its permissions"),
    "EPERM": ("operation not permitted", "choose a folder you can write (-o) or change its permissions"),
    "EROFS": ("the file system is read-only", "write to another folder (-o)"),
    "ENAMETOOLONG": ("the path is too long", "choose a shorter output path"),
    "EISDIR": ("the path is a folder", "give a file name"),
    "ENOTDIR": ("a part of the path is a file, not a folder", "check the path"),
    "EEXIST": ("the path already exists", "choose another path"),
    "ELOOP": ("the path has a symbolic-link loop", "check the path"),
    "EMFILE": ("too many open files", "close other programs and run again"),
    "ENOENT": ("a folder on the path does not exist", "check the path"),
}


def os_error_to_user_error(exc: OSError, where: str | None = None) -> VerifyError | None:
    """An :class:`OutputError` (exit 2) for an operating-system error the user can fix, naming the
    path; None for anything else (which stays an internal error)."""
    import errno

    if isinstance(exc, VerifyError):
        return exc
    name = errno.errorcode.get(exc.errno or -1)
    if name not in _OS_ERRORS:
        return None
    what, todo = _OS_ERRORS[name]
    path = exc.filename if exc.filename is not None else where
    return OutputError(what, Location(file=str(path)) if path is not None else None, hint=todo)
