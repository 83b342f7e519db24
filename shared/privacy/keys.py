"""The complainants' keys in PostgreSQL (schema ``privacy``), and sealing and revealing
with them."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from ..queries import load
from .sealing import ERASED, MASKED, is_sealed, seal, subject_of, unseal, unwrap, wrap

Q = load(Path(__file__).resolve().parent.parent / "sql" / "queries" / "privacy.sql")


class KeyRing:
    """Seals and reveals complainants' personal data with their keys. ``db`` is a pool or a
    connection; the master key wraps every complainant's key."""

    def __init__(self, master: bytes) -> None:
        self.master = master

    async def subject_for(self, db: Any, contact_keys: Sequence[str | None]) -> UUID:
        """The complainant these contacts belong to, or a new one with a new key."""
        keys = [k for k in contact_keys if k]
        found = await db.fetchval(Q.subject_for_contacts, keys) if keys else None
        if found is not None and await db.fetchval(Q.wrapped_key, found) is not None:
            return found  # type: ignore[no-any-return]
        subject = uuid4()
        await db.execute(Q.add_subject, subject, wrap(self.master, subject, os.urandom(32)))
        for key in keys:
            await db.execute(Q.link_contact, key, subject)
        return subject

    async def key(self, db: Any, subject: UUID) -> bytes | None:
        wrapped = await db.fetchval(Q.wrapped_key, subject)
        return None if wrapped is None else unwrap(self.master, subject, wrapped)

    async def seal(self, db: Any, subject: UUID, value: str | None) -> str | None:
        return (await self.seal_all(db, subject, [value]))[0]

    async def seal_all(
        self, db: Any, subject: UUID, values: Sequence[str | None]
    ) -> list[str | None]:
        """Each value sealed under the complainant's key (None stays None)."""
        key = await self.key(db, subject)
        if key is None:
            raise LookupError(f"complainant {subject} is erased")
        return [None if v is None else seal(key, subject, v) for v in values]

    async def reveal(self, db: Any, value: Any) -> Any:
        """A sealed value in clear, ERASED once its key is gone; anything else as it is."""
        return (await self.reveal_all(db, [value]))[0]

    async def reveal_all(self, db: Any, values: Iterable[Any]) -> list[Any]:
        values = list(values)
        subjects = {subject_of(v) for v in values if is_sealed(v)}
        keys: dict[UUID, bytes | None] = {}
        if subjects:
            for row in await db.fetch(Q.wrapped_keys, list(subjects)):
                wrapped = row["wrapped_key"]
                keys[row["subject_id"]] = (
                    None if wrapped is None else unwrap(self.master, row["subject_id"], wrapped)
                )
        out = []
        for v in values:
            if not is_sealed(v):
                out.append(v)
                continue
            key = keys.get(subject_of(v))
            out.append(ERASED if key is None else unseal(key, v))
        return out

    async def erase(self, db: Any, subject: UUID) -> None:
        """Delete the complainant's key and contacts: their sealed data is unreadable for
        good, wherever copies of it are."""
        await db.execute(Q.erase_subject, subject)
        await db.execute(Q.forget_contacts, subject)


def masked(values: Iterable[Any]) -> list[Any]:
    """What someone without the right to personal data sees."""
    return [MASKED if is_sealed(v) else v for v in values]
