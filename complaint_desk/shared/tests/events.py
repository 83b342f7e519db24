"""An event type for the shared plumbing's tests only."""

from complaint_desk.contract.events import DomainEvent, event


@event("complaint")
class NoteAdded(DomainEvent):
    """Test-only: a note on a complaint stream."""

    text: str
    sequence: int = 0


@event("complaint")
class NoteFlagged(DomainEvent):
    """Test-only: a note marked for attention (what a picky projector acts on)."""

    text: str
