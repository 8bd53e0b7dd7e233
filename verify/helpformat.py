"""``--help`` laid out in terminal cells, and Click's own words in the user's language.

**Cells.** 
Click wraps help text counting characters, but a CJK character takes two columns: a Japanese line
of 78 characters fills 156. :class:`CellHelpFormatter` measures every line in cells (rich's
``cell_len``), may break a line between any two CJK characters (not before a closing mark such as
``、`` or ``）``, nor after an opening one) and otherwise only at spaces. Typer writes a required
argument as ``{CASE}`` in the usage line; it is written ``CASE`` here (the POSIX convention: plain
= required, ``[…]`` = optional).

**Click's words.** Typer (0.29) carries its own copy of Click (``typer._click``, which
``typer.core`` uses) whose usage prefix, help-option text and error messages are fixed English
strings (Typer's own strings go through gettext: the catalogue domain ``click``,
:func:`verify.uilang.route_click_messages`). Here they are written from our catalogue instead: the
usage prefix and the help option's text by the classes below, the usage errors by
:func:`show_usage_error` (called by ``verify.cli.run_app``). Only the command line imports this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from rich.cells import cell_len
from typer.core import TyperCommand, TyperGroup
from typer.core import _click as click

from verify.i18n import N_, _, shown

#: Characters a line should not start with (closing marks) or end with (opening marks)
#: (JIS X 4051:2004 §4.3 / §4.4, docs/references.md#jisx4051).
NO_LINE_START = set("、。，．・：；？！）」』】〕〉》”’ー…‥％,.:;!?)]}%")
NO_LINE_END = set("（「『【〔〈《“‘([{")
_REQUIRED = re.compile(r"\{([A-Za-z][A-Za-z0-9_.-]*)\}")


def _breakable(word: str) -> list[str]:
    """``word`` (no spaces) cut where a line may break: around each wide character, except before
    a closing mark and after an opening mark; runs of narrow characters stay whole."""
    pieces: list[str] = []
    prev_wide = False
    for ch in word:
        wide = cell_len(ch) == 2
        joins = pieces and ((not wide and not prev_wide) or ch in NO_LINE_START or pieces[-1][-1] in NO_LINE_END)
        if joins:
            pieces[-1] += ch
        else:
            pieces.append(ch)
        prev_wide = wide
    return pieces


def _tokens(text: str) -> Iterator[str]:
    for match in re.finditer(r"\s+|\S+", text):
        part = match.group()
        if part.isspace():
            yield " "
        else:
            yield from _breakable(part)


def _fold(piece: str, room: int) -> tuple[str, str]:
    """The longest head of ``piece`` that fits ``room`` cells (at least one character), and the rest."""
    used = 0
    for i, ch in enumerate(piece):
        used += cell_len(ch)
        if used > room:
            return piece[:max(i, 1)], piece[max(i, 1):]
    return piece, ""


def wrap(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "") -> list[str]:
    """``text`` as lines of at most ``width`` cells (indents included)."""
    lines: list[str] = []
    line, filled, space = initial_indent, False, False
    for token in _tokens(text):
        if token == " ":
            space = filled
            continue
        gap = " " if space else ""
        if filled and cell_len(line + gap + token) > width:
            lines.append(line)
            line, filled, gap = subsequent_indent, False, ""
        while cell_len(line + token) > width and not filled:  # longer than a line: folded
            head, token = _fold(token, width - cell_len(line))
            lines.append(line + head)
            line = subsequent_indent
            if not token:
                break
        if token:
            line, filled = line + gap + token, True
        space = False
    if filled or not lines:
        lines.append(line)
    return lines


def _paragraphs(text: str) -> Iterator[tuple[int, bool, str]]:
    """As click's ``wrap_text(preserve_paragraphs=True)``: (indent, raw, text) per paragraph; a
    paragraph whose first line is ``\\b`` is kept as written."""
    buf: list[str] = []
    indent = None
    for line in [*text.expandtabs().splitlines(), ""]:
        if not line:
            if buf:
                raw = buf[0].strip() == "\b"
                yield indent or 0, raw, "\n".join(buf[1:]) if raw else " ".join(buf)
            buf, indent = [], None
            continue
        if indent is None:
            indent = len(line) - len(line.lstrip())
            line = line.lstrip()
        buf.append(line)


def wrap_paragraphs(text: str, width: int, indent: str = "") -> list[str]:
    out: list[str] = []
    for extra, raw, body in _paragraphs(text):
        if out:
            out.append("")
        prefix = indent + " " * extra
        if raw:
            out.extend(prefix + line for line in body.splitlines())
        else:
            out.extend(wrap(body, width, prefix, prefix))
    return out


class CellHelpFormatter(click.HelpFormatter):
    """Click's help formatter with widths in terminal cells (see the module docstring)."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:
            prefix = _("Usage:") + " "
        head = f"{prefix:>{self.current_indent}}{prog} "
        args = _REQUIRED.sub(r"\1", args)
        if not args:
            self.write(head.rstrip() + "\n")
            return
        if self.width - self.current_indent >= cell_len(head) + 20:
            lines = wrap(args, self.width, head, " " * cell_len(head))
        else:
            pad = " " * (max(self.current_indent, cell_len(prefix)) + 4)
            lines = [head.rstrip(), *wrap(args, self.width, pad, pad)]
        self.write("\n".join(lines) + "\n")

    def write_text(self, text: str) -> None:
        self.write("\n".join(wrap_paragraphs(text, self.width, " " * self.current_indent)) + "\n")

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [tuple(row) + ("",) * (2 - len(row)) for row in rows]
        first_col = min(max((cell_len(first) for first, _ in rows), default=0), col_max) + col_spacing
        indent = " " * (first_col + self.current_indent)
        text_width = max(self.width - first_col - self.current_indent, 10)
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if cell_len(first) <= first_col - col_spacing:
                self.write(" " * (first_col - cell_len(first)))
            else:
                self.write("\n" + indent)
            lines = wrap_paragraphs(second, text_width) or [""]
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write((indent + line).rstrip() + "\n")


