"""Notify: callbacks to complainants, alerts to staff, signed webhooks to other systems."""

from __future__ import annotations

import aiohttp
from fastapi import FastAPI

from complaint_desk.contract import topics
from complaint_desk.contract.events import utcnow
from complaint_desk.contract.events.notifications import CallbackAnswered
from complaint_desk.shared.runtime import (
    Publication,
    ServiceRuntime,
    ServiceSpec,
    create_app,
    supervise,
)

from . import MIGRATIONS, service
from .api import router
from .channels import Channel
from .channels.email import EmailChannel
from .channels.sms import SmsChannel
from .channels.targets import GuardedResolver
from .channels.webhook import WebhookChannel
from .directory_api import router as directory_router
from .dispatcher import Dispatcher
from .pages import router as pages
from .projectors import NotificationRules
from .settings import NotifySettings


def channels_for(
    settings: NotifySettings,
    client: aiohttp.ClientSession,
    webhooks: aiohttp.ClientSession | None = None,
) -> dict[str, Channel]:
    """``client`` reaches the gateways the deployer configured (inside the network too);
    ``webhooks`` reaches subscribers' URLs, through a resolver that refuses internal ones."""
    return {
        "webhook": WebhookChannel(
            webhooks or client,
            allow_loopback=settings.allow_loopback,
            allowed_hosts=frozenset(settings.allowed_hosts),
        ),
        "email": EmailChannel(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_sender,
            username=settings.smtp_username,
            password=settings.smtp_password,
            start_tls=settings.smtp_start_tls,
            timeout=settings.send_timeout_seconds,
        ),
        "sms": SmsChannel(client, settings.sms_gateway_url, settings.sms_gateway_token),
    }


def http_client(settings: NotifySettings, *, guarded: bool = False) -> aiohttp.ClientSession:
    """A session for the gateways, or (``guarded``) for webhooks: every address its
    connections reach has passed the SSRF check."""
    resolver = (
        GuardedResolver(
            allow_loopback=settings.allow_loopback,
            allowed_hosts=frozenset(settings.allowed_hosts),
        )
        if guarded
        else None
    )
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=settings.max_in_flight, resolver=resolver),
        # Each send is bounded by the dispatcher (its timeout covers every channel): a second
        # timer of aiohttp's own for every request was CPU spent for nothing.
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=settings.send_timeout_seconds),
    )


def build_app(settings: NotifySettings | None = None) -> FastAPI:
    settings = settings or NotifySettings()

    async def deliveries(runtime: ServiceRuntime) -> None:
        async with http_client(settings) as client, http_client(settings, guarded=True) as hooks:
            await Dispatcher(
                runtime.uow,
                channels_for(settings, client, hooks),
                settings,
                keyring=runtime.keyring,
            ).run()

    async def callback_follow_ups(runtime: ServiceRuntime) -> None:
        async def step() -> None:
            await service.follow_up(runtime.uow, settings, utcnow())

        await supervise("callback follow-up", step, every=1.0)

    return create_app(
        ServiceSpec(
            name="notify",
            title="Notifications / 通知與回訪",
            description="Calls complainants back and tells staff and other systems.",
            settings=settings,
            migrations={"notify": MIGRATIONS},
            projectors=[NotificationRules(settings)],
            publications=[
                Publication(
                    topics.NOTIFY_EVENTS,
                    title="notify.events:publish",
                    description=(
                        "NotificationQueued, NotificationDelivered, NotificationFailed, "
                        "NotificationDeadLettered, CallbackRequested, CallbackReminderSent, "
                        "CallbackPhoneCallRequested, CallbackAnswered, keyed by complaint id."
                    ),
                    schema=CallbackAnswered,
                )
            ],
            routers=[router, directory_router, pages],
            background=[deliveries, callback_follow_ups],
        )
    )
