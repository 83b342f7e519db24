"""Every named statement the code uses exists in its .sql file, and every statement in the
files is used: a misspelt name fails here, not at run time on the one path that reads it."""

import importlib
import re
from collections import defaultdict
from pathlib import Path

from complaint_desk.shared.queries import Queries

ROOT = Path(__file__).resolve().parents[2]  # the complaint_desk package
SOURCES = sorted(
    p
    for part in ("contract", "shared", "services", "tools")
    for p in (ROOT / part).rglob("*.py")
    if "tests" not in p.parts and p.name != "__main__.py"
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _references() -> tuple[dict[Path, Queries], dict[Path, set[str]], list[str]]:
    """The query files, what the code reads from each, and the names that do not exist."""
    files: dict[Path, Queries] = {}
    used: dict[Path, set[str]] = defaultdict(set)
    missing: list[str] = []
    for source in SOURCES:
        module = importlib.import_module(_module_name(source))
        aliases = {
            name: value for name, value in vars(module).items() if isinstance(value, Queries)
        }
        repository = getattr(module, "repository", None)
        if repository is not None and isinstance(getattr(repository, "Q", None), Queries):
            aliases["repository.Q"] = repository.Q
        text = source.read_text(encoding="utf-8")
        for alias, queries in aliases.items():
            files[queries.path] = queries
            attributes = re.findall(rf"(?<![\w.]){re.escape(alias)}\.(\w+)", text)
            bound = re.findall(
                rf"(?<![\w.]){re.escape(alias)}\.(?:args|statement)\(\s*\"(\w+)\"", text
            )
            for name in attributes + bound:
                if name in ("path", "names", "args", "statement"):
                    continue
                used[queries.path].add(name)
                if name not in queries.names():
                    rel = source.relative_to(ROOT)
                    missing.append(f"{rel}: {alias}.{name} not in {queries.path.name}")
    return files, used, missing


def test_every_statement_the_code_uses_exists() -> None:
    _, _, missing = _references()
    assert not missing, "\n".join(missing)


def test_every_statement_in_the_files_is_used() -> None:
    files, used, _ = _references()
    on_disk = {
        *(ROOT / "services").glob("*/sql/queries.sql"),
        *(ROOT / "shared" / "sql" / "queries").glob("*.sql"),
    }
    assert set(files) == {p.resolve() for p in on_disk}, "every query file is loaded"
    unused = [
        f"{path.relative_to(ROOT)}: {name}"
        for path, queries in files.items()
        for name in queries.names()
        if name not in used[path]
    ]
    assert not unused, "\n".join(unused)


def test_the_check_sees_a_misspelt_name() -> None:
    sample = Queries(ROOT / "shared" / "sql" / "queries" / "consumers.sql")
    assert "claim_stream" in sample.names() and "claim_streem" not in sample.names()


def test_in_a_service_only_the_repository_runs_sql() -> None:
    """A service's other modules call its repository's functions, never a statement."""
    offenders = [
        str(source.relative_to(ROOT))
        for source in SOURCES
        if source.parts[len(ROOT.parts)] == "services"
        and source.name != "repository.py"
        and re.search(r"(?<![\w.])(?:repository\.)?Q\.\w+", source.read_text(encoding="utf-8"))
    ]
    assert not offenders, offenders
