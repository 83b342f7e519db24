"""notify's tables: contacts, subscriptions, the staff directory, deliveries, callbacks."""

from pathlib import Path

from shared.queries import load

Q = load(Path(__file__).parent / "sql" / "queries.sql")
