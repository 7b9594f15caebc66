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
