"""Notify: who is told what, and how (callbacks, alerts, e-mail, SMS, webhooks)."""

from pathlib import Path

MIGRATIONS = Path(__file__).parent / "sql"
DEFAULT_PORT = 8003
