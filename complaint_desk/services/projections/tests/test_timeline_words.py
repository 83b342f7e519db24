"""The console's timeline says what each event says in the officer's language: no field
name, code or ISO timestamp shows through."""

import re
from datetime import datetime

from complaint_desk.services.projections.console.texts import Texts
from complaint_desk.services.projections.console.timeline import (
    FIELDS,
    arrange,
    duration,
    facts,
    who,
)


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


def test_plans_reports_and_errors_read_in_words() -> None:
    t = Texts("zh-Hant")
    plan = {"kind": "repair", "summary": "兩天內修好", "deadline": "2026-12-02T09:00:00+00:00",
            "lost_work_allowance": 200.0, "apology": True, "retraining": False}  # fmt: skip
    assert facts(t, when, plan, "complaint", "ResolutionProposed") == [
        ("方案類型", "維修類"), ("方案內容", "兩天內修好"), ("完成期限", "12/02 09:00"),
        ("誤工補償", "200 元"), ("致歉", "是"),
    ], "a plan's kind is its type, an unticked option is left out"  # fmt: skip
    escalated = {"reason": "冒煙", "temporary_measures": ["area_cordoned", "supply_isolated"]}
    assert ("臨時措施", "封鎖現場、切斷水電氣") in facts(t, when, escalated)
    started = {"clock": "resolution", "target_seconds": 16200}
    assert ("時限", "4 小時 30 分鐘") in facts(t, when, started)
    capped = {"error": "daily sms cap of 5 reached for the recipient"}
    assert facts(t, when, capped, "notification") == [("原因", "已達每人每日簡訊上限（5 則）")]
    assert facts(t, when, {"error": "SMTP 421 try later"}, "notification") == [
        ("原因", "發送失敗，將自動重試")
    ]
    assert facts(Texts("en"), when, {"error": "SMTP 421 try later"}) == [
        ("Reason", "SMTP 421 try later")
    ]
    assert facts(t, when, {"external_status": "delivered"}) == [("對方系統狀態", "已到貨")]


def test_durations_in_days_hours_and_minutes() -> None:
    t = Texts("zh-Hant")
    assert duration(t, 26 * 3600 + 60) == "1 天 2 小時 1 分鐘"
    assert duration(t, 20) == "0 分鐘"
    assert duration(Texts("en"), 5400) == "1 h 30 min"


def test_the_timeline_groups_cycles_folds_bookkeeping_and_keeps_notes_apart() -> None:
    kinds = [
        "ComplaintReceived", "SlaClockStarted", "NotificationQueued", "InternalNoteAdded",
        "SlaWarningReached", "ComplaintClosed", "ComplaintReopened", "SlaClockStarted",
    ]  # fmt: skip
    cycles, notes = arrange([{"event_type": k} for k in kinds])
    assert [c.number for c in cycles] == [1, 2]
    shape = [[i["event_type"] if isinstance(i, dict) else len(i) for i in c.items] for c in cycles]
    assert shape == [["ComplaintReceived", 2, "SlaWarningReached", "ComplaintClosed"],
                     ["ComplaintReopened", 1]]  # fmt: skip
    assert [n["event_type"] for n in notes] == ["InternalNoteAdded"]


def test_who_acted_and_on_whose_behalf() -> None:
    zh, en = Texts("zh-Hant"), Texts("en")
    assert who(zh, "王值班", None) == "王值班"
    assert who(zh, "李師傅", "maintenance-system") == "李師傅（由 維修系統 轉達）"
    assert who(en, "李師傅", "system:maintenance-north") == "李師傅 (relayed by maintenance system)"
    assert who(zh, "王值班", "system:crm") == "王值班（由 系統「crm」 轉達）"
    assert who(zh, "system:sla", None) == "時效系統"
    assert who(zh, "complainant", None) == "投訴人"
    assert who(zh, "sla-admin", None) == "sla-admin", "a person's name is shown as it is"
