"""Bilingual text: every screen, table and page speaks Chinese (the default) or English.

Each presentation module keeps its own caption table next to the code that shows it, as
:class:`Captions` of ``key: (中文, English)``; calling the table with a key and a language
picks one half and fills its ``{placeholders}``. Metric names are not captions: they
come from :mod:`csana.catalogue`.
"""

from __future__ import annotations

from typing import Any, Literal

from csana.errors import CsanaError

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
LANG_NAMES: dict[Lang, str] = {"zh": "中文", "en": "English"}
"""Each language in itself, for language switches."""


def check_lang(lang: str) -> None:
    """A :class:`CsanaError` naming the choices unless ``lang`` is one of :data:`LANGS`."""
    if lang not in LANGS:
        raise CsanaError(f"unknown language {lang!r}", fix="use zh or en")


def pick(pair: tuple[str, str], lang: str) -> str:
    """The ``lang`` half of a (中文, English) pair: Chinese for 'zh', English otherwise."""
    return pair[0] if lang == "zh" else pair[1]


def list_separator(lang: str) -> str:
    """What joins a list in running text: 、 in Chinese, a comma in English."""
    return "、" if lang == "zh" else ", "


class Captions(dict[str, tuple[str, str]]):
    """A module's caption table; ``captions(key, lang, **values)`` is the text to show."""

    def __call__(self, key: str, lang: str = "zh", **values: Any) -> str:
        text = pick(self[key], lang)
        return text.format(**values) if values else text


class Note(str):
    """A note for the user in both languages: the English text is the string itself, ``zh`` the Chinese.

    Loaders write their notes (a column ignored, a value derived, cells read as empty) into
    ``Dataset.warnings`` as notes, so the command line prints them as it always has while a
    Chinese report shows :meth:`text` ``("zh")``. Being a ``str``, a note compares, hashes and
    searches by its English text."""

    zh: str

    def __new__(cls, en: str, zh: str) -> Note:
        note = super().__new__(cls, en)
        note.zh = zh
        return note

    def text(self, lang: str) -> str:
        """The note in ``lang``."""
        return self.zh if lang == "zh" else str(self)

    def __reduce__(self) -> tuple[type[Note], tuple[str, str]]:
        return Note, (str(self), self.zh)

    def pair(self) -> list[str]:
        """[English, Chinese]."""
        return [str(self), self.zh]



def kept(notes: list[str]) -> list[str | list[str]]:
    """Notes as JSON keeps them (the load cache, dataset snapshots): a note as [English, Chinese], other text as is."""
    return [n.pair() if isinstance(n, Note) else str(n) for n in notes]


def unkept(items: list[str | list[str]]) -> list[str]:
    """The notes :func:`kept` kept."""
    return [Note(*item) if isinstance(item, list) else item for item in items]


def in_lang(text: str, lang: str) -> str:
    """A warning in ``lang``: a :class:`Note`'s text in it, other text as written."""
    return text.text(lang) if isinstance(text, Note) else text
