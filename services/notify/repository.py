from pathlib import Path

from shared.queries import load

Q = load(Path(__file__).parent / "sql" / "queries.sql")
