from uuid import uuid4

import pytest

from complaint_desk.contract import cloudevents
from complaint_desk.contract.events import EventEnvelope, Metadata
from complaint_desk.shared.tests.events import NoteAdded


def _envelope() -> EventEnvelope:
    meta = Metadata(
        site_id="HQ", actor="officer-wang", causation_id=uuid4(), relayed_by="system:crm"
    )
    return EventEnvelope.wrap(NoteAdded(text="飲水機"), stream_id=uuid4(), version=3, metadata=meta)


def test_binary_mode_round_trip_keeps_every_envelope_field() -> None:
    envelope = _envelope()
    key, headers, value = cloudevents.to_kafka(envelope)
    h = dict(headers)
    assert key == str(envelope.stream_id).encode()
    assert h["ce_specversion"] == b"1.0"
    assert h["ce_type"] == b"tw.facilities.complaints.NoteAdded"
    assert h["ce_subject"] == key
    assert h["ce_time"].endswith(b"Z")
    assert "飲水機".encode() in value  # JSON data, not escaped
    assert h["ce_relayedby"] == b"system:crm"
    assert cloudevents.from_kafka(headers, value) == envelope


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda h, v: ({**h, "ce_specversion": b"0.3"}, v), "ce_specversion"),
        (lambda h, v: ({**h, "ce_type": b"com.other.Thing"}, v), "ce_type"),
        (lambda h, v: (h, b"\xff\xfe"), "not JSON"),
        (lambda h, v: (h, b"[1, 2]"), "not a JSON object"),
        (lambda h, v: ({k: x for k, x in h.items() if k != "ce_id"}, v), "attributes"),
        (lambda h, v: ({**h, "ce_streamversion": b"zero"}, v), "attributes"),
    ],
)
def test_malformed_records_are_refused_with_a_reason(mutate, reason) -> None:  # type: ignore[no-untyped-def]
    _, headers, value = cloudevents.to_kafka(_envelope())
    bad_headers, bad_value = mutate(dict(headers), value)
    with pytest.raises(cloudevents.MalformedRecord, match=reason):
        cloudevents.from_kafka(bad_headers, bad_value)
