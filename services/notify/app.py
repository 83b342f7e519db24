"""Notify: callbacks to complainants, alerts to staff, webhooks to other systems."""

from pathlib import Path

from shared.service import ServiceSpec, create_app

from .handlers import CallbackContacts
from .settings import NotifySettings


def build_app(settings: NotifySettings | None = None):  # type: ignore[no-untyped-def]
    settings = settings or NotifySettings()
    return create_app(
        ServiceSpec(
            name="notify",
            title="Notifications / 通知與回訪",
            description="Calls complainants back and tells staff and other systems.",
            settings=settings,
            migrations={"notify": Path(__file__).parent / "sql"},
            projectors=[CallbackContacts()],
        )
    )
