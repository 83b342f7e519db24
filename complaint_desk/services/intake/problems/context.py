"""What every problem and inspection use case needs: who acts for which sites, and the
registry entries and words a command names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from complaint_desk.contract.events import Metadata
from complaint_desk.shared.db import Connection

from ..refusals import NotInRegistry
from ..repository import RegistryStore


@dataclass(frozen=True)
class Desk:
    """Who acts, the sites they serve (None: all), and the settings a problem needs."""

    actor: str
    sites: frozenset[str] | None
    watch_days: int
    console_base_url: str

    def link(self, problem_id: UUID) -> str:
        return f"{self.console_base_url.rstrip('/')}/console/problems/{problem_id}"


def metadata(site: str, actor: str, relayed_by: str | None = None) -> Metadata:
    return Metadata(site_id=site, actor=actor, relayed_by=relayed_by)


async def entries(
    conn: Connection, site: str, place: str | None, asset: str | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    registry = await RegistryStore(conn).get(site)
    found_asset = registry.assets.get(asset) if asset else None
    if asset and (found_asset is None or found_asset["retired"]):
        raise NotInRegistry("asset", asset)
    found_place = registry.places.get(place) if place else None
    if place and (found_place is None or found_place["retired"]):
        raise NotInRegistry("place", place)
    return found_place, found_asset


def team_of(asset: dict[str, Any] | None) -> str | None:
    team = (asset or {}).get("maintenance_team")
    return str(team) if team else None


def where(place: dict[str, Any] | None, asset: dict[str, Any] | None, fallback: str) -> str:
    if asset:
        return str(asset["name"])
    return str(place["name"]) if place else fallback


class NotVisible(LookupError):
    """The sender does not serve the site of what it names."""
