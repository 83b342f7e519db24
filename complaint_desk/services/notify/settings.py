from typing import Annotated

from fastapi import Depends
from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from complaint_desk.shared.runtime.deps import on_the_loop, settings_of
from complaint_desk.shared.settings import ServiceSettings

from .domain import DEFAULT_BACKOFF


class NotifySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFY_", env_file=".env", extra="ignore")

    service_name: str = "notify"
    port: int = 8003
    # Where complainants open their callback link (this service's public address).
    public_base_url: str = "http://127.0.0.1:8003"
    # Where staff open a complaint from a message (the projections service's console).
    console_base_url: str = "http://127.0.0.1:8004"
    # The time zone of the times staff messages show.
    timezone: str = "Asia/Taipei"
    callback_secret: str = "dev-only-change-me"
    # Signs the complainant's status link and the thread id of the desk's mail (the same
    # secret as intake's, which reads them).
    status_link_secret: str = Field("dev-only-change-me", validation_alias="STATUS_LINK_SECRET")
    # Where complainants open their status page (intake's public address).
    status_page_base_url: str = "http://127.0.0.1:8001"
    secret_fields = (*ServiceSettings.secret_fields, "callback_secret", "status_link_secret")
    callback_delay_seconds: float = 2 * 3600
    callback_reminder_after_seconds: float = 24 * 3600
    callback_phone_after_seconds: float = 24 * 3600
    callback_link_days: int = 7

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "complaints@desk.local"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_start_tls: bool = False
    sms_gateway_url: str = "http://127.0.0.1:8099/sms"
    sms_gateway_token: str | None = None
    # Caps on what is sent a day: to one recipient (a flood stops at the cap), and in all
    # (a runaway rule or a loop cannot run up the SMS bill). Beyond a cap a message is
    # dead-lettered with the reason, and can be replayed the next day.
    sms_daily_cap: int = 5
    email_daily_cap: int = 20
    sms_daily_total_cap: int = 5_000
    email_daily_total_cap: int = 20_000

    # Outbound safety: loopback and private addresses are refused unless allowed here
    # (the dev profile of `make run` allows loopback).
    allow_loopback: bool = False
    allowed_hosts: list[str] = Field(default_factory=list)

    backoff_seconds: list[float] = Field(default_factory=lambda: list(DEFAULT_BACKOFF))
    send_timeout_seconds: float = 5.0
    per_destination_limit: int = 4
    max_in_flight: int = 200
    poll_seconds: float = 0.2

    @field_validator("backoff_seconds")
    @classmethod
    def _positive(cls, schedule: list[float]) -> list[float]:
        if not schedule or any(s <= 0 for s in schedule):
            raise ValueError("the backoff schedule needs at least one positive delay")
        return schedule


# This service's settings in a route: a parameter `settings: SettingsDep`.
settings_for = settings_of(NotifySettings)
SettingsDep = Annotated[NotifySettings, Depends(on_the_loop(settings_for))]
