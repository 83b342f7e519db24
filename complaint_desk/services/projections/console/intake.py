"""The console's port to the intake service: it sends the desk's commands on the officer's
behalf and brings back intake's answer, or its bilingual refusal."""

from dataclasses import dataclass, field
from typing import Any

import aiohttp

from complaint_desk.shared import tracing


@dataclass(frozen=True)
class IntakeAnswer:
    status: int
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def message(self, lang: str) -> str:
        """Intake's refusal in the officer's language, with the fields it names."""
        error = self.body.get("error", {})
        text = error.get("message_zh" if lang == "zh-Hant" else "message", "")
        return str(text or f"HTTP {self.status}")

    def field_errors(self, lang: str) -> dict[str, str]:
        """What intake found wrong with each field, by the form's field name (a task inside a
        review's conclusion, ``tasks.0.due_at``, is the form's ``due_at``)."""
        error = self.body.get("error", {})
        zh = lang == "zh-Hant"
        found = {
            str(f.get("field", "")).rsplit(".", 1)[-1]: str(f.get("reason_zh" if zh else "reason"))
            for f in error.get("fields", [])
        }
        if isinstance(error.get("field"), str):
            found[error["field"]] = self.message(lang)
        return found


class IntakeUnavailable(Exception):
    """Intake could not be reached, or answered with something other than JSON."""


async def send(
    base_url: str,
    path: str,
    body: dict[str, Any] | None,
    *,
    headers: dict[str, str] | None = None,
    within: float = 10.0,
    method: str = "POST",
    raw: tuple[bytes, str] | None = None,
) -> IntakeAnswer:
    """Send a command to intake (or, by ``method``, any request to a service of ours).
    Returns its answer (2xx or 4xx); raises :class:`IntakeUnavailable` when there is none to
    give the officer. ``raw``: a body sent as it is, with its content type, instead of JSON."""
    if raw is not None:
        headers = {**(headers or {}), "Content-Type": raw[1]}
    traceparent = tracing.current_traceparent()
    if traceparent:  # the officer's request and the command it sends are one trace
        headers = {**(headers or {}), "traceparent": traceparent}
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=within)) as session,
            session.request(
                method,
                base_url.rstrip("/") + path,
                json=None if raw else body,
                data=raw[0] if raw else None,
                headers=headers,
            ) as response,
        ):
            # 204 No Content (a retirement, an end): an answer with nothing in it.
            payload = {} if response.status == 204 else await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise IntakeUnavailable(type(exc).__name__) from exc
    if response.status >= 500 or not isinstance(payload, dict):
        raise IntakeUnavailable(f"HTTP {response.status}")
    return IntakeAnswer(response.status, payload)
