"""The complainant's signed references: each names its complaint for one purpose only, and
nothing without the secret makes or alters one."""

from uuid import uuid4

import pytest

from complaint_desk.shared import links

SECRET = "a-secret-of-the-desk-0123456789"


def test_a_link_reads_back_its_complaint_and_only_with_its_secret_and_purpose() -> None:
    complaint = uuid4()
    token = links.sign(SECRET, "status", complaint)
    assert links.read(SECRET, "status", token) == complaint
    with pytest.raises(links.BadLink):
        links.read("another-secret-entirely-9876543210", "status", token)
    with pytest.raises(links.BadLink):
        links.read(SECRET, "thread", token)  # a thread id is no status link, and back
    with pytest.raises(links.BadLink):
        links.read(SECRET, "status", token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    with pytest.raises(links.BadLink):
        links.read(SECRET, "status", "not base64 at all!")


def test_a_message_id_of_ours_leads_back_to_its_complaint_and_a_forged_one_nowhere() -> None:
    complaint = uuid4()
    message_id = links.thread_message_id(SECRET, complaint, "delivery-1")
    assert links.complaint_of_message_id(SECRET, message_id) == complaint
    other = links.sign(SECRET, "status", complaint)
    assert links.complaint_of_message_id(SECRET, f"<{other}.x@complaint-desk>") is None
    assert links.complaint_of_message_id(SECRET, "<abc@example.org>") is None
    assert links.complaint_of_message_id(SECRET, "") is None
