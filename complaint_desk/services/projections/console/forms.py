"""From the console's HTML forms to intake's command bodies: pure functions, no I/O.

Fields left empty are left out, so intake applies its defaults and names what is missing; a
field that does not parse (a time, an amount) is sent as typed, so intake names it too."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

Form = Mapping[str, str]
Body = dict[str, Any]

# The form fields of a new complaint, as intake names them.
COMPLAINT_FIELDS = (
    "complainant_name", "department", "phone", "email", "site", "location", "category",
    "description", "urgency", "channel", "receiving_officer",
)  # fmt: skip

CLASSIFY_FIELDS = (
    "responsibility", "severity", "category", "third_party", "referred_to", "referred_contact",
    "reason",
)  # fmt: skip

# Fields a form sends several values of (checkboxes): the page joins them with commas.
LIST_FIELDS = frozenset({"temporary_measures", "reasons", "files"})


def _text(form: Form, *names: str) -> Body:
    return {n: form[n].strip() for n in names if form.get(n, "").strip()}


def local_time(value: str, timezone: str) -> str:
    """A datetime-local field (no offset) read in the desk's timezone, as ISO 8601 with one."""
    return datetime.fromisoformat(value).replace(tzinfo=ZoneInfo(timezone)).isoformat()


def _times(form: Form, timezone: str, *names: str) -> Body:
    body: Body = {}
    for name in names:
        if value := form.get(name, "").strip():
            try:
                body[name] = local_time(value, timezone)
            except ValueError:
                body[name] = value
    return body


def _amounts(form: Form, *names: str) -> Body:
    body: Body = {}
    for name in names:
        if value := form.get(name, "").strip():
            try:
                body[name] = float(value)
            except ValueError:
                body[name] = value
    return body


def _ticked(form: Form, *names: str) -> Body:
    return {n: True for n in names if form.get(n) == "on"}


def _listed(form: Form, name: str) -> Body:
    values = [v for v in form.get(name, "").split(",") if v]
    return {name: values} if values else {}


def complaint_body(form: Form) -> Body:
    body = _text(form, *COMPLAINT_FIELDS)
    if "site" in body:
        body["site"] = body["site"].upper()
    body["major_fault"] = form.get("major_fault") == "on"
    return body


def _task(form: Form, timezone: str) -> Body:
    return _text(form, "assignee_kind", "assignee", "description") | _times(
        form, timezone, "due_at"
    )


def _callback(form: Form, _: str) -> Body:
    body = (
        _text(form, "channel", "comments", "suggestions")
        | _listed(form, "reasons")
        | _listed(form, "files")
    )
    if form.get("satisfied") in ("true", "false"):
        body["satisfied"] = form["satisfied"] == "true"
    if rating := form.get("rating", "").strip():
        body["rating"] = int(rating) if rating.isdigit() else rating
    return body


def _plan(form: Form, timezone: str) -> Body:
    """A resolution by its type: a repair's deadline and compensation, an apology or
    retraining, a shortage's procurement and expected arrival."""
    return (
        _text(form, "kind", "summary")
        | _times(form, timezone, "deadline", "expected_arrival")
        | _amounts(form, "lost_work_allowance", "parts_compensation")
        | _ticked(form, "apology", "retraining", "restock_via_procurement")
    )


def _review(form: Form, timezone: str) -> Body:
    body = _text(form, "outcome", "notes")
    if body.get("outcome") == "further_action":
        body["tasks"] = [_task(form, timezone)]
    return body


def _asset(form: Form) -> Body:
    """A suggestion picked (``asset:CODE`` or ``place:CODE``), or codes typed."""
    body = _text(form, "place", "asset")
    kind, _, code = form.get("pick", "").partition(":")
    if kind in ("place", "asset") and code:
        body[kind] = code
    return body


@dataclass(frozen=True)
class Action:
    """One of the console's actions on a complaint: intake's command and its form's body."""

    command: str
    body: Callable[[Form, str], Body]


# Every action, in the order of the guide's steps; the page offers those that apply.
ACTIONS: dict[str, Action] = {
    "acknowledge": Action("acknowledge", lambda f, _: _text(f, "channel", "note")),
    "escalate": Action(
        "escalate-safety",
        lambda f, _: _text(f, "reason", "measures_note") | _listed(f, "temporary_measures"),
    ),
    "evidence": Action("evidence", lambda f, _: _text(f, "kind", "text") | _listed(f, "files")),
    "classify": Action("classify", lambda f, _: _text(f, *CLASSIFY_FIELDS)),
    "severity": Action("severity", lambda f, _: _text(f, "severity", "reason")),
    "plan": Action("resolution", _plan),
    "approve": Action("resolution/approve", lambda f, _: _text(f, "note")),
    "accept": Action("resolution/accept", lambda f, _: _text(f, "note")),
    "dispute": Action("resolution/dispute", lambda f, _: _text(f, "reason")),
    "report": Action(
        "report",
        lambda f, tz: (
            _text(f, "responsible_party", "solution", "signed_by_officer", "signed_by_complainant")
            | _times(f, tz, "completion_due")
            | _text(f, "officer_signature", "complainant_signature", "language")
            | _listed(f, "files")
        ),
    ),
    "tasks": Action("tasks", _task),
    "wait": Action("wait", lambda f, _: _text(f, "reason", "note")),
    "resume": Action("resume", lambda f, _: _text(f, "note")),
    "resolve": Action("resolve", lambda f, _: _text(f, "summary", "improvement")),
    "callbacks": Action("callbacks", _callback),
    "review": Action("review/conclude", _review),
    "owner": Action("owner", lambda f, _: _text(f, "owner", "reason")),
    "note": Action("notes", lambda f, _: _text(f, "text")),
    "close": Action("close", lambda f, _: _text(f, "note")),
    "reopen": Action("reopen", lambda f, _: _text(f, "reason")),
    "message": Action("message", lambda f, _: _text(f, "text", "via") | _listed(f, "files")),
    "merge": Action("merge", lambda f, _: _text(f, "into", "reason")),
    "asset": Action("asset", lambda f, _: _asset(f)),
    "unmerge": Action("merge/undo", lambda f, _: _text(f, "reason")),
    "erase": Action("erase-personal-data", lambda f, _: {}),
}


# What an officer does to one open task: the path after /tasks/{task_id}/ and the body.
TASK_ACTIONS: dict[str, Callable[[Form], Body]] = {
    "progress": lambda f: _text(f, "note") | _listed(f, "files"),
    "complete": lambda f: _text(f, "note") | _listed(f, "files"),
    "cancel": lambda f: _text(f, "reason"),
}


# The actions whose forms carry photos and documents (uploaded first, named by id).
WITH_FILES = frozenset(
    {"evidence", "report", "callbacks", "task_progress", "task_complete", "message"}
)


def offered(allowed: list[str]) -> list[str]:
    """The console's actions whose commands apply (``allowed``: the complaint's
    ``allowed_commands``)."""
    return [name for name, action in ACTIONS.items() if action.command in allowed]


def command_body(action: str, form: Form, timezone: str) -> Body:
    """The body of ``action``'s command; intake records the signed-in officer as its actor."""
    return ACTIONS[action].body(form, timezone)
