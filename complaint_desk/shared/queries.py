"""Named SQL statements loaded from ``.sql`` files (``-- name: something`` starts each one).

A statement names its parameters (``WHERE consumer = :consumer``); they are numbered for
asyncpg (``$1``) when the file loads, and :meth:`Queries.args` binds them from keywords, a
mapping or a dataclass, refusing a missing or unknown name:
``conn.execute(Q.park, *Q.args("park", letter))``. A statement may still number its
parameters itself (``$1``): then it is called with positional arguments, as asyncpg takes them.
Casts (``::uuid``) are not parameters.

Why not aiosql: it turns each statement into a function of its own calling convention, which
would hide the SQL text some callers need (``executemany``, a column list filled in at run
time), and its attributes are as invisible to mypy as these; the checks that every statement
read exists and every statement written is read live in ``shared/tests/test_named_sql.py``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)
_PARAM = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


class Statement:
    """The SQL as asyncpg runs it (``$n`` placeholders: asyncpg takes a plain str only), with
    its parameters' names in order."""

    def __init__(self, text: str) -> None:
        names: list[str] = []

        def number(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in names:
                names.append(name)
            return f"${names.index(name) + 1}"

        numbered = _PARAM.sub(number, text)
        if names and re.search(r"\$\d", text):
            raise ValueError(f"named and numbered parameters mixed in: {text[:80]}")
        self.sql = numbered
        self.params = tuple(names)

    def args(self, values: Mapping[str, Any] | object | None = None, **named: Any) -> list[Any]:
        """The positional arguments for asyncpg, from ``values`` (a mapping or a dataclass)
        and keywords (a keyword wins)."""
        given: dict[str, Any] = {}
        if dataclasses.is_dataclass(values) and not isinstance(values, type):
            given = {f.name: getattr(values, f.name) for f in dataclasses.fields(values)}
        elif isinstance(values, Mapping):
            given = dict(values)
        elif values is not None:
            raise TypeError("values must be a mapping or a dataclass instance")
        given.update(named)
        missing = [n for n in self.params if n not in given]
        unknown = sorted(set(given) - set(self.params))
        if missing or unknown:
            raise TypeError(f"statement parameters: missing {missing}, unknown {unknown}")
        return [given[n] for n in self.params]


class Queries:
    """The statements of one file, as attributes: ``queries.append_events``."""

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        text = path.read_text(encoding="utf-8")
        parts = _NAME.split(text)
        self._statements = {
            name: Statement(body.strip())
            for name, body in zip(parts[1::2], parts[2::2], strict=True)
        }
        if not self._statements:
            raise ValueError(f"{path} holds no named statements")

    def __getattr__(self, name: str) -> str:
        return self.statement(name).sql

    def statement(self, name: str) -> Statement:
        try:
            return self._statements[name]
        except KeyError:
            raise AttributeError(f"no statement named {name!r}") from None

    def args(
        self, name: str, values: Mapping[str, Any] | object | None = None, **named: Any
    ) -> list[Any]:
        """The positional arguments of statement ``name``, bound by name."""
        return self.statement(name).args(values, **named)

    def names(self) -> list[str]:
        return list(self._statements)


def load(path: Path | str) -> Queries:
    return Queries(Path(path))
