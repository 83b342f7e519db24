"""From the console's HTML forms to intake's command bodies: pure functions, no I/O.

Fields left empty are left out, so intake applies its defaults and names what is missing."""

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

Form = Mapping[str, str]

# The form fields of a new complaint, as intake names them.
COMPLAINT_FIELDS = (
    "complainant_name", "department", "phone", "email", "site", "location", "category",
    "description", "urgency", "channel", "receiving_officer",
)  # fmt: skip


def _text(form: Form, *names: str) -> dict[str, Any]:
    return {n: form[n].strip() for n in names if form.get(n, "").strip()}


def local_time(value: str, timezone: str) -> str:
    """A datetime-local field (no offset) read in the desk's timezone, as ISO 8601 with one."""
    return datetime.fromisoformat(value).replace(tzinfo=ZoneInfo(timezone)).isoformat()


def complaint_body(form: Form) -> dict[str, Any]:
    body = _text(form, *COMPLAINT_FIELDS)
    if "site" in body:
        body["site"] = body["site"].upper()
    body["major_fault"] = form.get("major_fault") == "on"
    return body


def _task(form: Form, timezone: str) -> dict[str, Any]:
    body = _text(form, "assignee_kind", "assignee", "description")
    if form.get("due_at"):
        try:
            body["due_at"] = local_time(form["due_at"], timezone)
        except ValueError:
            body["due_at"] = form["due_at"]  # intake names the field that is wrong
    return body


def _callback(form: Form, _: str) -> dict[str, Any]:
    body = _text(form, "channel", "comments")
    if form.get("satisfied") in ("true", "false"):
        body["satisfied"] = form["satisfied"] == "true"
    return body


ACTIONS: dict[str, Callable[[Form, str], dict[str, Any]]] = {
    "acknowledge": lambda f, _: _text(f, "channel", "note"),
    "classify": lambda f, _: _text(f, "responsibility", "severity", "category"),
    "evidence": lambda f, _: _text(f, "kind", "text"),
    "tasks": _task,
    "callbacks": _callback,
    "resolve": lambda f, _: _text(f, "summary"),
    "close": lambda f, _: _text(f, "note"),
    "reopen": lambda f, _: _text(f, "reason"),
}


# What an officer does to one open task: the path after /tasks/{task_id}/ and the body.
TASK_ACTIONS: dict[str, Callable[[Form], dict[str, Any]]] = {
    "progress": lambda f: _text(f, "note"),
    "complete": lambda f: _text(f, "note"),
    "cancel": lambda f: _text(f, "reason"),
}


def command_body(action: str, form: Form, timezone: str) -> dict[str, Any]:
    """The body of ``action``'s command; intake records the signed-in officer as its actor."""
    return ACTIONS[action](form, timezone)
