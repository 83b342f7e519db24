"""Named SQL statements loaded from ``.sql`` files (``-- name: something`` starts each one)."""

import re
from pathlib import Path

_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)


class Queries:
    """The statements of one file, as attributes: ``queries.append_events``."""

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        text = path.read_text(encoding="utf-8")
        parts = _NAME.split(text)
        self._statements = {
            name: body.strip() for name, body in zip(parts[1::2], parts[2::2], strict=True)
        }
        if not self._statements:
            raise ValueError(f"{path} holds no named statements")

    def __getattr__(self, name: str) -> str:
        try:
            return self._statements[name]
        except KeyError:
            raise AttributeError(f"no statement named {name!r}") from None

    def names(self) -> list[str]:
        return list(self._statements)


def load(path: Path | str) -> Queries:
    return Queries(Path(path))
