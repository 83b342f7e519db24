"""Personal data end to end: a canary complainant's name, phone and email are planted, used
(the callback reaches their phone), then erased; afterwards no plaintext of them is
anywhere the system keeps data (every table of the database, every record and header of
every topic, every log line), read models, exports and replays read "erased", and the rest
of the history stands."""

from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from complaint_desk.services.intake.tests.factory import BODIES
from complaint_desk.services.intake.tests.test_media import photo_with_gps
from complaint_desk.services.projections.rebuild import rebuilders
from complaint_desk.services.projections.settings import ProjectionsSettings
from complaint_desk.shared.auth import Role
from complaint_desk.shared.privacy import ERASED, MASKED
from complaint_desk.shared.rebuild import rebuild
from conftest import eventually
from tests.credentials import ADMIN, user

from .conftest import System
from .helpers import complaint

pytestmark = pytest.mark.e2e


async def _database_holds(pool: asyncpg.Pool, needles: list[str]) -> list[str]:
    """Every table of every schema of ours, row by row as text: where the needles are."""
    tables = await pool.fetch(
        """SELECT format('%I.%I', table_schema, table_name) AS name
           FROM information_schema.tables
           WHERE table_type = 'BASE TABLE'
             AND table_schema NOT IN ('pg_catalog', 'information_schema')"""
    )
    found = []
    for t in tables:
        for needle in needles:
            hit = await pool.fetchval(
                f"SELECT count(*) FROM {t['name']} x WHERE strpos(x::text, $1) > 0", needle
            )
            if hit:
                found.append(f"{t['name']}: {needle}")
    # Bytes (an attached file's chunks) read as hex in a row's text: searched as bytes.
    binary = await pool.fetch(
        """SELECT format('%I.%I', table_schema, table_name) AS name, column_name
           FROM information_schema.columns
           WHERE data_type = 'bytea' AND table_schema NOT IN ('pg_catalog', 'information_schema')"""
    )
    for b in binary:
        for needle in needles:
            column = f'"{b["column_name"]}"'
            hit = await pool.fetchval(
                f"SELECT count(*) FROM {b['name']} WHERE position($1::bytea IN {column}) > 0",
                needle.encode(),
            )
            if hit:
                found.append(f"{b['name']}.{b['column_name']}: {needle}")
    return found


