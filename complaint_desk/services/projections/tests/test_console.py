"""The console's pure parts: its words in both languages, and its forms turned into commands."""

import pytest

from complaint_desk.contract.events import registered_event_types
from complaint_desk.contract.events.complaints import Category, Severity
from complaint_desk.contract.events.lifecycle import Status
from complaint_desk.contract.process import GUARDS
from complaint_desk.contract.words import EVENT_NAMES
from complaint_desk.services.projections.console.forms import (
    ACTIONS,
    command_body,
    complaint_body,
    offered,
)
from complaint_desk.services.projections.console.texts import _LABELS, _TEXTS, Texts
from complaint_desk.shared.throttle import Throttle


def test_every_event_and_value_has_a_name_in_both_languages() -> None:
    ours = {
        name
        for name, cls in registered_event_types().items()
        if cls.__module__.startswith("complaint_desk.contract.events.")  # not the test suite's own
    }
    assert ours <= set(EVENT_NAMES)
    for pair in [*EVENT_NAMES.values(), *_TEXTS.values()]:
        assert all(pair) and len(pair) == 2
    assert {s.value for s in Status} <= set(_LABELS["status"])
    assert {c.value for c in Category} <= set(_LABELS["category"])
    assert {s.value for s in Severity} <= set(_LABELS["severity"])
    zh, en = Texts("zh-Hant"), Texts("en")
    assert (zh.label("status", "closed"), en.label("status", "closed")) == ("已歸檔", "Closed")
    assert zh("register.caption", total=3) == "共 3 件，依受理時間排序"
    assert {f"act.{a}" for a in ACTIONS} <= set(_TEXTS), "every action has a button"


def test_a_new_complaint_form_becomes_intakes_body() -> None:
    body = complaint_body(
        {"complainant_name": " 陳小明 ", "phone": "", "site": "hq", "description": "漏水"}
    )
    assert body == {
        "complainant_name": "陳小明",
        "site": "HQ",
        "description": "漏水",
        "major_fault": False,
    }, "trimmed, empty fields left out for intake to name"
    assert complaint_body({"major_fault": "on"})["major_fault"] is True


@pytest.mark.parametrize(
    ("action", "form", "expected"),
    [
        ("acknowledge", {"channel": "phone", "note": ""}, {"channel": "phone"}),
        (
            "tasks",
            {"assignee_kind": "maintenance", "assignee": "李", "description": "換閥",
             "due_at": "2030-01-15T17:00"},
            {"assignee_kind": "maintenance", "assignee": "李", "description": "換閥",
             "due_at": "2030-01-15T17:00:00+08:00"},
        ),
        ("tasks", {"due_at": "tomorrow"}, {"due_at": "tomorrow"}),
        ("callbacks", {"channel": "sms", "satisfied": "false"},
         {"channel": "sms", "satisfied": False}),
        ("callbacks", {"channel": "sms"}, {"channel": "sms"}),
        ("callbacks", {"satisfied": "false", "rating": "2", "reasons": "too_slow,not_fixed"},
         {"satisfied": False, "rating": 2, "reasons": ["too_slow", "not_fixed"]}),
        ("escalate", {"reason": "冒煙", "temporary_measures": "people_evacuated,area_cordoned"},
         {"reason": "冒煙", "temporary_measures": ["people_evacuated", "area_cordoned"]}),
        ("plan", {"kind": "repair", "summary": "兩天內修好", "deadline": "2030-01-15T17:00",
                  "lost_work_allowance": "200", "apology": "on", "retraining": ""},
         {"kind": "repair", "summary": "兩天內修好", "deadline": "2030-01-15T17:00:00+08:00",
          "lost_work_allowance": 200.0, "apology": True}),
        ("plan", {"kind": "shortage", "lost_work_allowance": "two hundred"},
         {"kind": "shortage", "lost_work_allowance": "two hundred"}),
        ("review", {"outcome": "upheld", "notes": "ok", "assignee": "李"},
         {"outcome": "upheld", "notes": "ok"}),
        ("review", {"outcome": "further_action", "notes": "again", "assignee_kind": "maintenance",
                    "assignee": "李", "description": "再修", "due_at": "2030-01-15T17:00"},
         {"outcome": "further_action", "notes": "again", "tasks": [
             {"assignee_kind": "maintenance", "assignee": "李", "description": "再修",
              "due_at": "2030-01-15T17:00:00+08:00"}]}),
        ("report", {"responsible_party": "維修組", "completion_due": "2030-01-15T17:00"},
         {"responsible_party": "維修組", "completion_due": "2030-01-15T17:00:00+08:00"}),
        ("erase", {"confirm": "on"}, {}),
    ],
)  # fmt: skip
def test_action_forms_become_commands(
    action: str, form: dict[str, str], expected: dict[str, object]
) -> None:
    # A typed actor is not passed on: intake records the signed-in officer.
    assert command_body(action, form | {"actor": "someone else"}, "Asia/Taipei") == expected


def test_the_console_offers_the_actions_whose_commands_apply() -> None:
    assert offered(["acknowledge", "resolution/accept", "notes", "tasks/complete"]) == [
        "acknowledge", "accept", "note",
    ]  # fmt: skip
    commands = {a.command for a in ACTIONS.values()}
    # A task's commands are offered on the task; asking for the supervisor is the
    # complainant's own, from their status page.
    assert set(GUARDS) - commands == {
        "tasks/progress",
        "tasks/complete",
        "tasks/cancel",
        "escalation-request",
    }, "every command but a task's and the complainant's has its action"
    assert all(f"act.{a}" in _TEXTS for a in ACTIONS)


def test_a_throttle_holds_a_key_back_after_its_failures_until_they_age() -> None:
    now = [1000.0]
    throttle = Throttle(limit=2, window=60, clock=lambda: now[0])
    assert throttle.wait("wang") == 0
    throttle.fail("wang")
    now[0] += 10
    assert throttle.wait("wang") == 0
    throttle.fail("wang")
    assert throttle.wait("wang") == 50, "until the first failure is a window old"
    assert throttle.wait("lee") == 0, "one name's failures do not hold another back"
    now[0] += 49.9
    assert throttle.wait("wang") > 0
    now[0] += 0.2
    assert throttle.wait("wang") == 0
