"""Intake's consumers: the complainant's answer to the callback link (CallbackAnswered, from
notify) becomes CallbackRecorded on the complaint, and a supervisor's review when they are not
satisfied; a closed complaint's record is sealed."""

import logging

from complaint_desk.contract.events import EventEnvelope, utcnow
from complaint_desk.contract.events.notifications import CallbackAnswered
from complaint_desk.shared.db import Connection

from . import archive
from .commands import RecordCallback
from .problems.service import link_new_complaint
from .refusals import IllegalTransition
from .repository import ComplaintRepository
from .service import Context, Provenance, apply_command, record_late_answer

log = logging.getLogger(__name__)


class CallbackAnswers:
    """Records the complainant's own answer to the callback (回訪) on the complaint."""

    name = "intake.callback-answers"
    stream_types = ("notification",)
    acts_on = frozenset({CallbackAnswered.__name__})

    async def apply(self, conn: Connection, event: EventEnvelope) -> None:
        if event.event_type != CallbackAnswered.__name__:
            return
        answer = CallbackAnswered.model_validate(event.data)
        command = RecordCallback(
            actor="complainant",
            channel="email" if answer.channel == "email" else "sms",
            satisfied=answer.satisfied,
            comments=answer.comments,
            rating=answer.rating,
            reasons=answer.reasons,
            suggestions=answer.suggestions,
        )
        repo = ComplaintRepository(conn)
        provenance = Provenance(correlation_id=event.correlation_id, causation_id=event.event_id)
        try:
            async with conn.transaction():  # a refusal rolls back only the attempt
                await apply_command(
                    repo, "callbacks", event.stream_id, command, Context(now=utcnow()), provenance
                )
        except IllegalTransition as exc:
            # Called back by phone meanwhile, closed or reopened: the answer is kept anyway.
            log.info("callback answer came late", extra={"reason": exc.message[:200]})
            await record_late_answer(repo, event.stream_id, command, provenance)


class Archivist:
    """Seals each complaint's record when it closes (資料歸檔): DossierSealed on its dossier
    stream, once per close (a replay finds it sealed and does nothing)."""

    name = "intake.archivist"
    stream_types = ("complaint",)
    acts_on = frozenset({"ComplaintClosed"})

    def __init__(self, key: str) -> None:
        self.key = key.encode()

    async def apply(self, conn: Connection, event: EventEnvelope) -> None:
        if event.event_type == "ComplaintClosed":
            await archive.seal_on_close(conn, event, self.key)


class ProblemLinker:
    """New complaints on a piece of equipment join the problems open on it (a note on each
    complaint's timeline); while a problem is watched, that is a recurrence."""

    name = "intake.problem-linker"
    stream_types = ("complaint",)
    acts_on = frozenset({"AssetLinked"})

    async def apply(self, conn: Connection, event: EventEnvelope) -> None:
        if event.event_type == "AssetLinked" and event.data.get("asset"):
            await link_new_complaint(conn, event.stream_id, event.site_id, event.data["asset"])
