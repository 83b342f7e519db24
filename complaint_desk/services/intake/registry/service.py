"""The registry's use cases: an admin puts or retires a place or a piece of equipment, imports
a CSV (a dry run first, and nothing at all while a row is bad), and an officer links a
complaint to what it is about. Each in one transaction with its events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal
from uuid import UUID

from complaint_desk.contract.events import Metadata
from complaint_desk.shared.uow import UnitOfWork

from .. import commands as c
from ..refusals import ComplaintNotFound, ImportHasBadRows, NotInRegistry, RegistryRowInvalid
from ..repository import ComplaintRepository, RegistryStore
from ..service import Outcome, Provenance, metadata_for
from . import importing
from .rows import AssetRow, PlaceRow

Kind = Literal["place", "asset"]


def _metadata(site: str, actor: str) -> Metadata:
    return Metadata(site_id=site, actor=actor)


async def put(uow: UnitOfWork, site: str, row: PlaceRow | AssetRow, actor: str, today: date) -> str:
    """``added``, ``changed`` or ``unchanged``."""
    async with uow() as conn:
        store = RegistryStore(conn)
        registry = await store.get(site)
        if isinstance(row, AssetRow):
            problems = registry.asset_problems(row, today)
            if problems:
                raise RegistryRowInvalid([(p.field, p.reason_zh, p.reason) for p in problems])
            action = registry.put_asset(row)
        else:
            action = registry.put_place(row)
        await store.save(registry, _metadata(site, actor))
    return action


async def retire(
    uow: UnitOfWork, site: str, kind: Kind, code: str, reason: str | None, actor: str
) -> None:
    async with uow() as conn:
        store = RegistryStore(conn)
        registry = await store.get(site)
        done = (registry.retire_place if kind == "place" else registry.retire_asset)(code, reason)
        if not done:
            raise NotInRegistry(kind, code)
        await store.save(registry, _metadata(site, actor))


async def import_csv(
    uow: UnitOfWork,
    site: str,
    text: str,
    actor: str,
    today: date,
    *,
    dry_run: bool,
    progress: Callable[[int], None] | None = None,
) -> importing.Plan:
    """What the CSV changes; recorded unless it is a dry run. A file with a bad row changes
    nothing (the refusal lists every bad row)."""
    async with uow() as conn:
        store = RegistryStore(conn)
        registry = await store.get(site)
        plan = importing.plan(registry, text, today, progress)
        if dry_run:
            return plan
        if plan.bad:
            rows = [vars(b) for b in plan.bad]
            raise ImportHasBadRows(len(plan.bad), rows)
        await store.save(registry, _metadata(site, actor))
    return plan


@dataclass(frozen=True)
class Linked:
    place: dict[str, object] | None
    asset: dict[str, object] | None


async def link(
    uow: UnitOfWork,
    complaint_id: UUID,
    command: c.LinkAsset,
    *,
    sites: frozenset[str] | None,
    provenance: Provenance | None = None,
) -> Outcome:
    """Name the registered place (and equipment) the complaint is about: the equipment's own
    place when only the equipment is named."""
    async with uow() as conn:
        repo = ComplaintRepository(conn)
        complaint = await repo.get(complaint_id)
        if (
            complaint is None
            or complaint.site is None
            or (sites is not None and complaint.site not in sites)
        ):
            raise ComplaintNotFound(complaint_id)
        registry = await RegistryStore(conn).get(complaint.site)
        asset = registry.assets.get(command.asset) if command.asset else None
        if command.asset and (asset is None or asset["retired"]):
            raise NotInRegistry("asset", command.asset)
        place_code = command.place or (asset["place"] if asset else None)
        place = registry.places.get(place_code) if place_code else None
        if place_code and (place is None or place["retired"]):
            raise NotInRegistry("place", str(place_code))
        complaint.link_asset(place, asset)
        saved = await repo.save(
            complaint, metadata_for(complaint, command.actor, provenance or Provenance())
        )
    return Outcome(complaint, ["AssetLinked"], position=saved.position)
