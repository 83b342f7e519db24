from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class SlaSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SLA_", env_file=".env", extra="ignore")

    service_name: str = "sla"
    port: int = 8002