class CellContext(click.Context):
    formatter_class = CellHelpFormatter


class _HelpInLanguage:
    """The ``-h, --help`` option described in the user's language."""

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = _("Show this message and exit.")
        return option


class CellGroup(_HelpInLanguage, TyperGroup):
    context_class = CellContext


class CellCommand(_HelpInLanguage, TyperCommand):
    context_class = CellContext


def _conversion_message(exc) -> str:
    """Typer converts option values with pydantic: its error worded as case.toml's are."""
    from pydantic import ValidationError

    from verify.case import validation_message

    cause = exc.__cause__
    if isinstance(cause, ValidationError) and cause.errors():
        return shown(validation_message(cause.errors()[0]))
    return exc.message


def _param_hint(param) -> str | None:
    """How Click names a parameter in an error: ``'CASE'``, ``'-o' / '--output'``."""
    return None if param is None else param.get_error_hint()


_MISSING = {"argument": N_("Missing argument {name}."), "option": N_("Missing option {name}.")}


def usage_error_text(exc: click.exceptions.UsageError) -> str:
    """What went wrong in the command line, in the user's language (Click's own wording in English
    when the error is of a kind not known here, e.g. an unexpected extra argument)."""
    param = getattr(exc, "param", None)
    if isinstance(exc, click.exceptions.MissingParameter):
        kind = exc.param_type or (param.param_type_name if param is not None else "parameter")
        name = exc.param_hint or _param_hint(param) or ""
        return shown(_MISSING.get(kind, N_("Missing parameter {name}.")).fill(name=name))
    if isinstance(exc, click.exceptions.NoSuchOption):
        text = _("No such option: {name}", name=exc.option_name)
        if exc.possibilities:
            text += " " + _("(Possible options: {options})", options=", ".join(sorted(exc.possibilities)))
        return text
    if isinstance(exc, click.exceptions.BadParameter):
        hint = exc.param_hint or _param_hint(param)
        message = _conversion_message(exc)
        if hint:
            return _("Invalid value for {param}: {message}", param=hint, message=message)
        return _("Invalid value: {message}", message=message)
    return exc.format_message()


def show_usage_error(exc: click.exceptions.ClickException, echo) -> None:
    """Click's ``exc.show()`` in the user's language: the usage line, where to find help, the error."""
    try:
        _show_usage_error(exc, echo)
    except Exception:  # noqa: BLE001 - never hide the user's error behind ours: Click's own wording
        exc.show()


def _show_usage_error(exc: click.exceptions.ClickException, echo) -> None:
    if isinstance(exc, click.exceptions.UsageError) and exc.ctx is not None:
        echo(exc.ctx.get_usage())
        if exc.ctx.command.get_help_option(exc.ctx) is not None:
            echo(_("Try '{command} {option}' for help.", command=exc.ctx.command_path,
                   option=exc.ctx.help_option_names[0]) + "\n")
        echo(_("Error: {message}", message=usage_error_text(exc)))
        return
    echo(_("Error: {message}", message=exc.format_message()))
