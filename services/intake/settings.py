from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INTAKE_", env_file=".env", extra="ignore")

    service_name: str = "intake"
    port: int = 8001
    # Complaint numbers (HQ-20261129-0007) count per site and per local day in this zone.
    number_timezone: str = "Asia/Taipei"
