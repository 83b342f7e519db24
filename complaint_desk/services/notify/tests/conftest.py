from collections.abc import Iterator

import pytest

from tests.receivers import HttpSink, SmtpSink


@pytest.fixture(scope="module")
def http_sink() -> Iterator[HttpSink]:
    sink = HttpSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="module")
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()
