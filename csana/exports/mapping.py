"""Export flavours: one mapping file per platform export format in ``params/sources/``.

A *flavour* (:class:`Flavour`) is one export format (赤兔, 千牛 客服绩效 …): which header spellings
mean which canonical field, how each is parsed, which rows are totals or peer benchmarks, which
cells are placeholders. :func:`load_flavour` reads and checks one, :func:`flavours` all shipped
ones; headers are matched after :func:`normalize_header` (full-/half-width folded, spaces and
unit suffixes dropped).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Literal

from pydantic import Field, PrivateAttr

from csana.catalogue import CATALOGUE
from csana.config import PARAMS_DIR, Frozen, read_config, validate
from csana.errors import CsanaError

SOURCES_DIR = PARAMS_DIR / "sources"
"""Where the shipped flavours' mapping files are (one YAML per flavour)."""


TABLE = "agent_period"


Kind = Literal["agent", "date", "text", "count", "money", "rate", "number", "duration"]


IDENTITY_KINDS: dict[str, Kind] = {"agent": "agent", "date": "date", "team": "text"}
IDENTITY_ZH = {"agent": "客服", "date": "日期", "team": "团队"}
"""The identity fields in Chinese, for notes."""

KINDS_BY_UNIT: dict[str, tuple[str, ...]] = {
    "people": ("count",), "orders": ("count",), "messages": ("count",), "units": ("count",),
    "yuan": ("money",), "ratio": ("rate", "number"), "seconds": ("duration",),
    "hours": ("number",), "score": ("number",), "yuan/hour": ("money", "number"),
}


class HeaderVariant(Frozen):
    """One accepted header spelling; ``scale`` multiplies plain numbers (minutes → seconds: 60)."""

    header: str = Field(min_length=1)
    scale: float = Field(1.0, gt=0)


class FieldSpec(Frozen):
    """How one canonical field appears in an export: its parse kind and header spellings."""

    kind: Kind
    headers: tuple[str | HeaderVariant, ...] = Field(min_length=1)

    def variants(self) -> tuple[HeaderVariant, ...]:
        return tuple(h if isinstance(h, HeaderVariant) else HeaderVariant(header=h) for h in self.headers)


class FieldSum(Frozen):
    """A field an export gives in parts: the sum of several columns (京东 满意评价 = 非常满意 + 满意).

    ``parts`` must all be columns of the file; ``optional`` parts are added when the file has them (京东's
    员工日报 has no 一般 column, other 京东 files do)."""

    kind: Kind
    parts: tuple[str, ...] = Field(min_length=2)
    optional: tuple[str, ...] = ()


class Flavour(Frozen):
    """One export flavour (params/sources/<name>.yaml); see the comments in chitu.yaml."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    zh: str
    description: str = ""
    required: tuple[str, ...] = ("agent",)
    signature: tuple[str, ...] = ()
    fields: dict[str, FieldSpec]
    sums: dict[str, FieldSum] = Field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    summary_rows: tuple[str, ...] = ()
    benchmark_rows: tuple[str, ...] = ()
    placeholders: tuple[str, ...] = ()
    shop_separators: tuple[str, ...] = (":",)
    file_days: int = Field(1, ge=1, le=366)
    underived: tuple[str, ...] = ()
    _file: str = PrivateAttr("<memory>")

    @property
    def file(self) -> str:
        """The mapping file this flavour was read from (named in errors: the file to edit)."""
        return self._file

    def lookup(self) -> dict[str, tuple[str, float]]:
        """Normalised header → (field id, scale)."""
        return {normalize_header(v.header): (fid, v.scale) for fid, spec in self.fields.items() for v in spec.variants()}

    def part_headers(self) -> set[str]:
        """The normalised headers of the parts of summed fields (:class:`FieldSum`)."""
        return {normalize_header(h) for spec in self.sums.values() for h in spec.parts}

    def known(self) -> set[str]:
        """Every normalised header this flavour reads: its fields' and its sums' parts."""
        return set(self.lookup()) | self.part_headers()

    def header_of(self, field_id: str) -> str:
        """The field's main header spelling (its first unscaled variant)."""
        variants = self.fields[field_id].variants()
        return next((v.header for v in variants if v.scale == 1), variants[0].header)


