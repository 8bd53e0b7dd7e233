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
