"""What the benchmarks share: a database to run on, and how figures are reported."""

import os
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from complaint_desk.tools.devstack.postgres import EmbeddedPostgres, free_port


@contextmanager
def database() -> Iterator[str]:
    """BENCH_DATABASE_URL if set, else a fresh embedded PostgreSQL (fsync on)."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        yield url
        return
    server = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="desk-bench-")) / "data", free_port())
    server.start()
    try:
        yield server.url
    finally:
        server.destroy()


@dataclass
class Figure:
    name: str
    count: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    def line(self) -> str:
        return (
            f"{self.name:<34} {self.rate:>10,.0f}/s   p50 {self.percentile(50):6.2f} ms"
            f"   p99 {self.percentile(99):6.2f} ms   (n={self.count})"
        )


def ratio_line(label: str, ours: Figure, baseline: Figure, target: float | None = None) -> str:
    ratio = ours.rate / baseline.rate
    verdict = ""
    if target is not None:
        verdict = f"   target ≥ {target:.0%}: {'met' if ratio >= target else 'NOT met'}"
    return f"{label:<34} {ratio:>10.0%} of baseline{verdict}"


def median(values: list[float]) -> float:
    return statistics.median(values)
