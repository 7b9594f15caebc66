"""Privacy helpers for anything that shows or exports customer data.

Three jobs, all polars expressions or frame functions so every report, export and
widget can reuse them:

:func:`mask_text`
    replaces personal data in free text (chat messages) with a bracketed token:
    e-mail addresses, ID-card numbers (居民身份证, 18 characters: 6-digit region,
    8-digit birth date, 3-digit sequence, a check digit or X), mainland mobile numbers
    (11 digits starting 13–19, also written 138 1234 5678 / 138-1234-5678 or with +86),
    landlines written with an area code and a dash (0571-88886666), and postal
    addresses (two or more consecutive address parts such as 省/市/区/县/镇/路/街/巷/
    小区 after a name, or 3号楼/2单元/501室 after a number). Digits are Unicode
    digits, so full-width ０-９ are caught too. Masking errs towards hiding: a
    sentence's words just before an address may be masked with it.
:func:`pseudonymise`
    a stable, salted keyed hash (BLAKE2b with the salt as key) of an id: the same
    customer gets the same pseudonym in every report made with the same salt, and
    without the salt the id cannot be recovered by hashing guesses.
:func:`neutralise_formulas` (defined in :mod:`csana.writers`, which every table export goes through)
    spreadsheet formula injection (CSV/XLSX exports): text cells starting with
    ``= + - @`` (and tab or carriage return, as OWASP advises) get a leading
    apostrophe, so Excel/WPS shows them as text instead of running them.

Presenters must still HTML-escape the text they render.
"""

from __future__ import annotations

import hashlib
import os

import polars as pl

from csana.writers import FORMULA_START, neutralise_formulas

__all__ = ["FORMULA_START", "mask_text", "neutralise_formulas", "pseudonym", "pseudonymise", "resolve_salt"]

DEFAULT_SALT = "csana"
"""Used when no salt is given and CSANA_SALT is unset: stable, but public — set your own."""
TOKENS = {
    "zh": {"email": "[邮箱]", "id_card": "[身份证号]", "mobile": "[手机号]", "landline": "[电话]", "address": "[地址]"},
    "en": {"email": "[email]", "id_card": "[id-card]", "mobile": "[phone]", "landline": "[phone]", "address": "[address]"},
}

_SEP = r"[ \-\u00a0]?"
_ND_LEFT = r"(^|[^\d])"
_ND_RIGHT = r"([^\d]|$)"
EMAIL = r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+"
ID_CARD = (
    _ND_LEFT + r"[1-9１-９]\d{5}" + _SEP
    + r"(?:[1１][89８９]|[2２][0０])\d{2}(?:[0０][1-9１-９]|[1１][0-2０-２])(?:[0０][1-9１-９]|[12１２]\d|[3３][01０１])"
    + _SEP + r"\d{3}[\dXxＸｘ]" + r"([^\dXxＸｘ]|$)"
)
MOBILE = _ND_LEFT + r"(?:[+＋]?[8８][6６]" + _SEP + r")?[1１][3-9３-９]\d" + _SEP + r"\d{4}" + _SEP + r"\d{4}" + _ND_RIGHT
LANDLINE = _ND_LEFT + r"0\d{2,3}-\d{7,8}" + _ND_RIGHT
_NAMED = (
    r"[\p{Han}A-Za-z]{1,8}?(?:特别行政区|自治区|自治州|省|市|区|县|旗|镇|乡|街道|村|大道|胡同|路|街|巷|弄"
    r"|小区|花园|公寓|大厦|广场|园|苑)"
)
_NUMBERED = r"[\dA-Za-z\-]{1,6}(?:号院|号楼|号|栋|幢|座|单元|层|楼|室|弄|巷)"
ADDRESS = rf"(?:{_NAMED}|{_NUMBERED})(?:[\s,，]*(?:{_NAMED}|{_NUMBERED}))+\d*"


def mask_text(expr: pl.Expr, lang: str = "zh") -> pl.Expr:
    """``expr`` (text) with e-mails, ID cards, phone numbers and addresses replaced by tokens.

    Patterns with a digit boundary keep the character they matched on either side
    (the regex engine has no look-around); each such replacement runs twice so two
    numbers separated by a single character are both caught.
    """
    token = TOKENS["zh" if lang == "zh" else "en"]
    out = expr.cast(pl.String).str.replace_all(EMAIL, token["email"])
    for pattern, name in ((ID_CARD, "id_card"), (MOBILE, "mobile"), (LANDLINE, "landline")):
        for _ in range(2):
            out = out.str.replace_all(pattern, "${1}" + token[name] + "${2}")
    return out.str.replace_all(ADDRESS, token["address"])


def resolve_salt(salt: str | None = None) -> str:
    """The salt to use: the given one, else $CSANA_SALT, else the public default."""
    return salt if salt is not None else os.environ.get("CSANA_SALT", DEFAULT_SALT)


def pseudonym(value: str, salt: str, prefix: str = "C-") -> str:
    """The pseudonym of one id: prefix + 12 hex digits of BLAKE2b keyed with the salt."""
    key = salt.encode("utf-8")
    if len(key) > 64:
        key = hashlib.blake2b(key).digest()
    return prefix + hashlib.blake2b(value.encode("utf-8"), key=key, digest_size=6).hexdigest()


def pseudonymise(expr: pl.Expr, salt: str | None = None, prefix: str = "C-") -> pl.Expr:
    """``expr`` (ids) replaced by stable salted pseudonyms (nulls stay null).

    Hashing runs once per distinct id of each batch (Python's hashlib: polars has no
    keyed cryptographic hash, and its own ``hash`` is not stable across versions).
    """
    key = resolve_salt(salt)

    def _batch(ids: pl.Series) -> pl.Series:
        distinct = ids.drop_nulls().unique().to_list()
        mapping = {v: pseudonym(v, key, prefix) for v in distinct}
        return ids.replace_strict(mapping, default=None, return_dtype=pl.String)

    return expr.cast(pl.String).map_batches(_batch, return_dtype=pl.String, is_elementwise=True)
