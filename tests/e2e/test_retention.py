"""Retention against the running system's database: a closed complaint past its site's
retention has its complainant's personal data erased (PersonalDataErased by the retention
job, the key destroyed, their personal files gone), with the clock passed in; a complaint
still open, one within its retention, or one of a site without a retention keeps its data."""

import io
import zipfile
from collections.abc import AsyncIterator
from datetime import timedelta
from uuid import UUID

import asyncpg
import httpx
import pytest

from complaint_desk.contract.events import utcnow
from complaint_desk.services.intake.retention import ACTOR, sweep
from complaint_desk.services.intake.tests.factory import BODIES
from complaint_desk.shared.privacy import ERASED
from complaint_desk.shared.privacy.keys import KeyRing
from complaint_desk.shared.privacy.sealing import master_key
from complaint_desk.shared.settings import ServiceSettings
from complaint_desk.shared.uow import UnitOfWork
from tests.credentials import ADMIN

from .conftest import System
from .desk import Desk
from .test_attachments import read_pdf

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def desk(system: System) -> AsyncIterator[Desk]:
    async with httpx.AsyncClient(timeout=30, headers=ADMIN) as client:
        yield Desk(client, system.url("intake"), system.url("projections"))


async def closed(desk: Desk, site: str) -> dict:
    c = await desk.receive(site=site)
    for step in ("classify", "resolve"):
        await desk.act(c["id"], step, **BODIES[step])
    await desk.act(c["id"], "close")
    return c


async def test_past_its_sites_retention_a_closed_complaints_personal_data_is_erased(
    desk: Desk, system_db: asyncpg.Pool
) -> None:
    old, other_site, still_open = (
        await closed(desk, "RT"), await closed(desk, "RU"), await desk.receive(site="RT"),
    )  # fmt: skip
    uow = UnitOfWork(system_db)
    keyring = KeyRing(master_key(ServiceSettings().personal_data_key))
    # Within the retention: nothing yet.
    assert await sweep(uow, keyring, {"RT": 30}, utcnow() + timedelta(days=29)) == []
    erased = await sweep(uow, keyring, {"RT": 30}, utcnow() + timedelta(days=31))
    assert UUID(old["id"]) in erased
    assert UUID(other_site["id"]) not in erased and UUID(still_open["id"]) not in erased
    history = await desk.wait_for(old["id"], "PersonalDataErased")
    assert history[0]["actor"] == ACTOR
    detail = await desk.register_row(old["id"], after=history[0]["position"])
    assert detail["complainant_name"] == ERASED
    # Its sealed dossier now reads 已抹除 for the complainant.
    await desk.wait_for(old["id"], "DossierSealed")
    r = await desk.client.get(f"{desk.intake}/complaints/{old['id']}/dossier")
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        record = read_pdf(z.read("dossier.pdf"), "dossier-erased")
    assert "投訴人：已抹除" in record and "陳小明" not in record
    # Swept again: nothing more to do. "*" covers the sites without their own.
    assert UUID(old["id"]) not in await sweep(
        uow, keyring, {"RT": 30}, utcnow() + timedelta(days=31)
    )
    later = await sweep(uow, keyring, {"RT": 3650, "*": 30}, utcnow() + timedelta(days=31))
    assert UUID(other_site["id"]) in later and UUID(still_open["id"]) not in later
