"""Bilingual captions: one table per module, one way to pick a language and check it."""

from __future__ import annotations

import pytest

from csana.errors import CsanaError
from csana.i18n import LANGS, Captions, check_lang, list_separator

TEXT = Captions({"title": ("月报", "Monthly report"), "of": ("{rank} / {n}", "{rank} of {n}"), "brace": ("{x}", "{x}")})


def test_captions_pick_the_language_and_fill_placeholders() -> None:
    assert TEXT("title") == "月报" and TEXT("title", "en") == "Monthly report"
    assert TEXT("of", "zh", rank=2, n=7) == "2 / 7" and TEXT("of", "en", rank=2, n=7) == "2 of 7"
    assert TEXT("brace", "en") == "{x}"  # no values given: the text is shown as written


def test_unknown_key_names_it() -> None:
    with pytest.raises(KeyError, match="nope"):
        TEXT("nope", "zh")


@pytest.mark.parametrize("lang", LANGS)
def test_known_languages_pass(lang: str) -> None:
    check_lang(lang)


@pytest.mark.parametrize("lang", ["fr", "ZH", "", "zh-CN"])
def test_unknown_language_is_a_user_error(lang: str) -> None:
    with pytest.raises(CsanaError, match="unknown language.*zh or en"):
        check_lang(lang)


def test_list_separator() -> None:
    assert list_separator("zh").join(["甲", "乙"]) == "甲、乙" and list_separator("en").join("ab") == "a, b"
