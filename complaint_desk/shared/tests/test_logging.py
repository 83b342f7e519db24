import json
import logging
from collections.abc import Iterator

import pytest

from complaint_desk.shared import logging as desk_logging


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """configure() replaces the root handlers; put back what the rest of the suite uses."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    desk_logging.correlation_id.set(None)
    desk_logging.causation_id.set(None)


def test_log_lines_are_json_with_the_conversation_and_only_safe_fields(capsys) -> None:  # type: ignore[no-untyped-def]
    desk_logging.configure("intake", "INFO", as_json=True)
    desk_logging.correlation_id.set("c-1")
    desk_logging.causation_id.set("e-9")
    personal = {"complainant_name": "陳小明", "phone": "0912"}
    logging.getLogger("test").info("complaint received", extra={"number": "HQ-1", **personal})
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["msg"] == "complaint received" and line["service"] == "intake"
    assert (line["correlation_id"], line["causation_id"], line["number"]) == ("c-1", "e-9", "HQ-1")
    assert "complainant_name" not in line and "phone" not in line, "personal data never logged"
