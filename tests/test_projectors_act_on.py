"""What a projector says it acts on names events of the streams it follows (a misspelt name
would pass those events over without a word)."""

from typing import Any

import pytest

from complaint_desk.contract.events import registered_event_types
from complaint_desk.services.intake.projectors import Archivist, CallbackAnswers, ProblemLinker
from complaint_desk.services.projections.learning import Learning
from complaint_desk.services.sla.policy import SlaDefaults
from complaint_desk.services.sla.projectors import SlaClocks


@pytest.mark.parametrize(
    "projector",
    [CallbackAnswers(), Archivist("key"), ProblemLinker(), Learning(), SlaClocks(SlaDefaults())],
    ids=lambda p: p.name,
)
def test_every_type_it_acts_on_is_an_event_of_its_streams(projector: Any) -> None:
    known = registered_event_types()
    acts_on = projector.acts_on
    assert acts_on
    for name in acts_on:
        assert name in known, f"{name} is no event type"
        assert known[name].stream_type in projector.stream_types