async def _topics_hold(bootstrap: str, needles: list[str]) -> list[str]:
    """Every record (key, value, headers) of every topic, from the beginning."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    found = []
    try:
        names = sorted(await consumer.topics())
        assert names, "the broker has the system's topics"
        # Their partitions from the brokers (a consumer's own metadata holds only what it
        # subscribed to on Apache Kafka; the embedded broker sends every topic's).
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            described = await admin.describe_topics(names)
        finally:
            await admin.close()
        partitions = [
            TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]
        ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        pending = {tp for tp, end in ends.items() if end > 0}
        records = 0
        while pending:
            batch = await consumer.getmany(timeout_ms=1000)
            if not batch:
                break
            for tp, rs in batch.items():
                for r in rs:
                    records += 1
                    raw = b"".join([r.key or b"", r.value or b""] + [v for _, v in r.headers])
                    found += [f"{tp.topic}: {n}" for n in needles if n.encode() in raw]
                if rs and rs[-1].offset + 1 >= ends[tp]:
                    pending.discard(tp)
        assert records > 0
    finally:
        await consumer.stop()
    return found


def _logs_hold(folder: Path, needles: list[str]) -> list[str]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files, f"the services' logs are in {folder}"
    return [f"{p.name}: {n}" for p in files for n in needles if n in p.read_text(errors="replace")]


async def test_a_canary_complainant_is_erased_without_a_trace(
    system: System, system_db: asyncpg.Pool
) -> None:
    tag = uuid4().hex[:10]
    digits = f"9{uuid4().int % 10**8:08d}"
    name, phone, email = f"Canary{tag}", f"+886 {digits}", f"canary-{tag}@example.org"
    needles = [name, email, digits, f"canary-{tag}"]
    intake, projections = system.url("intake"), system.url("projections")
    auditor = await user(system.database_url, f"auditor-{tag}", Role.AUDITOR)
    hook = f"privacy-{tag}"
    async with httpx.AsyncClient(timeout=15, headers=ADMIN) as admin:
        subscribed = await admin.post(
            f"{system.url('notify')}/subscriptions",
            json={"name": hook, "site": "PV", "event_types": ["ComplaintReceived"],
                  "channel": "webhook", "destination": system.http.url(hook)},
        )  # fmt: skip
        assert subscribed.status_code == 201, subscribed.text
        planted = dict(complainant_name=name, phone=phone, email=email, site="PV")
        first = (await admin.post(f"{intake}/complaints", json=complaint(**planted))).json()
        second = (await admin.post(f"{intake}/complaints", json=complaint(**planted))).json()
        for step in ("classify", "resolution", "resolution/accept", "resolve"):
            r = await admin.post(f"{intake}/complaints/{first['id']}/{step}", json=BODIES[step])
            assert r.status_code == 200, r.text

        # In use: the callback reaches the complainant's phone, and the desk reads the name.
        async def texted() -> bool:
            return any(
                digits in s["to"].replace(" ", "") and "已處理完成" in s["text"]
                for s in system.http.sms
            )

        assert await eventually(texted, within=30), "the callback SMS went to the phone"

        async def detail(complaint_id: str, headers: dict[str, str] | None = None) -> dict:
            r = await admin.get(f"{projections}/complaints/{complaint_id}", headers=headers)
            return r.json() if r.status_code == 200 else {}

        assert (await eventually(lambda: detail(second["id"])))["complainant_name"] == name
        masked = await detail(second["id"], auditor)
        assert masked["complainant_name"] == MASKED, "an auditor does not see personal data"

        # Other systems are told of the complaint, without the complainant's data.
        async def webhooks() -> list[bytes]:
            bodies = [h["body"] for h in system.http.hooks if h["name"] == hook]
            return bodies if len(bodies) >= 2 else []

        sent = await eventually(webhooks, within=30)
        assert len(sent) == 2 and all(first["number"].encode()[:3] in b for b in sent)
        for body in sent:
            assert b"complainant_name" not in body and b"pd1." not in body
            assert not any(n.encode() in body for n in needles)

        # Sealed from the start: no plaintext was ever written, even before erasure.
        assert await _database_holds(system_db, needles) == []

        # A scanned form that names them, marked as showing a person, and a photo of the
        # broken dispenser that does not.
        async def attach(name_: str, content: bytes, personal: bool) -> str:
            r = await admin.post(
                f"{intake}/complaints/{first['id']}/attachments",
                files={"file": (name_, content, "application/pdf")},
                data={"personal": str(personal).lower()},
            )
            assert r.status_code == 201, r.text
            return str(r.json()["id"])

        form = await attach("form.pdf", f"%PDF-1.4 signed by {name} {phone}".encode(), True)
        photo = await attach("dispenser.jpg", photo_with_gps(size=(64, 48)), False)
        assert await _database_holds(system_db, needles), "the scan sees inside files"

        erased = await admin.post(f"{intake}/complaints/{first['id']}/erase-personal-data")
        assert erased.status_code == 200, erased.text
        gone = await admin.get(f"{intake}/attachments/{form}")
        assert gone.status_code == 410 and gone.json()["error"]["message_zh"] == "已抹除"
        assert (await admin.get(f"{intake}/attachments/{photo}")).status_code == 200
        assert sorted(erased.json()["complaints"]) == sorted([first["id"], second["id"]])

        async def both_erased() -> bool:
            for c in (first, second):
                d = await detail(c["id"])
                if not any(h["event_type"] == "PersonalDataErased" for h in d.get("history", [])):
                    return False
            return True

        assert await eventually(both_erased, within=30)
        for c in (first, second):
            d = await detail(c["id"])
            assert d["complainant_name"] == ERASED
            [received] = [h for h in d["history"] if h["event_type"] == "ComplaintReceived"]
            assert received["data"]["phone"] == ERASED and received["data"]["email"] == ERASED
            # The rest of the history stands.
            assert d["number"] == c["number"] and d["location"] and d["description"]
        assert [h["event_type"] for h in (await detail(first["id"]))["history"]][:1] == [
            "ComplaintReceived"
        ]
        export = await admin.get(f"{projections}/complaints.csv", params={"site": "PV"})
        assert first["number"] in export.text and name not in export.text
        # Erasing again changes nothing.
        again = await admin.post(f"{intake}/complaints/{first['id']}/erase-personal-data")
        assert again.status_code == 200

    # A replay of the log into new read models reads "erased" too.
    for name_ in ("register", "timeline"):
        projection = rebuilders(ProjectionsSettings().contact_key_secret)[name_]()
        await rebuild(system.database_url, projection, batch_size=500)
    async with httpx.AsyncClient(timeout=15, headers=ADMIN) as admin:
        replayed = (await admin.get(f"{projections}/complaints/{second['id']}")).json()
    assert replayed["complainant_name"] == ERASED

    # The key is gone; nothing anywhere holds the plaintext.
    subjects = await system_db.fetch(
        "SELECT wrapped_key, erased_at FROM privacy.subject_keys WHERE subject_id = "
        "(SELECT subject_id FROM intake.complaint_index WHERE complaint_id = $1)",
        UUID(first["id"]),
    )
    assert [(s["wrapped_key"], s["erased_at"] is not None) for s in subjects] == [(None, True)]
    # The log handler flushes each line as it emits it, before the request that caused it
    # is answered: the files already hold all that these requests logged.
    # The scans find what is there (the complaint's number, the service's name) ...
    assert await _database_holds(system_db, [first["number"]])
    assert await _topics_hold(system.bootstrap_servers, [first["number"]])
    assert _logs_hold(system.stack.services["intake"].log_dir, ['"service": "intake"'])
    # ... and none of the complainant's data.
    assert await _database_holds(system_db, needles) == []
    assert await _topics_hold(system.bootstrap_servers, needles) == []
    assert _logs_hold(system.stack.services["intake"].log_dir, needles) == []
