from typing import Annotated

from fastapi import Depends
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from complaint_desk.shared.runtime.deps import on_the_loop, settings_of
from complaint_desk.shared.settings import ServiceSettings

from .policy import DEFAULT_POLICY, CalendarConfig, SlaDefaults, SlaPolicy


class SlaSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SLA_", env_file=".env", extra="ignore")

    service_name: str = "sla"
    port: int = 8002
    # The business calendar of a site that has none of its own (JSON, see CalendarConfig).
    default_calendar: CalendarConfig = Field(default_factory=CalendarConfig)
    # The policy of a site and category without one of their own (JSON, see SlaPolicy).
    default_policy: SlaPolicy = DEFAULT_POLICY
    timer_poll_seconds: float = 0.2
    timer_batch_size: int = 500

    @property
    def defaults(self) -> SlaDefaults:
        return SlaDefaults(calendar=self.default_calendar, policy=self.default_policy)


# This service's settings in a route: a parameter `settings: SettingsDep`.
settings_for = settings_of(SlaSettings)
SettingsDep = Annotated[SlaSettings, Depends(on_the_loop(settings_for))]
