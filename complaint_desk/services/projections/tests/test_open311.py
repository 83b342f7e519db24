"""Open311's terms for the desk's: services per site and category, a complaint's status and
what a request shows (never the reporter), in JSON and the spec's XML."""

from datetime import UTC, datetime

import xmltodict

from complaint_desk.services.projections.open311 import domain
from complaint_desk.services.projections.open311.formats import answer, error

AT = datetime(2026, 12, 2, 9, tzinfo=UTC)
ROW = {
    "number": "HQ-20261202-0001", "site": "HQ", "category": "repair_delay", "stage": "merged",
    "received_at": AT, "updated_at": AT, "closed_at": None, "location": "3F",
    "description": "d", "responsibility": None, "third_party": None, "referred_to": None,
    "merged_into_number": "HQ-20261201-0009", "photo": None, "resolution_due_at": AT,
}  # fmt: skip


def test_a_merged_complaint_is_closed_and_names_where_it_went() -> None:
    request = domain.request(ROW, with_description=False, media_url=None)
    assert (request["status"], request["description"]) == ("closed", None)
    assert request["status_notes"].endswith("HQ-20261201-0009")
    assert request["expected_datetime"] is None and request["service_code"] == "HQ-repair_delay"
    assert domain.parse_code("HQ-repair_delay") == ("HQ", "repair_delay")
    assert domain.parse_code("HQ-nothing") is None and domain.parse_code("x") is None


def test_xml_uses_the_specs_element_names() -> None:
    body = answer("xml", "service_requests", [{"service_request_id": "1", "media_url": None}])
    parsed = xmltodict.parse(body.body)
    assert parsed["service_requests"]["request"] == {"service_request_id": "1", "media_url": None}
    refused = xmltodict.parse(error("xml", 404, "查無 / none").body)
    assert refused["errors"]["error"] == {"code": "404", "description": "查無 / none"}
    definition = answer("xml", "service_definition", domain.definition("HQ", "other"))
    values = xmltodict.parse(definition.body)["service_definition"]["attributes"]["attribute"]
    assert [a["code"] for a in values] == ["department", "urgency"]
