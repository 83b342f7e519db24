"""Notification rules: pure functions, no I/O."""

from shared.events import Channel


def preferred_channel(channel: Channel, phone: str | None, email: str | None) -> str:
    """Call back the way the complainant came in when that is possible."""
    if channel is Channel.EMAIL and email:
        return "email"
    if phone:
        return "sms"
    return "email"
