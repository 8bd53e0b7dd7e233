"""Messages that the command line shows in the user's language (gettext, docs/architecture.md
"Messages and their language").

Two markers, both found by ``pybabel extract`` (``babel.cfg``):

* ``N_("cannot read {file}: {why}", file=name, why=reason)`` in library code: a :class:`Msg`, the
  English template and its values, translated only when the command line renders it
  (``msg.render(uilang.gettext)``); ``str(msg)`` is the English text, so logs, ``str(exc)`` and the
  files the tool writes stay English and deterministic. Raise it inside the project's errors
  (``InputError(N_(…), location, hint=N_(…))``) or inside a ``ValueError`` from a pydantic validator.
* ``_("wrote {path}", path=p)`` in the command line's own modules (cli, console): the text in the
  current language at once.

The template is translated first and filled in afterwards with named placeholders, so file names,
sheet names, rows, columns and raw cell text reach the sentence exactly as read. The first argument
must be a literal string (not an f-string: its values would be baked into the msgid);
``tests/i18n/test_catalogues.py`` checks that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

Translate = Callable[[str], str]


def _english(msgid: str) -> str:
    return msgid


class Msg:
    """A message template (the msgid) and the values of its named placeholders. Values may be
    :class:`Msg` or :class:`Joined` themselves; they are rendered in the same language."""

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, /, **params):
        self.msgid = msgid
        self.params = params

    def render(self, translate: Translate = _english) -> str:
        values = {key: rendered(value, translate) for key, value in self.params.items()}
        try:
            return translate(self.msgid).format(**values)
        except (KeyError, IndexError, ValueError):  # a broken translation never hides the message
            return self.msgid.format(**values)

    def __str__(self) -> str:
        return self.render()

    def fill(self, **params) -> Msg:
        """The same message with (more) values: for a template chosen from a table."""
        return Msg(self.msgid, **{**self.params, **params})

    def __repr__(self) -> str:
        return f"N_({self.msgid!r}, **{self.params!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Msg) and (self.msgid, self.params) == (other.msgid, other.params)

    def __hash__(self) -> int:
        return hash(self.msgid)

    def __reduce__(self):  # picklable for Dask (verify batch)
        return (_rebuild, (self.msgid, self.params))


def _rebuild(msgid: str, params: dict) -> Msg:
    return Msg(msgid, **params)


class Joined:
    """Several messages shown as one, with a separator that is itself a message (``N_("; ")``, so a
    language can use its own punctuation)."""

    __slots__ = ("separator", "items")

    def __init__(self, separator: Msg | str, items: Iterable):
        self.separator = separator
        self.items = list(items)

    def render(self, translate: Translate = _english) -> str:
        return rendered(self.separator, translate).join(rendered(item, translate) for item in self.items)

    def __str__(self) -> str:
        return self.render()

    def __bool__(self) -> bool:
        return bool(self.items)


def rendered(value, translate: Translate = _english):
    """``value`` in the language of ``translate`` if it is a message; any other value unchanged (so
    that format specs such as ``{n:g}`` and ``{name!r}`` apply to it)."""
    return value.render(translate) if isinstance(value, (Msg, Joined)) else value


def N_(msgid: str, /, **params) -> Msg:  # noqa: N802 - the gettext convention
    """Mark a message of library code: translated when the command line shows it."""
    return Msg(msgid, **params)


def _(msgid: str, /, **params) -> str:
    """A message of the command line's own modules, in the current language now."""
    from verify import uilang

    return Msg(msgid, **params).render(uilang.gettext)


def shown(value) -> str:
    """What the command line prints for ``value`` (a message in the current language, or ``str``)."""
    from verify import uilang

    return str(rendered(value, uilang.gettext))
