"""Intake: commands in, events out (the complaint's whole process as an aggregate)."""

from pathlib import Path

MIGRATIONS = Path(__file__).parent / "sql"
DEFAULT_PORT = 8001
