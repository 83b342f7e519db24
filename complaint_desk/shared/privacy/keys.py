"""The complainants' keys in PostgreSQL (schema ``privacy``), and sealing and revealing
with them."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from complaint_desk.shared.privacy.sealing import (
    ERASED,
    is_sealed,
    seal,
    subject_of,
    unseal,
    unwrap,
    wrap,
)
from complaint_desk.shared.queries import load

Q = load(Path(__file__).resolve().parent.parent / "sql" / "queries" / "privacy.sql")


@dataclass(frozen=True)
class Sealer:
    """One complainant's id and key: seals their values (None stays None)."""

    subject: UUID
    key: bytes

    def __call__(self, value: str | None) -> str | None:
        return None if value is None else seal(self.key, self.subject, value)


class KeyRing:
    """Seals and reveals complainants' personal data with their keys. ``db`` is a pool or a
    connection; the master key wraps every complainant's key."""

    def __init__(self, master: bytes) -> None:
        self.master = master

    async def sealer_for(self, db: Any, contact_keys: Sequence[str | None]) -> Sealer:
        """The complainant these contacts belong to, or a new one with a new key. (An erased
        complainant's contacts are forgotten with their key, so they come back as new.)"""
        keys = [k for k in contact_keys if k]
        subject, key = uuid4(), os.urandom(32)
        row = await db.fetchrow(
            Q.subject_for_contacts, keys, subject, wrap(self.master, subject, key)
        )
        if row["added"]:
            return Sealer(subject, key)
        return Sealer(row["subject_id"], unwrap(self.master, row["subject_id"], row["wrapped_key"]))

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
