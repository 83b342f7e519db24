"""The seal's hash chain: any change to an event, its order, a file or the signature shows."""

import copy
from typing import Any

from complaint_desk.shared import dossier

KEY = b"test-key"
PHOTO = "ab" * 32


def events() -> list[dict[str, Any]]:
    return [
        {"event_id": "e1", "event_type": "ComplaintReceived", "version": 1,
         "occurred_at": "2026-12-02T01:00:00+00:00", "actor": "王值班", "data": {"number": "A-1"}},
        {"event_id": "e2", "event_type": "EvidenceRecorded", "version": 2,
         "occurred_at": "2026-12-02T02:00:00+00:00", "actor": "王值班",
         "data": {"text": "漏水", "files": [{"sha256": PHOTO}]}},
        {"event_id": "e3", "event_type": "ComplaintClosed", "version": 3,
         "occurred_at": "2026-12-02T03:00:00+00:00", "actor": "王值班", "data": {}},
    ]  # fmt: skip


def test_an_untouched_record_verifies_and_names_its_files() -> None:
    sealed = dossier.seal(events(), KEY)
    assert sealed.version == 3 and sealed.files == (PHOTO,)
    assert dossier.verify(events(), sealed, KEY, {PHOTO: PHOTO}).intact
    assert dossier.verify(events(), sealed, KEY, {PHOTO: dossier.ERASED}).intact, "erased"


def test_every_kind_of_change_is_found() -> None:
    sealed = dossier.seal(events(), KEY)
    changed = copy.deepcopy(events())
    changed[1]["data"]["text"] = "沒有漏水"
    assert not dossier.verify(changed, sealed, KEY).intact
    reordered = [events()[1], events()[0], events()[2]]
    assert not dossier.verify(reordered, sealed, KEY).intact
    assert not dossier.verify(events()[:2], sealed, KEY).intact, "an event missing"
    assert not dossier.verify(events(), sealed, b"another key").intact
    altered = dossier.verify(events(), sealed, KEY, {PHOTO: "cd" * 32})
    assert altered.problems == (f"file {PHOTO[:12]} was altered",)
    assert not dossier.verify(events(), sealed, KEY, {}).intact, "a file missing"
    later = [*events(), {**events()[2], "event_id": "e4", "version": 4}]
    assert dossier.verify(later, sealed, KEY).intact, "what came after the seal is not in it"
