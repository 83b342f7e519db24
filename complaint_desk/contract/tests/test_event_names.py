"""Every event type the code names is a registered one: the consumers match event types as
strings, and a misspelt one would silently match nothing."""

import ast
import re
from pathlib import Path

from complaint_desk.contract.events import registered_event_types

ROOT = Path(__file__).resolve().parents[2]  # the complaint_desk package
CAMEL = re.compile(r"[A-Z][a-z]+(?:[A-Z][a-z]*)+")
# Names that look like event types and are not, each with what it is.
NOT_EVENTS = {
    "CallbackFollowUp": "the callback follow-up job, as a notification's cause",
    "ValidationError": "FastAPI's own 422 schema, removed from the OpenAPI documents",
    "SignedHeaders": "the AsyncAPI schema of an integration's signature headers",
    "CloudEventHeaders": "the AsyncAPI schema of our records' CloudEvents headers",
}


def _sources() -> list[Path]:
    return sorted(
        p
        for part in ("contract", "shared", "services", "tools")
        for p in (ROOT / part).rglob("*.py")
        if "tests" not in p.parts
    )


def _named(path: Path) -> tuple[set[str], set[str]]:
    """The CamelCase string literals of a module, and the classes it defines."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    literals = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and CAMEL.fullmatch(node.value)
    }
    classes = {node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    return literals, classes


def test_every_event_type_named_in_the_code_is_registered() -> None:
    registered = set(registered_event_types())
    literals: dict[str, set[str]] = {}
    classes: set[str] = set()
    for path in _sources():
        found, defined = _named(path)
        classes |= defined
        for name in found:
            literals.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    # A CamelCase literal is an event type, or the name of one of our classes (__all__, a
    # command's model named in an error); anything else is a misspelt event type.
    unknown = {
        n: sorted(w)
        for n, w in literals.items()
        if n not in registered | classes | NOT_EVENTS.keys()
    }
    assert not unknown, f"not a registered event type: {unknown}"
    assert len(set(literals) & registered) >= 30, "the consumers' names were seen"


def test_the_check_sees_a_misspelt_event_type(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text('if event.event_type == "ComplaintClosd":\n    pass\n')
    found, _ = _named(module)
    assert found == {"ComplaintClosd"} and "ComplaintClosd" not in registered_event_types()
