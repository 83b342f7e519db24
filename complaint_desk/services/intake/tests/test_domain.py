from datetime import UTC, datetime
from uuid import uuid4

import pytest
from pydantic import ValidationError

from complaint_desk.contract.events import ComplaintReceived, PersonalDataErased
from complaint_desk.contract.events.lifecycle import Status
from complaint_desk.services.intake.commands import ReceiveComplaint
from complaint_desk.services.intake.domain import Complaint, complaint_number, local_day

FIELDS = {
    "complainant_name": "陳小明",
    "department": "財務部",
    "phone": "0912 345 678",
    "site": " hq ",
    "location": "3F 茶水間",
    "category": "repair_delay",
    "description": "飲水機故障",
    "urgency": "normal",
    "channel": "phone",
    "receiving_officer": "officer-wang",
}


def test_receiving_records_one_event_and_rebuilding_gives_the_same_state() -> None:
    now = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
    complaint = Complaint.receive(
        uuid4(), ReceiveComplaint(**FIELDS), number="HQ-20261129-0001", now=now
    )
    [event] = complaint.pending
    assert isinstance(event, ComplaintReceived)
    assert (event.site, event.received_at, event.description) == ("HQ", now, "飲水機故障")
    assert (complaint.version, complaint.saved_version, complaint.status) == (1, 0, Status.RECEIVED)
    rebuilt = Complaint.rebuild(complaint.id, [event])
    assert (rebuilt.version, rebuilt.status, rebuilt.number) == (1, Status.RECEIVED, event.number)
    assert rebuilt.pending == []


def test_numbers_use_the_local_day_of_the_site() -> None:
    late_evening_utc = datetime(2026, 11, 28, 17, 30, tzinfo=UTC)  # 01:30 on the 29th in Taipei
    assert local_day(late_evening_utc, "Asia/Taipei") == "20261129"
    assert local_day(late_evening_utc, "UTC") == "20261128"
    assert complaint_number("HQ", "20261129", 7) == "HQ-20261129-0007"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "flood"}, "category"),
        ({"urgency": "whenever"}, "urgency"),
        ({"site": "總部"}, "site"),
        ({"phone": "call me"}, "phone"),
        ({"email": "nobody"}, "email"),
        ({"description": ""}, "description"),
        ({"complainant_name": "x" * 201}, "complainant_name"),
        ({"number": "HQ-1"}, "number"),  # server-owned
    ],
)
def test_bad_fields_are_named(change: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ReceiveComplaint(**{**FIELDS, **change})
    assert field in {str(e["loc"][0]) for e in caught.value.errors()}


def test_a_complainant_must_be_reachable() -> None:
    with pytest.raises(ValidationError, match="phone or an email"):
        ReceiveComplaint(**{**FIELDS, "phone": None})
    assert ReceiveComplaint(**{**FIELDS, "phone": None, "email": "chen@example.org"}).email


def test_erasure_is_recorded_once_in_any_status_and_only_for_sealed_data() -> None:
    now = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
    person = uuid4()
    complaint = Complaint.receive(
        uuid4(), ReceiveComplaint(**FIELDS), number="HQ-1", now=now, complainant_id=person
    )
    assert complaint.erase_personal_data()
    assert not complaint.erase_personal_data(), "once"
    erased = complaint.pending[-1]
    assert isinstance(erased, PersonalDataErased) and erased.complainant_id == person
    assert complaint.status is Status.RECEIVED, "the process goes on"
    rebuilt = Complaint.rebuild(complaint.id, complaint.pending)
    assert rebuilt.personal_data_erased and not rebuilt.erase_personal_data()
    legacy = Complaint.receive(uuid4(), ReceiveComplaint(**FIELDS), number="HQ-2", now=now)
    assert not legacy.erase_personal_data(), "nothing sealed, nothing to record"
