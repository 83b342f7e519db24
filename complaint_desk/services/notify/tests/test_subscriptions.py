"""A subscription names events by their name or by the CloudEvents type its deliveries
carry: one meaning, kept as the name."""

import pytest
from pydantic import ValidationError

from complaint_desk.services.notify.api import SubscriptionIn


def test_the_cloudevents_type_is_taken_as_the_events_name() -> None:
    subscription = SubscriptionIn(
        name="hook", channel="webhook", destination="https://hooks.example.org/desk",  # type: ignore[arg-type]
        event_types=["tw.facilities.complaints.SafetyEscalated", "SlaBreached", "*"],
    )  # fmt: skip
    assert subscription.event_types == ["SafetyEscalated", "SlaBreached", "*"]
    with pytest.raises(ValidationError, match="unknown event types"):
        SubscriptionIn(
            name="hook", channel="webhook", destination="https://hooks.example.org/desk",  # type: ignore[arg-type]
            event_types=["tw.facilities.complaints.NoSuchThing"],
        )  # fmt: skip
