"""The console's timeline says what each event says in the officer's language: no field
name, code or ISO timestamp shows through."""

import re
from datetime import datetime

from complaint_desk.services.projections.console.texts import Texts
from complaint_desk.services.projections.console.timeline import FIELDS, facts


def when(value: datetime | None) -> str:
    return value.strftime("%m/%d %H:%M") if value else "—"


def test_codes_are_named_times_local_and_shares_in_percent() -> None:
    warning = {"clock": "response", "cycle": 1, "fraction": 0.75, "level": "L1",
               "due_at": "2026-12-02T01:32:33.303539Z", "notify": "supervisor"}  # fmt: skip
    assert facts(Texts("zh-Hant"), when, warning) == [
        ("等級", "L1 緊急"), ("期限", "12/02 01:32"), ("時效", "響應時效"),
        ("已用時間", "75%"), ("通知對象", "主管"), ("處理週期", "1"),
    ]  # fmt: skip
    queued = {"channel": "sms", "recipient": "complainant",
              "kind": "receipt", "cause_event_type": "ComplaintReceived"}  # fmt: skip
    assert facts(Texts("zh-Hant"), when, queued, "notification") == [
        ("方式", "簡訊"), ("通知內容", "受理通知"), ("通知對象", "投訴人"),
    ], "a notification's kind is what it tells, not an evidence's"  # fmt: skip
    callback = {"contact_channel": "phone", "satisfied": True, "rating": 4, "comments": "很快"}
    assert facts(Texts("zh-Hant"), when, callback) == [
        ("聯繫方式", "電話"), ("滿意", "是"), ("評分", "4"), ("意見", "很快"),
    ]  # fmt: skip
    assert facts(Texts("en"), when, {"satisfied": False}) == [("Satisfied", "No")]


def test_reasons_are_named_whether_codes_events_or_prose() -> None:
    t = Texts("zh-Hant")
    assert facts(t, when, {"reason": "parts"}) == [("原因", "等待配件")]
    assert facts(t, when, {"reason": "ComplaintReopened"}) == [("原因", "重新開啟")]
    assert facts(t, when, {"reason": "policy changed"}) == [("原因", "時效政策變更")]
    assert facts(t, when, {"reason": "住戶不在家"}) == [("原因", "住戶不在家")]


def test_every_fact_has_a_label_in_both_languages_and_no_field_name_shows() -> None:
    for lang in ("zh-Hant", "en"):
        t = Texts(lang)  # type: ignore[arg-type]
        labels = [t(f"data.{name}") for name in FIELDS]
        assert all(label and "_" not in label for label in labels), labels
    classified = {"severity": "L2", "responsibility": "logistics", "category": "repair_delay",
                  "kind": "interview"}  # fmt: skip
    shown = facts(Texts("zh-Hant"), when, classified)
    assert not re.search(r"[a-z_]{3,}", " ".join(v for _, v in shown)), shown
