"""SLA: the time limits of each urgency level, and the timers that enforce them."""

from pathlib import Path

MIGRATIONS = Path(__file__).parent / "sql"
DEFAULT_PORT = 8002
