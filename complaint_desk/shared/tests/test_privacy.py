"""Sealing personal data under a key per complainant, and erasing by deleting the key."""

import base64
import os
from uuid import uuid4

import asyncpg
import pytest
from cryptography.exceptions import InvalidTag

from complaint_desk.contract.events import upcast
from complaint_desk.shared.privacy import (
    ERASED,
    is_sealed,
    seal,
    subject_of,
    unseal,
    without_personal_data,
)
from complaint_desk.shared.privacy.keys import KeyRing
from complaint_desk.shared.privacy.sealing import master_key, unwrap, wrap


def test_a_sealed_value_opens_only_with_its_key_and_for_its_subject() -> None:
    key, subject = os.urandom(32), uuid4()
    sealed = seal(key, subject, "陳小明")
    assert is_sealed(sealed) and "陳小明" not in sealed and subject_of(sealed) == subject
    assert unseal(key, sealed) == "陳小明"
    assert seal(key, subject, "陳小明") != sealed, "a fresh nonce each time"
    with pytest.raises(InvalidTag):
        unseal(os.urandom(32), sealed)
    moved = sealed.replace(str(subject), str(uuid4()))  # the same bytes, another person
    with pytest.raises(InvalidTag):
        unseal(key, moved)
    assert not is_sealed("陳小明") and not is_sealed(None)


def test_keys_are_stored_wrapped_under_the_master_key() -> None:
    master, subject, key = os.urandom(32), uuid4(), os.urandom(32)
    wrapped = wrap(master, subject, key)
    assert key not in wrapped and unwrap(master, subject, wrapped) == key
    with pytest.raises(InvalidTag):
        unwrap(master, uuid4(), wrapped)
    exact = base64.b64encode(master).decode()
    assert master_key(exact) == master
    assert len(master_key("a passphrase")) == 32 and master_key("a") != master_key("b")


def test_personal_fields_do_not_leave_by_default() -> None:
    data = {"number": "HQ-1", "complainant_name": "x", "phone": "y", "email": "z", "site": "HQ"}
    assert without_personal_data(data) == {"number": "HQ-1", "site": "HQ"}


def test_complaints_received_before_sealing_are_read_as_they_were() -> None:
    v1 = {"complainant_name": "王", "phone": "0912", "email": None, "number": "HQ-1"}
    assert upcast("ComplaintReceived", 1, v1) == {**v1, "complainant_id": None}


async def test_one_key_per_complainant_and_erasure_on_postgres(database_url: str) -> None:
    ring = KeyRing(os.urandom(32))
    conn = await asyncpg.connect(database_url)
    try:
        phone_key, email_key = f"p-{uuid4()}", f"e-{uuid4()}"
        person = await ring.sealer_for(conn, [phone_key, None])
        same = await ring.sealer_for(conn, [None, phone_key])
        assert (same.subject, same.key) == (person.subject, person.key), "the same phone"
        assert (await ring.sealer_for(conn, [email_key])).subject != person.subject
        assert (await ring.sealer_for(conn, [])).subject != person.subject, "no contact: new"
        name, phone = person("林小華"), same("0933 222 111")
        assert person(None) is None
        stored = await conn.fetchval(
            "SELECT wrapped_key FROM privacy.subject_keys WHERE subject_id = $1", person.subject
        )
        assert stored is not None and person.key not in stored and len(stored) == 12 + 32 + 16
        assert await ring.reveal_all(conn, [name, phone, "plain", None]) == [
            "林小華", "0933 222 111", "plain", None,
        ]  # fmt: skip

        await ring.erase(conn, person.subject)
        assert await ring.reveal_all(conn, [name, phone]) == [ERASED, ERASED]
        returning = await ring.sealer_for(conn, [phone_key])
        assert returning.subject != person.subject, "a new key if they return"
        assert returning.key != person.key
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM privacy.subject_contacts WHERE subject_id = $1",
                person.subject,
            )
            == 0
        )
    finally:
        await conn.close()
