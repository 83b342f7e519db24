"""A CSV of places and equipment, read against the site's registry: what would change, and
every bad row with its reason. Pure. One file holds both, a row's ``kind`` saying which
(place or asset, 地點 or 設備); headers in English or Chinese; places before the equipment
that stands at them, whatever the order of the rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from .domain import Problem, SiteRegistry
from .rows import AssetRow, PlaceRow

HEADERS = {
    "類別": "kind", "種類": "kind", "代碼": "code", "編號": "code", "名稱": "name",
    "大樓": "building", "樓層": "floor", "房間": "room", "區域": "room", "設備類型": "type",
    "類型": "type", "序號": "serial", "型號": "model", "安裝日期": "installed_on",
    "地點": "place", "維修團隊": "maintenance_team",
}  # fmt: skip
KINDS = {"place": "place", "地點": "place", "asset": "asset", "設備": "asset", "equipment": "asset"}
PLACE_FIELDS = tuple(PlaceRow.model_fields)
ASSET_FIELDS = tuple(AssetRow.model_fields)
FIELD_ZH = {
    "kind": "類別", "code": "代碼", "name": "名稱", "building": "大樓", "floor": "樓層",
    "room": "房間", "type": "設備類型", "serial": "序號", "model": "型號",
    "installed_on": "安裝日期", "place": "地點", "maintenance_team": "維修團隊",
}  # fmt: skip
MAX_ROWS = 20_000


@dataclass(frozen=True)
class Change:
    line: int
    kind: str  # place | asset
    code: str
    action: str  # added | changed | unchanged


@dataclass(frozen=True)
class BadRow:
    line: int
    field: str
    field_zh: str
    reason_zh: str
    reason: str


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = {"added": 0, "changed": 0, "unchanged": 0}
        for c in self.changes:
            counts[c.action] += 1
        return counts


def _bad(line: int, problem: Problem) -> BadRow:
    return BadRow(line, problem.field, FIELD_ZH.get(problem.field, problem.field),
                  problem.reason_zh, problem.reason)  # fmt: skip


def _invalid(line: int, exc: ValidationError) -> list[BadRow]:
    found = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        empty = error["type"] == "missing" or error.get("input") is None
        zh = "必填" if empty else "格式不符"
        if error["type"] == "enum" and not empty:
            zh = "不是可用的設備類型"
        found.append(BadRow(line, name, FIELD_ZH.get(name, name), zh, error["msg"]))
    return found


def rows_of(text: str) -> list[tuple[int, dict[str, str]]]:
    """The CSV's rows with their line numbers, headers named as the fields are."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = {
        h: HEADERS.get((h or "").strip(), (h or "").strip().lower())
        for h in reader.fieldnames or []
    }
    rows: list[tuple[int, dict[str, str]]] = []
    for row in reader:
        if len(rows) >= MAX_ROWS:
            break
        named = {headers[k]: (v or "").strip() for k, v in row.items() if k in headers}
        if any(named.values()):
            rows.append((reader.line_num, named))
    return rows


def plan(
    registry: SiteRegistry, text: str, today: date, progress: Callable[[int], None] | None = None
) -> Plan:
    """The changes the rows make to ``registry`` (recorded on it, as pending events: a dry
    run drops them) and the rows that cannot be kept."""
    result = Plan()
    rows = rows_of(text)
    ordered = sorted(rows, key=lambda r: KINDS.get(r[1].get("kind", "").lower(), "z") != "place")
    seen: set[tuple[str, str]] = set()
    for line, row in ordered:
        if progress is not None:
            progress(1)
        kind = KINDS.get(row.get("kind", "").strip().lower())
        if kind is None:
            result.bad.append(BadRow(line, "kind", "類別", "類別須為「地點」或「設備」",
                                     "kind is place or asset"))  # fmt: skip
            continue
        wanted = PLACE_FIELDS if kind == "place" else ASSET_FIELDS
        fields: dict[str, Any] = {k: row.get(k) or None for k in wanted}
        try:
            parsed = PlaceRow(**fields) if kind == "place" else AssetRow(**fields)
        except ValidationError as exc:
            result.bad.extend(_invalid(line, exc))
            continue
        if (kind, parsed.code) in seen:
            result.bad.append(BadRow(line, "code", "代碼", f"{parsed.code} 在檔案中重複",
                                     f"{parsed.code} appears twice in the file"))  # fmt: skip
            continue
        seen.add((kind, parsed.code))
        if isinstance(parsed, AssetRow):
            problems = registry.asset_problems(parsed, today)
            if problems:
                result.bad.extend(_bad(line, p) for p in problems)
                continue
            action = registry.put_asset(parsed)
        else:
            action = registry.put_place(parsed)
        result.changes.append(Change(line, kind, parsed.code, action))
    result.changes.sort(key=lambda c: c.line)
    result.bad.sort(key=lambda b: (b.line, b.field))
    return result
