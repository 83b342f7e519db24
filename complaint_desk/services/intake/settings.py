from typing import Annotated

from fastapi import Depends
from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from complaint_desk.shared.runtime.deps import on_the_loop, settings_of
from complaint_desk.shared.settings import ServiceSettings

from .media import KNOWN_TYPES


class IntakeSettings(ServiceSettings):
    # An empty variable is as good as none: compose passes optional ones through empty.
    model_config = SettingsConfigDict(
        env_prefix="INTAKE_", env_file=".env", extra="ignore", env_ignore_empty=True
    )

    service_name: str = "intake"
    port: int = 8001
    # Complaint numbers (HQ-20261129-0007) count per site and per local day in this zone.
    number_timezone: str = "Asia/Taipei"
    # Complaints from the same complainant, or at the same place in the same category, within
    # this many days are linked as repeats (重複投訴).
    repeat_window_days: int = 30
    # How many days a problem record is watched for a recurrence once its improvements are
    # done (each problem may say otherwise).
    problem_watch_days: int = Field(30, ge=0, le=365)
    # The console's address, as other systems' people reach it: work orders link there.
    console_base_url: str = "http://127.0.0.1:8004"
    # Keys the hashes that let repeat detection compare contacts without storing them.
    contact_key_secret: str = "dev-only-change-me"
    # How many days after its close a complaint's personal data is erased automatically, by
    # site ("*": every other site; none: kept until erased by hand), and how often to look.
    retention_days: dict[str, int] = Field(default_factory=dict)
    retention_check_seconds: float = Field(3600.0, gt=0)
    # Signs each closed complaint's sealed dossier (its hash chain).
    dossier_seal_key: str = "dev-only-change-me"
    # Signs the complainant's status link, the thread id of the desk's mail, and a site's QR
    # token (the same secret as notify's, which sends the links).
    status_link_secret: str = Field("dev-only-change-me", validation_alias="STATUS_LINK_SECRET")
    secret_fields = (
        *ServiceSettings.secret_fields, "contact_key_secret", "dossier_seal_key",
        "status_link_secret",
    )  # fmt: skip

    # The complainant's own pages, at this service's public address (QR codes point there).
    public_base_url: str = "http://127.0.0.1:8001"
    # The sites whose report form is open to the public, by code, with the name it shows
    # (none by default: a form opens only where the organisation puts it).
    public_sites: dict[str, str] = Field(default_factory=dict)
    # Sites whose form opens only from their QR codes or links (they carry the site's token).
    form_token_sites: frozenset[str] = frozenset()
    # Reports from one address, and to one site, an hour (beyond: explained, try later).
    form_per_address_per_hour: int = Field(10, ge=1)
    form_per_site_per_hour: int = Field(300, ge=1)
    form_max_files: int = Field(6, ge=0, le=20)
    # How long after its close a complaint's status link still opens.
    status_link_days_after_close: int = Field(30, ge=0)

    # Email in: an SMTP receiver on this port (0: off; production puts a relay in front),
    # the address of each site's mailbox, and its limits.
    mail_port: int = Field(0, ge=0, le=65535)
    mail_host: str = "127.0.0.1"
    mail_addresses: dict[str, str] = Field(default_factory=dict)  # address -> site
    mail_max_bytes: int = Field(20 * 1024 * 1024, ge=1024)
    mail_per_sender_per_hour: int = Field(10, ge=1)
    # Inbound integration messages must be signed (desk-signature), unless the broker itself
    # authenticates every client (mTLS) and its ACLs decide who may write the inbound topics.
    inbound_signatures_required: bool = True
    # Attached files: which types (judged by content, among media.KNOWN_TYPES), how large one
    # may be, and how much one complaint's files may take in all.
    attachment_types: frozenset[str] = frozenset(
        {"image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf"}
    )
    attachment_max_bytes: int = Field(15 * 1024 * 1024, ge=1024)
    attachments_per_complaint_max_bytes: int = Field(200 * 1024 * 1024, ge=1024)
    # The CJK font the handling report's PDF embeds (a .ttf/.ttc; unset: Debian's
    # fonts-wqy-zenhei or Noto CJK where they install).
    report_font: str | None = None

    @field_validator("attachment_types")
    @classmethod
    def _known_types(cls, types: frozenset[str]) -> frozenset[str]:
        unknown = types - KNOWN_TYPES
        if unknown:
            raise ValueError(f"not types the desk can recognise: {sorted(unknown)}")
        return types


# This service's settings in a route: a parameter `settings: SettingsDep`.
settings_for = settings_of(IntakeSettings)
SettingsDep = Annotated[IntakeSettings, Depends(on_the_loop(settings_for))]
