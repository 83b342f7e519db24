"""Retention: a closed complaint's personal data is erased automatically once its site's
retention has passed since its last close, by the same crypto-shredding as an erasure by
hand (PersonalDataErased on each of the complainant's complaints; their files that show a
person go too). The sealed dossier then reads 已抹除 for that data."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from uuid import UUID

from complaint_desk.contract.events import utcnow
from complaint_desk.shared.privacy.keys import KeyRing
from complaint_desk.shared.runtime import ServiceRuntime
from complaint_desk.shared.uow import UnitOfWork

from .refusals import Refusal
from .repository import ComplaintRepository
from .service import erase_complainant
from .settings import IntakeSettings

ACTOR = "system:retention"
log = logging.getLogger(__name__)


def cutoffs(retention_days: Mapping[str, int], now: datetime) -> dict[str, datetime]:
    """Each site's cutoff: complaints closed before it are past their retention."""
    return {site.upper() if site != "*" else "*": now - timedelta(days=days)
            for site, days in retention_days.items()}  # fmt: skip


async def sweep(
    uow: UnitOfWork, keyring: KeyRing, retention_days: Mapping[str, int], now: datetime
) -> list[UUID]:
    """Erase every complainant whose closed complaint is past its retention; the complaints
    erased (each complainant's, all of them)."""
    if not retention_days:
        return []
    erased: list[UUID] = []
    while True:
        async with uow() as conn:
            due = await ComplaintRepository(conn).due_for_retention(cutoffs(retention_days, now))
        if not due:
            return erased
        before = len(erased)
        for complaint_id in due:
            try:
                theirs, _ = await erase_complainant(
                    uow, keyring, complaint_id, actor=ACTOR, sites=None
                )
            except Refusal as exc:  # recorded before personal data was sealed: nothing to do
                log.info("retention skipped a complaint", extra={"reason": exc.code})
                continue
            erased.extend(theirs)
        if len(due) < 100 or len(erased) == before:  # the last batch, or no progress
            return erased


async def retention(runtime: ServiceRuntime) -> None:
    """The background job: a sweep every ``retention_check_seconds``."""
    settings = runtime.settings
    assert isinstance(settings, IntakeSettings)
    while True:
        erased = await sweep(runtime.uow, runtime.keyring, settings.retention_days, utcnow())
        if erased:
            log.info("personal data erased after retention", extra={"complaints": len(erased)})
        await asyncio.sleep(settings.retention_check_seconds)
