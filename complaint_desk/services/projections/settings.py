from typing import Annotated

from fastapi import Depends
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from complaint_desk.shared.runtime.deps import on_the_loop, settings_of
from complaint_desk.shared.settings import ServiceSettings


class ProjectionsSettings(ServiceSettings):
    # An empty variable is as good as none: compose passes optional ones through empty.
    model_config = SettingsConfigDict(
        env_prefix="PROJECTIONS_", env_file=".env", extra="ignore", env_ignore_empty=True
    )

    service_name: str = "projections"
    port: int = 8004
    max_page_size: int = 200
    # Keys repeat complainants by a keyed hash of their phone or email (never the contact).
    contact_key_secret: str = "dev-only-change-me"
    secret_fields = (*ServiceSettings.secret_fields, "contact_key_secret")
    # The console sends the desk's commands to intake, and shows times in the desk's zone.
    intake_url: str = "http://127.0.0.1:8001"
    # Site admins keep their sites' staff directory in the console, through notify.
    notify_url: str = "http://127.0.0.1:8003"
    # And their sites' SLA policies and business calendars, through sla.
    sla_url: str = "http://127.0.0.1:8002"
    timezone: str = "Asia/Taipei"
    # The sites other systems may report to through Open311 GeoReport v2 (its jurisdictions),
    # by code, with their names; and the console's address its media links point into.
    open311_sites: dict[str, str] = Field(default_factory=dict)
    console_base_url: str = "http://127.0.0.1:8004"
    # The periodic reports (定期分析) issued by themselves, per site and for the organisation:
    # which kinds, how long after a period ends (late events land first), how often to look.
    report_kinds: list[str] = Field(default_factory=lambda: ["week", "month"])
    report_after_minutes: float = Field(60.0, ge=0)
    report_check_seconds: float = Field(300.0, gt=0)
    # A CJK font for the PDFs (fonts-wqy-zenhei is found by itself).
    font: str | None = None


# This service's settings in a route: a parameter `settings: SettingsDep`.
settings_for = settings_of(ProjectionsSettings)
SettingsDep = Annotated[ProjectionsSettings, Depends(on_the_loop(settings_for))]
