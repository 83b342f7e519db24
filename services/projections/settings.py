from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class ProjectionsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PROJECTIONS_", env_file=".env", extra="ignore")

    service_name: str = "projections"
    port: int = 8004
    max_page_size: int = 200
