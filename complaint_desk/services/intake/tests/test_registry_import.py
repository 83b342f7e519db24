"""A CSV against a site's registry: Chinese or English headers, places before the equipment
standing at them, a change told from no change, and every bad row with its reason."""

from datetime import date

from complaint_desk.services.intake.registry import importing
from complaint_desk.services.intake.registry.domain import SiteRegistry

TODAY = date(2026, 12, 2)
CSV = """kind,code,name,type,model,place,installed_on
asset,WD-1,1F 飲水機,Water dispenser,AQ-200,P-1,2020-01-01
place,P-1,1F 大廳,,,,
"""


def test_places_come_first_and_a_second_import_changes_nothing() -> None:
    registry = SiteRegistry("HQ")
    first = importing.plan(registry, CSV, TODAY)
    assert [(c.line, c.kind, c.action) for c in first.changes] == [
        (2, "asset", "added"), (3, "place", "added"),
    ]  # fmt: skip
    assert registry.assets["WD-1"]["type"] == "water_dispenser", "a type by its name"
    saved = SiteRegistry.rebuild("HQ", registry.pending)
    again = importing.plan(saved, CSV, TODAY)
    assert again.counts == {"added": 0, "changed": 0, "unchanged": 2} and not saved.pending
    moved = importing.plan(saved, CSV.replace("AQ-200", "AQ-300"), TODAY)
    assert moved.counts["changed"] == 1
    assert [e.event_type for e in saved.pending] == ["AssetChanged"]


def test_every_bad_row_is_named_and_a_duplicate_code_too() -> None:
    text = "類別,代碼,名稱\n地點,P-1,大廳\n地點,P-1,又一個\n其他,X,x\n設備,W-2,\n"
    plan = importing.plan(SiteRegistry("HQ"), text, TODAY)
    assert [(b.line, b.field, b.reason_zh) for b in plan.bad] == [
        (3, "code", "P-1 在檔案中重複"),
        (4, "kind", "類別須為「地點」或「設備」"),
        (5, "name", "必填"),
        (5, "type", "必填"),
    ]
    assert plan.counts["added"] == 1


def test_a_retired_place_takes_no_new_equipment() -> None:
    registry = SiteRegistry("HQ")
    importing.plan(registry, "kind,code,name\nplace,P-1,大廳\n", TODAY)
    assert registry.retire_place("P-1", "closed for works")
    plan = importing.plan(registry, "kind,code,name,type,place\nasset,L-1,燈,light,P-1\n", TODAY)
    assert [(b.field, b.reason_zh) for b in plan.bad] == [("place", "查無地點 P-1")]
