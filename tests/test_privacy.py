"""Masking of personal data in chat text, pseudonyms, and formula neutralising."""

from __future__ import annotations

import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csana.privacy import mask_text, neutralise_formulas, pseudonym, pseudonymise


def masked(text: str, lang: str = "zh") -> str:
    return pl.select(mask_text(pl.lit(text), lang)).item()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的电话13812345678谢谢", "我的电话[手机号]谢谢"),
        ("电话 138 1234 5678", "电话 [手机号]"),
        ("138-1234-5678", "[手机号]"),
        ("+86 138 1234 5678 找我", "[手机号] 找我"),
        ("8613912345678", "[手机号]"),
        ("号码是１３８１２３４５６７８", "号码是[手机号]"),  # full-width digits, as Chinese IMEs type them
        ("13812345678,13912345678", "[手机号],[手机号]"),  # two numbers one character apart
        ("a19912345678b", "a[手机号]b"),
    ],
)
def test_mobile_numbers_masked(text: str, expected: str) -> None:
    assert masked(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证11010519491231002X", "身份证[身份证号]"),
        ("身份证号 110105 19491231 002x 好的", "身份证号 [身份证号] 好的"),
        ("440305200001011234,到付", "[身份证号],到付"),
    ],
)
def test_id_cards_masked(text: str, expected: str) -> None:
    assert masked(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("地址浙江省杭州市西湖区文三路90号东部软件园3号楼501室，谢谢", "[地址]，谢谢"),
        ("北京市朝阳区建国路88号", "[地址]"),
        ("送到幸福小区3栋2单元501", "[地址]"),  # words just before an address go with it (errs to hiding)
        ("广东省 深圳市 南山区", "[地址]"),
        ("收货地址：上海市浦东新区张江路", "收货地址：[地址]"),
    ],
)
def test_addresses_masked(text: str, expected: str) -> None:
    assert masked(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "这个型号有货吗", "型号XL号有吗", "你们发货地区是哪里", "明天3号发货", "知道了，谢谢", "这个区别大吗",
        "订单号123456789012345678901", "价格 1380 元, 共 12345678901234 件", "12345678901", "满199减20",
    ],
)
def test_ordinary_chat_left_alone(text: str) -> None:
    assert masked(text) == text


def test_other_contacts_and_english_tokens() -> None:
    assert masked("座机0571-88886666") == "座机[电话]"
    assert masked("邮箱 abc.d@qq.com") == "邮箱 [邮箱]"
    assert masked("call 13812345678 at 北京市朝阳区建国路88号", "en") == "call [phone] at [address]"


@settings(max_examples=60, deadline=None)
@given(
    prefix=st.sampled_from(["", "电话", "手机:", "号码 ", "a", "，"]),
    second=st.integers(3, 9),
    rest=st.integers(0, 10**9 - 1),
    sep=st.sampled_from(["", " ", "-"]),
    suffix=st.sampled_from(["", "谢谢", " 好", "。", "b"]),
)
def test_any_mobile_number_disappears(prefix: str, second: int, rest: int, sep: str, suffix: str) -> None:
    digits = f"1{second}{rest:09d}"
    number = f"{digits[:3]}{sep}{digits[3:7]}{sep}{digits[7:]}"
    out = masked(prefix + number + suffix)
    assert out == f"{prefix}[手机号]{suffix}"
    assert not re.search(r"\d{4}", out)


def test_pseudonyms_stable_salted_and_null_safe() -> None:
    frame = pl.DataFrame({"customer_id": ["u1", "u2", "u1", None]})
    out = frame.select(p=pseudonymise(pl.col("customer_id"), salt="s1"))["p"].to_list()
    assert out[0] == out[2] != out[1] and out[3] is None
    assert out[0] == pseudonym("u1", "s1") and re.fullmatch(r"C-[0-9a-f]{12}", out[0])
    assert "u1" not in out[0]
    other = frame.select(p=pseudonymise(pl.col("customer_id"), salt="s2"))["p"].to_list()
    assert other[0] != out[0]
    # stable across calls and independent of what else is in the batch
    alone = pl.DataFrame({"c": ["u1"]}).select(pseudonymise(pl.col("c"), salt="s1")).item()
    assert alone == out[0]


def test_salt_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSANA_SALT", "from-env")
    got = pl.select(pseudonymise(pl.lit("u1"))).item()
    assert got == pseudonym("u1", "from-env")


def test_formulas_neutralised_only_in_text_cells() -> None:
    frame = pl.DataFrame({"a": ["=1+1", "+x", "-3", "@SUM(A1)", "ok", None, "\tx"], "b": [1, -2, 3, 4, 5, 6, 7]})
    out = neutralise_formulas(frame)
    assert out["a"].to_list() == ["'=1+1", "'+x", "'-3", "'@SUM(A1)", "ok", None, "'\tx"]
    assert out["b"].to_list() == frame["b"].to_list()
