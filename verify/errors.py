"""One exception hierarchy for the whole package.

Library code raises these; only the CLI catches them and turns them into one or two lines and an
exit status (README.md#commands). Dual inheritance (as in pint's ``errors.py``) lets callers
catch either the project error or the built-in type.
"""

from __future__ import annotations

from dataclasses import dataclass

from verify.i18n import Joined, Msg, N_, Translate, rendered


@dataclass(frozen=True)
class Location:
    """Where in the input something is: file (relative to the case), sheet, 1-based row, column."""

    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def message(self) -> Joined:
        """The location as a message: the file, sheet, row and column exactly as read, in words of
        the language it is shown in."""
        parts: list[Msg | str] = [self.file] if self.file else []
        if self.sheet:
            parts.append(N_("sheet {sheet!r}", sheet=self.sheet))
        if self.row is not None:
            parts.append(N_("row {row}", row=self.row))
        if self.column:
            parts.append(N_("column {column}", column=self.column))
        # TRANSLATORS: between the parts of a location: file, sheet, row, column
        return Joined(N_(", "), parts)

    def __str__(self) -> str:
        return str(self.message())


#: The hint of "no data rows": an empty file or sheet listed in case.toml.
EMPTY_FILE_HINT = N_("fill it, or remove its [[file]] block from case.toml")


class VerifyError(Exception):
    """Base of every error the tool raises on purpose. ``exit_code`` is what the CLI returns.

    ``message`` and ``hint`` are plain English strings or :class:`verify.i18n.Msg` (``N_(…)``), which
    the command line shows in the user's language (:meth:`render` with a translation); ``str(exc)``
    is English."""

    exit_code = 2

    def __init__(self, message: str | Msg, location: Location | None = None, hint: str | Msg | None = None):
        self.message = message
        self.location = location
        self.hint = hint
        super().__init__(self.render())

    def text(self) -> Msg | Joined:
        """The whole error as one message: location, message and hint (picklable, for Dask)."""
        body: Msg | str = self.message
        if self.location and self.location.message():
            body = N_("{where}: {message}", where=self.location.message(), message=self.message)
        if self.hint:
            return Joined("\n  ", [body, N_("hint: {hint}", hint=self.hint)])
        return Joined("", [body])

    def render(self, translate: Translate | None = None) -> str:
        """The error in words: English, or the language of ``translate`` (``verify.uilang.gettext``)."""
        return rendered(self.text(), translate) if translate else str(self.text())


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


class OutputError(VerifyError):
    """An output cannot be written where asked: a case input, a busy or foreign folder, no permission, a full disk."""


#: errno → (what happened, what to do) for operating-system errors that are the user's to fix.
_OS_ERRORS = {
    "ENOSPC": (N_("the disk is full"), N_("free some space (or write elsewhere with -o) and run again")),
    "EDQUOT": (N_("the disk quota is exceeded"), N_("free some space (or write elsewhere with -o) and run again")),
    "EACCES": (N_("permission denied"), N_("choose a folder you can write (-o) or change its permissions")),
    "EPERM": (N_("operation not permitted"), N_("choose a folder you can write (-o) or change its permissions")),
    "EROFS": (N_("the file system is read-only"), N_("write to another folder (-o)")),
    "ENAMETOOLONG": (N_("the path is too long"), N_("choose a shorter output path")),
    "EISDIR": (N_("the path is a folder"), N_("give a file name")),
    "ENOTDIR": (N_("a part of the path is a file, not a folder"), N_("check the path")),
    "EEXIST": (N_("the path already exists"), N_("choose another path")),
    "ELOOP": (N_("the path has a symbolic-link loop"), N_("check the path")),
    "EMFILE": (N_("too many open files"), N_("close other programs and run again")),
    "ENOENT": (N_("a folder on the path does not exist"), N_("check the path")),
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
