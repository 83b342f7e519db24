"""Merging a complaint into another about the same problem (併案), and undoing it: both
complaints change in one transaction, or neither does."""

from __future__ import annotations

from uuid import UUID

from complaint_desk.shared.eventstore import ConcurrencyConflict
from complaint_desk.shared.uow import UnitOfWork

from . import commands as c
from .domain import Complaint
from .refusals import ComplaintNotFound, VersionConflict
from .repository import ComplaintRepository
from .service import Outcome, Provenance, metadata_for


async def merge(
    uow: UnitOfWork,
    complaint_id: UUID,
    command: c.Merge,
    *,
    sites: frozenset[str] | None,
    provenance: Provenance | None = None,
) -> Outcome:
    """Merge ``complaint_id`` into ``command.into``: its complainant becomes a co-complainant
    there (told of that complaint's progress and called back with it)."""
    provenance = provenance or Provenance()
    try:
        async with uow() as conn:
            repo = ComplaintRepository(conn)
            source = await _visible(repo, complaint_id, sites)
            target = await _visible(repo, command.into, sites)
            if command.expected_version not in (None, source.version):
                raise VersionConflict(command.expected_version, source.version)
            source.merge_into(target, command)
            events = [e.event_type for e in (*source.pending, *target.pending)]
            await repo.save(target, metadata_for(target, command.actor, provenance))
            saved = await repo.save(source, metadata_for(source, command.actor, provenance))
    except ConcurrencyConflict as exc:
        raise VersionConflict(exc.expected, exc.actual) from None
    return Outcome(source, events, position=saved.position)


async def undo(
    uow: UnitOfWork,
    complaint_id: UUID,
    command: c.UndoMerge,
    *,
    sites: frozenset[str] | None,
    provenance: Provenance | None = None,
) -> Outcome:
    """The merged complaint stands on its own again, at the stage it had."""
    provenance = provenance or Provenance()
    try:
        async with uow() as conn:
            repo = ComplaintRepository(conn)
            source = await _visible(repo, complaint_id, sites)
            if command.expected_version not in (None, source.version):
                raise VersionConflict(command.expected_version, source.version)
            target = await repo.get(source.merged_into) if source.merged_into else None
            source.undo_merge(target, command)
            events = [e.event_type for e in source.pending]
            if target is not None and target.pending:
                events += [e.event_type for e in target.pending]
                await repo.save(target, metadata_for(target, command.actor, provenance))
            saved = await repo.save(source, metadata_for(source, command.actor, provenance))
    except ConcurrencyConflict as exc:
        raise VersionConflict(exc.expected, exc.actual) from None
    return Outcome(source, events, position=saved.position)


async def _visible(
    repo: ComplaintRepository, complaint_id: UUID, sites: frozenset[str] | None
) -> Complaint:
    complaint = await repo.get(complaint_id)
    if complaint is None or (sites is not None and complaint.site not in sites):
        raise ComplaintNotFound(complaint_id)
    return complaint