def mapping_problems(mapping: Flavour) -> list[str]:
    """Meaning checks of a mapping (after its shape was validated), all problems at once."""
    problems = []
    for fid, spec in mapping.fields.items():
        if fid in IDENTITY_KINDS:
            if spec.kind != IDENTITY_KINDS[fid]:
                problems.append(f"'fields.{fid}.kind' must be {IDENTITY_KINDS[fid]} (got {spec.kind})")
        elif fid not in CATALOGUE:
            problems.append(f"unknown field 'fields.{fid}' (allowed: agent, date, team, or a metric id: {', '.join(CATALOGUE)})")
        elif spec.kind not in KINDS_BY_UNIT[CATALOGUE[fid].unit]:
            allowed = " or ".join(KINDS_BY_UNIT[CATALOGUE[fid].unit])
            problems.append(f"'fields.{fid}.kind' must be {allowed} for a metric in {CATALOGUE[fid].unit} (got {spec.kind})")
    owners: dict[str, str] = {}
    for fid, spec in mapping.fields.items():
        for variant in spec.variants():
            key = normalize_header(variant.header)
            if owners.setdefault(key, fid) != fid:
                problems.append(f"header '{variant.header}' is listed under both fields.{owners[key]} and fields.{fid}")
    for fid, total in mapping.sums.items():
        if fid not in CATALOGUE or fid in IDENTITY_KINDS:
            problems.append(f"unknown field 'sums.{fid}' (a metric id: {', '.join(CATALOGUE)})")
        elif total.kind not in KINDS_BY_UNIT[CATALOGUE[fid].unit] or total.kind not in ("count", "money", "duration"):
            problems.append(f"'sums.{fid}.kind' must be an additive kind for a metric in {CATALOGUE[fid].unit} "
                            f"(got {total.kind})")
        elif fid in mapping.fields and mapping.fields[fid].kind != total.kind:
            problems.append(f"'sums.{fid}.kind' must be the kind of fields.{fid} ({mapping.fields[fid].kind})")
        problems += [f"header '{h}' of sums.{fid} is also listed under fields.{owners[normalize_header(h)]}"
                     for h in total.parts if normalize_header(h) in owners]
    if "agent" not in mapping.fields:
        problems.append("'fields.agent' is missing: every export names its agents")
    problems += [f"'required' names '{r}', which is not under fields" for r in mapping.required
                 if r not in mapping.fields and r not in mapping.sums]
    problems += ["'shop_separators' holds an empty text" for sep in mapping.shop_separators if not sep]
    problems += [f"'underived' names '{u}', which is not a metric id" for u in mapping.underived if u not in CATALOGUE]
    return problems


def load_flavour(flavour: str | Path | Flavour) -> Flavour:
    """A flavour by name (``"chitu"``, a file in params/sources/) or by the path of a mapping file."""
    if isinstance(flavour, Flavour):
        return flavour
    path = Path(flavour)
    if path.suffix.lower() not in (".yaml", ".yml", ".json"):
        path = SOURCES_DIR / f"{flavour}.yaml"
        if not path.exists():
            known = ", ".join(sorted(p.stem for p in SOURCES_DIR.glob("*.yaml")))
            raise CsanaError(f"unknown export flavour '{flavour}'", fix=f"use one of: {known}, or the path of a mapping file")
    mapping = validate(Flavour, read_config(path), path)
    problems = mapping_problems(mapping)
    if problems:
        raise CsanaError(f"{len(problems)} problem(s): " + "; ".join(problems), file=str(path))
    mapping._file = str(path)
    return mapping


def flavours() -> list[Flavour]:
    """Every flavour in params/sources/, by name."""
    return [load_flavour(p) for p in sorted(SOURCES_DIR.glob("*.yaml"))]


UNIT_SUFFIX = re.compile(r"\((?:人|人数|元|件|个|次|条|单|%|秒|s)\)$")


ARROW = re.compile(r"[-—–]+>|→|⟶|➝|➔")


def normalize_header(text: object) -> str:
    """Header text as matched: NFKC (full-width → half-width), no spaces, lower case, '->' arrows,
    and no unit-only suffix such as (人), (元), (秒)."""
    t = unicodedata.normalize("NFKC", str(text)).lower()
    t = re.sub(r"\s+", "", t)
    t = ARROW.sub("->", t)
    return UNIT_SUFFIX.sub("", t)


