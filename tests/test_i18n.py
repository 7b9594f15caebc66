"""Bilingual captions: one table per module, one way to pick a language and check it."""

from __future__ import annotations

import json
import pickle

import pytest

from csana.errors import CsanaError, located
from csana.i18n import LANGS, Captions, Note, check_lang, in_lang, kept, list_separator, unkept

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


def test_a_note_is_its_english_text_and_keeps_its_chinese() -> None:
    note = Note("orders.csv: no units column", "orders.csv：没有数量列")
    assert note == "orders.csv: no units column" and "units" in note and hash(note) == hash(str(note))
    assert (note.text("en"), note.text("zh")) == ("orders.csv: no units column", "orders.csv：没有数量列")
    back = pickle.loads(pickle.dumps(note))  # a Dask worker hands datasets back pickled
    assert isinstance(back, Note) and back.zh == note.zh
    kept_json = json.loads(json.dumps(kept([note, "plain text"])))
    assert kept_json == [["orders.csv: no units column", "orders.csv：没有数量列"], "plain text"]
    again = unkept(kept_json)
    assert [in_lang(n, "zh") for n in again] == ["orders.csv：没有数量列", "plain text"]  # other text stays as written
    assert type(str(note)) is str


def test_located_names_the_place_in_either_language() -> None:
    where = {"file": "a.csv", "column": "amount", "rows": [2, 3, 4, 5, 6, 9]}
    assert located("bad", **where, fix="correct it") == "a.csv, column 'amount', rows 2, 3, 4, 5, 6 (+1 more): bad — fix: correct it"
    assert located("坏值", **where, fix="改正", lang="zh") == "a.csv，列 'amount'，第 2、3、4、5、6 行（另 1 行）：坏值——处理：改正"
    assert located("bad", rows=[7]) == "row 7: bad" and located("坏值", rows=[7], lang="zh") == "第 7 行：坏值"
    assert str(CsanaError("bad", file="a.csv", rows=[7], fix="x")) == located("bad", file="a.csv", rows=[7], fix="x")
