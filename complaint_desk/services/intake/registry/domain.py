"""A site's registry folded from its events, and the events an admin's rows make: a new
place or piece of equipment, a change, a retirement. Pure, no I/O; the time is passed in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from complaint_desk.contract.events import DomainEvent
from complaint_desk.contract.events.registry import (
    AssetChanged,
    AssetRegistered,
    AssetRetired,
    PlaceChanged,
    PlaceRegistered,
    PlaceRetired,
)

from .rows import AssetRow, PlaceRow


@dataclass(frozen=True)
class Problem:
    """Why a row cannot be kept: the field, in both languages."""

    field: str
    reason_zh: str
    reason: str


@dataclass
class SiteRegistry:
    site: str
    version: int = 0
    places: dict[str, dict[str, Any]] = field(default_factory=dict)
    assets: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending: list[DomainEvent] = field(default_factory=list)

    @classmethod
    def rebuild(cls, site: str, history: Iterable[DomainEvent]) -> SiteRegistry:
        registry = cls(site)
        for event in history:
            registry._apply(event)
            registry.version += 1
        return registry

    @property
    def saved_version(self) -> int:
        return self.version - len(self.pending)

    def _record(self, event: DomainEvent) -> None:
        self._apply(event)
        self.version += 1
        self.pending.append(event)

    def _apply(self, event: DomainEvent) -> None:
        data = event.model_dump(mode="json")
        match event:
            case PlaceRegistered() | PlaceChanged():
                self.places[event.code] = {**data, "retired": False}
            case PlaceRetired():
                self.places[event.code]["retired"] = True
            case AssetRegistered() | AssetChanged():
                self.assets[event.code] = {**data, "retired": False}
            case AssetRetired():
                self.assets[event.code]["retired"] = True

    def place_in_use(self, code: str | None) -> bool:
        return code is not None and code in self.places and not self.places[code]["retired"]

    def put_place(self, row: PlaceRow) -> str:
        """Register or change a place: ``added``, ``changed`` or ``unchanged``."""
        fields = row.model_dump()
        current = self.places.get(row.code)
        if current is None:
            self._record(PlaceRegistered(**fields))
            return "added"
        if {k: current.get(k) for k in fields} == fields and not current["retired"]:
            return "unchanged"
        self._record(PlaceChanged(**fields))
        return "changed"

    def asset_problems(self, row: AssetRow, today: date) -> list[Problem]:
        found = []
        if row.place is not None and not self.place_in_use(row.place):
            found.append(Problem("place", f"查無地點 {row.place}", f"no place {row.place} here"))
        if row.installed_on is not None and row.installed_on > today:
            found.append(
                Problem("installed_on", "安裝日期不能在未來", "the install date is in the future")
            )
        return found

    def put_asset(self, row: AssetRow) -> str:
        fields = row.model_dump(mode="json")
        current = self.assets.get(row.code)
        if current is None:
            self._record(AssetRegistered(**row.model_dump()))
            return "added"
        if {k: current.get(k) for k in fields} == fields and not current["retired"]:
            return "unchanged"
        self._record(AssetChanged(**row.model_dump()))
        return "changed"

    def retire_place(self, code: str, reason: str | None) -> bool:
        if not self.place_in_use(code):
            return False
        self._record(PlaceRetired(code=code, reason=reason))
        return True

    def retire_asset(self, code: str, reason: str | None) -> bool:
        if code not in self.assets or self.assets[code]["retired"]:
            return False
        self._record(AssetRetired(code=code, reason=reason))
        return True
