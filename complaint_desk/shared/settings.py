"""Configuration shared by every service, read from environment variables."""

from typing import ClassVar, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Settings every service reads. Each service subclasses it with its own port and prefix.

    Shared variables have no prefix (``DATABASE_URL``, ``KAFKA_BOOTSTRAP_SERVERS``); a service's
    own ones carry its prefix (``INTAKE_PORT``).
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    # "development" (make run, desk run, the tests' stacks) accepts the built-in secrets;
    # anything else is production, where a service refuses to start with one of them.
    profile: Literal["development", "production"] = Field(
        "production", validation_alias="DESK_PROFILE"
    )
    # The console's session cookie only over https; off by default only in development.
    secure_cookies: bool | None = Field(None, validation_alias="SECURE_COOKIES")

    service_name: str = "service"
    host: str = "127.0.0.1"
    port: int = 8000

    database_url: str = Field(
        "postgresql://postgres@127.0.0.1:54329/postgres", validation_alias="DATABASE_URL"
    )
    db_pool_min: int = Field(2, validation_alias="DB_POOL_MIN")
    db_pool_max: int = Field(10, validation_alias="DB_POOL_MAX")

    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092", validation_alias="KAFKA_BOOTSTRAP_SERVERS"
    )
    kafka_topic_partitions: int = Field(6, validation_alias="KAFKA_TOPIC_PARTITIONS")
    kafka_replication_factor: int = Field(1, validation_alias="KAFKA_REPLICATION_FACTOR")
    # Apache Kafka has idempotent producers; the embedded broker has none, so it is off there.
    kafka_idempotent_producer: bool = Field(False, validation_alias="KAFKA_IDEMPOTENT_PRODUCER")
    # Lag from the brokers' end offsets (desk_consumer_broker_lag_records): Apache Kafka only,
    # the embedded broker's end offsets are wrong after a batched produce.
    kafka_broker_lag: bool = Field(False, validation_alias="KAFKA_BROKER_LAG")
    # The embedded broker makes a joining consumer wait session_timeout/2, so dev keeps it short.
    kafka_session_timeout_ms: int = Field(6000, validation_alias="KAFKA_SESSION_TIMEOUT_MS")
    kafka_heartbeat_interval_ms: int = Field(1000, validation_alias="KAFKA_HEARTBEAT_INTERVAL_MS")
    # How long a fetch may wait for records. Apache Kafka answers as soon as records arrive;
    # the embedded broker holds fetches longer (135 ms median per hop at 500 ms, 6 ms at 50).
    kafka_fetch_max_wait_ms: int = Field(500, validation_alias="KAFKA_FETCH_MAX_WAIT_MS")
    # Our own events are consumed in batches of up to this many records (applied a hundred
    # to a transaction); an idle subscriber looks again after the batch timeout.
    kafka_max_records: int = Field(500, ge=1, validation_alias="KAFKA_MAX_RECORDS")
    kafka_batch_timeout_ms: int = Field(100, ge=1, validation_alias="KAFKA_BATCH_TIMEOUT_MS")

    # Transport security to the brokers. SSL with a client certificate and key is mutual TLS:
    # the brokers know which service (or other system) each client is, and Kafka ACLs decide
    # who may write each topic.
    kafka_security_protocol: str = Field("PLAINTEXT", validation_alias="KAFKA_SECURITY_PROTOCOL")
    kafka_ssl_cafile: str | None = Field(None, validation_alias="KAFKA_SSL_CAFILE")
    kafka_ssl_certfile: str | None = Field(None, validation_alias="KAFKA_SSL_CERTFILE")
    kafka_ssl_keyfile: str | None = Field(None, validation_alias="KAFKA_SSL_KEYFILE")
    # SASL_SSL: TLS (the CA above) and this service's own principal by SCRAM; the brokers'
    # ACLs then say what it may read, write and join (docs/operations.md, `desk kafka-setup`).
    kafka_sasl_mechanism: Literal["SCRAM-SHA-256", "SCRAM-SHA-512"] = Field(
        "SCRAM-SHA-512", validation_alias="KAFKA_SASL_MECHANISM"
    )
    kafka_sasl_username: str | None = Field(None, validation_alias="KAFKA_SASL_USERNAME")
    kafka_sasl_password: str | None = Field(None, validation_alias="KAFKA_SASL_PASSWORD")

    # How long after closing a complaint may be reopened: intake refuses later, and the console
    # stops offering it.
    reopen_window_days: int = Field(30, ge=0, validation_alias="REOPEN_WINDOW_DAYS")

    # Catch-up from the event store: how old an event must be before the sweeper, rather than
    # Kafka, is expected to deliver it, and how often the sweeper looks.
    catchup_grace_seconds: float = Field(3.0, validation_alias="CATCHUP_GRACE_SECONDS")
    catchup_interval_seconds: float = Field(2.0, validation_alias="CATCHUP_INTERVAL_SECONDS")
    consumer_max_attempts: int = Field(3, validation_alias="CONSUMER_MAX_ATTEMPTS")
    # How long a read given a consistency token (?after=) waits for the read models before
    # it answers 504.
    read_after_timeout_seconds: float = Field(
        5.0, gt=0, le=60, validation_alias="READ_AFTER_TIMEOUT_SECONDS"
    )

    outbox_poll_seconds: float = Field(5.0, validation_alias="OUTBOX_POLL_SECONDS")
    outbox_batch_size: int = Field(1000, validation_alias="OUTBOX_BATCH_SIZE")

    # Proxies (addresses or networks, comma-separated) whose X-Forwarded-For names the real
    # client. None by default: the immediate peer is the client, and a forwarded header from
    # anyone else is ignored (rate limits and sign-in throttling key on that address).
    trusted_proxies: str = Field("", validation_alias="TRUSTED_PROXIES")
    # A connection whose request headers are not all in within this is closed (slowloris).
    http_header_timeout_seconds: float = Field(
        10.0, gt=0, le=300, validation_alias="HTTP_HEADER_TIMEOUT_SECONDS"
    )
    # A request line and headers longer than this are refused with 431 (h11's own limit).
    http_max_header_bytes: int = Field(
        16 * 1024, ge=1024, le=1024 * 1024, validation_alias="HTTP_MAX_HEADER_BYTES"
    )
    # Each client's requests a second, with bursts up to the burst (per replica; 0: no limit).
    rate_limit_per_second: float = Field(200.0, validation_alias="RATE_LIMIT_PER_SECOND")
    rate_limit_burst: int = Field(400, validation_alias="RATE_LIMIT_BURST")

    # The first organisation admin's API token, for entering a new installation (optional).
    bootstrap_admin_token: str | None = Field(None, validation_alias="BOOTSTRAP_ADMIN_TOKEN")
    # Integrations' message-signing keys derive from it (see shared.auth.secrets.signing_key).
    integration_signing_secret: str = Field(
        "dev-only-change-me", validation_alias="INTEGRATION_SIGNING_SECRET"
    )
    # Wraps every complainant's key (32 bytes, base64). Losing it loses all personal data;
    # rotate by re-wrapping privacy.subject_keys.
    personal_data_key: str = Field("dev-only-change-me", validation_alias="PERSONAL_DATA_KEY")
    session_hours: float = Field(12.0, validation_alias="SESSION_HOURS")

    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")
    log_json: bool = Field(True, validation_alias="LOG_JSON")

    # The settings that are secrets: each service adds its own.
    secret_fields: ClassVar[tuple[str, ...]] = ("integration_signing_secret", "personal_data_key")

    @property
    def kafka_bootstrap_list(self) -> list[str]:
        """The brokers one by one: FastStream reads a comma-separated string as one host."""
        return [h.strip() for h in self.kafka_bootstrap_servers.split(",") if h.strip()]

    @property
    def cookies_secure(self) -> bool:
        return (
            self.secure_cookies
            if self.secure_cookies is not None
            else (self.profile != "development")
        )

    def insecure_secrets(self) -> list[str]:
        """The environment variables of secrets left at a development default or too weak
        to protect anything (shorter than 16 characters)."""
        weak = []
        for name in self.secret_fields:
            value = str(getattr(self, name) or "")
            if len(value) < 16 or any(word in value.lower() for word in WEAK_WORDS):
                field = type(self).model_fields[name]
                alias = field.validation_alias
                prefix = self.model_config.get("env_prefix", "")
                weak.append(str(alias) if isinstance(alias, str) else f"{prefix}{name}".upper())
        return weak

    def refuse_insecure_secrets(self) -> None:
        """Outside development, stop with the names of the secrets that must be set."""
        weak = self.insecure_secrets()
        if weak and self.profile != "development":
            raise SystemExit(
                f"{self.service_name}: refusing to start with default or weak secrets: "
                f"{', '.join(weak)}. Set each to a random value of 16 characters or more "
                "(PERSONAL_DATA_KEY: 32 random bytes, base64), or DESK_PROFILE=development "
                "for a development machine. / 祕密設定為預設值或過弱，拒絕啟動。"
            )


# Words of the built-in development values ("dev-only-change-me") and of common placeholders.
WEAK_WORDS = ("change-me", "changeme", "dev-only", "secret", "password", "example")
