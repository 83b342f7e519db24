"""What the desk is in Open311's terms: each site a jurisdiction, each category at a site a
service (``HQ-repair_delay``), each complaint a service request named by its number, open
until archived, referred or merged. Pure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from complaint_desk.contract.words import CATEGORY_WORDS

STAGE_NOTES: dict[str, str] = {
    "received": "已受理 / Received", "contacted": "已聯繫 / Contacted",
    "classified": "已調查分類 / Investigated", "resolution_proposed": "方案待確認 / Plan proposed",
    "escalated": "主管協調中 / With a supervisor", "resolution_agreed": "方案已同意 / Plan agreed",
    "in_progress": "處理中 / In progress", "resolved": "已解決，待回訪 / Resolved",
    "under_review": "主管復核中 / Under review", "closed": "已歸檔 / Closed",
    "referred": "已轉介 / Referred", "merged": "已併案 / Merged",
}  # fmt: skip
CLOSED_STAGES = frozenset({"closed", "referred", "merged"})
URGENCIES = (("low", "不急 / Not urgent"), ("normal", "一般 / Normal"),
             ("high", "緊急 / Urgent"), ("critical", "非常緊急 / Very urgent"))  # fmt: skip


def service_code(site: str, category: str) -> str:
    return f"{site}-{category}"


def parse_code(code: str) -> tuple[str, str] | None:
    site, _, category = code.partition("-")
    return (site, category) if site and category in CATEGORY_WORDS else None


def service(site: str, site_name: str, category: str) -> dict[str, Any]:
    zh, en = CATEGORY_WORDS[category]
    return {
        "service_code": service_code(site, category),
        "service_name": f"{zh} / {en}",
        "description": f"{site_name}：{zh} / {site_name}: {en}",
        "metadata": True,
        "type": "realtime",
        "keywords": f"{category}, {zh}",
        "group": site_name,
    }


def definition(site: str, category: str) -> dict[str, Any]:
    return {
        "service_code": service_code(site, category),
        "attributes": [
            {
                "variable": True, "code": "department", "datatype": "string", "required": True,
                "datatype_description": "部門名稱 / the reporter's department", "order": 1,
                "description": "反映人的部門 / Which department the reporter works in",
            },
            {
                "variable": True, "code": "urgency", "datatype": "singlevaluelist",
                "required": False, "order": 2,
                "description": "緊急程度 / How urgent it is",
                "values": [{"key": k, "name": name} for k, name in URGENCIES],
            },
        ],
    }  # fmt: skip


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def request(
    row: dict[str, Any], *, with_description: bool, media_url: str | None
) -> dict[str, Any]:
    """A complaint as a service request: never who reported it."""
    stage = str(row["stage"])
    closed = stage in CLOSED_STAGES
    notes = STAGE_NOTES.get(stage, stage)
    if stage == "merged" and row.get("merged_into_number"):
        notes += f"：{row['merged_into_number']}"
    agency = row.get("referred_to") or row.get("third_party") or "後勤 / Logistics"
    zh, en = CATEGORY_WORDS.get(str(row["category"]), CATEGORY_WORDS["other"])
    return {
        "service_request_id": row["number"],
        "status": "closed" if closed else "open",
        "status_notes": notes,
        "service_name": f"{zh} / {en}",
        "service_code": service_code(row["site"], row["category"]),
        "description": row["description"] if with_description else None,
        "agency_responsible": agency,
        "service_notice": None,
        "requested_datetime": _iso(row["received_at"]),
        "updated_datetime": _iso(
            row["closed_at"] if closed and row.get("closed_at") else row["updated_at"]
        ),
        "expected_datetime": _iso(row.get("resolution_due_at")) if not closed else None,
        "address": row["location"],
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": media_url,
    }
