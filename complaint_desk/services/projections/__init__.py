"""Projections: the read models of the log, and the duty desk console."""

from pathlib import Path
from typing import Any

MIGRATIONS = Path(__file__).parent / "sql"
DEFAULT_PORT = 8004


def rebuilders(contact_secret: str) -> dict[str, Any]:
    """Each projection ``desk rebuild`` can rebuild from the log, by the name it takes."""
    from .rebuild import rebuilders as each

    return each(contact_secret)
