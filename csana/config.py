"""Configuration files: reading YAML/JSON and validating it into typed, frozen objects.

Every file in ``params/`` (metric params, column names, export mappings, schemes,
diagnostic rules, report configurations) loads the same way, in two layers:

* shape — :class:`Frozen` models forbid unknown keys and check types;
* meaning — each model's own validators (tier gaps, unknown metric ids …).

Every problem of a file is reported at once, in one :class:`~csana.errors.CsanaError`
naming the file, each key (list items by their id: ``indicators[0] (conv_final).weight``)
and what is allowed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from csana.errors import CsanaError

PARAMS_DIR = Path(__file__).resolve().parent.parent / "params"
"""The project's editable parameter folder (params/ at the top of the checkout)."""

M = TypeVar("M", bound=BaseModel)


class Frozen(BaseModel):
    """Base of every configuration object: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def read_config(path: str | Path) -> dict[str, Any]:
    """Parse a YAML or JSON file into a dict, with a clear error when it is not one."""
    path = Path(path)
    if not path.exists():
        raise CsanaError("file not found", file=str(path), fix="check the path")
    if not path.is_file():
        raise CsanaError("is a folder, not a file", file=str(path), fix="give the path of the YAML or JSON file")
    kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
    text = _decoded(path.read_bytes(), path, kind)
    try:
        data = json.loads(text) if kind == "JSON" else _yaml(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise CsanaError(f"not valid {kind}: {_one_line(exc)}", file=str(path)) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CsanaError("expected a mapping of keys to values at the top level", file=str(path))
    return data


def _yaml(text: str) -> Any:
    """YAML parsed by libyaml when PyYAML has it (ten times faster: csana reads a dozen files per command);
    a text libyaml rejects is parsed again by PyYAML's own parser, whose error messages name line and column."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.load(text, Loader=fast)  # noqa: S506 - the C build of SafeLoader
        except yaml.YAMLError:
            pass
    return yaml.safe_load(text)


def _decoded(raw: bytes, path: Path, kind: str) -> str:
    """The file's text: UTF-8 (with or without BOM), else GB18030 as Chinese Windows Notepad saves it."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsanaError(f"not a text file, so not {kind}", file=str(path), fix="save it as UTF-8 text (any editor's default)")


def _one_line(exc: Exception) -> str:
    """A parser's error on one line, with the position as line/column (YAML's own text spans several lines)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if mark is not None and problem:
        return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"
    return " ".join(str(exc).split())


def validate(model: type[M], data: Mapping[str, Any], source: str | Path, *, context: dict[str, Any] | None = None,
             fix: str | None = None) -> M:
    """Build ``model`` from ``data``; every problem is reported at once, naming file, key and fix."""
    try:
        return model.model_validate(dict(data), context=context)
    except ValidationError as exc:
        raise CsanaError(describe(exc, model, data), file=str(source), fix=fix) from None


def describe(exc: ValidationError, model: type[BaseModel], data: Any) -> str:
    """One readable line per problem: where (list items named by their id), what, what is allowed."""
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        where = _where(loc, data)
        if err["type"] == "extra_forbidden":
            allowed = ", ".join(allowed_keys(model, loc[:-1]))
            problems.append(f"unknown key '{where}' (allowed: {allowed})")
        elif err["type"] == "invalid_key":
            problems.append(f"{_where(loc[:-1], data) or 'top level'}: key {err.get('input')!r} is not text — YAML reads "
                            "bare on/off/yes/no as true/false; quote it or use the documented key")
        elif err["type"] == "missing":
            problems.append(f"{where}: missing (required)")
        elif err["type"] in ("value_error", "assertion_error"):
            msg = str(err["msg"]).removeprefix("Value error, ")
            problems.append(f"{where or 'top level'}: {msg}")
        else:
            problems.append(f"{where}: {err['msg']} (got {_short(err.get('input'))})")
    return f"{len(problems)} problem(s): " + "; ".join(problems)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _where(loc: tuple[Any, ...], data: Any) -> str:
    """'indicators[2] (conv_final).tiers[0].score' from pydantic's location tuple."""
    parts: list[str] = []
    node = data
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            item = node[part] if isinstance(node, (list, tuple)) and part < len(node) else None
            name = None
            if isinstance(item, dict):
                name = item.get("id") or item.get("metric") or item.get("manual")
            parts[-1:] = [f"{parts[-1] if parts else ''}[{part}]" + (f" ({name})" if isinstance(name, str) else "")]
            node = item
        else:
            node = node.get(part) if isinstance(node, dict) else None
            if str(part).startswith("function-") or part in ("tagged-union",):
                continue
            parts.append(str(part))
    return ".".join(parts)


def allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys valid at ``loc`` inside ``model``, walking through lists and mappings of items."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            break
        current = _model_in(fields[part].annotation) or current
    return sorted(getattr(current, "model_fields", {}) or [])


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None
