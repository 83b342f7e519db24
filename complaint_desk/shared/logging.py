"""Structured JSON logs. Only whitelisted context keys are emitted, so a stray ``extra`` can
never leak a complainant's name, phone or email into the logs."""

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

# The conversation a log line belongs to: set per HTTP request and per event handled.
correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
causation_id: ContextVar[str | None] = ContextVar("causation_id", default=None)

SAFE_KEYS = frozenset(
    {
        "service",
        "event_id",
        "event_type",
        "stream_id",
        "stream_type",
        "version",
        "correlation_id",
        "causation_id",
        "consumer",
        "topic",
        "topics",
        "events",
        "attempt",
        "attempts",
        "error",
        "retry_in_s",
        "migration",
        "reason",
        "complaint_id",
        "number",
        "site",
        "status",
        "url",
        "port",
        "path",
        "method",
        "duration_ms",
    }
)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, var in (("correlation_id", correlation_id), ("causation_id", causation_id)):
            if var.get() is not None:
                entry[key] = var.get()
        for key in SAFE_KEYS:
            if key in record.__dict__ and key != "service":
                entry[key] = record.__dict__[key]
        if record.exc_info:
            entry["exc_type"] = record.exc_info[0].__name__ if record.exc_info[0] else None
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(service: str, level: str = "INFO", as_json: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(service)
        if as_json
        else logging.Formatter("%(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiokafka", "faststream"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
