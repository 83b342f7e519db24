"""Configuration shared by every service, read from environment variables."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Settings every service reads. Each service subclasses it with its own port and prefix.

    Shared variables have no prefix (``DATABASE_URL``, ``KAFKA_BOOTSTRAP_SERVERS``); a service's
    own ones carry its prefix (``INTAKE_PORT``).
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

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
    # The embedded broker makes a joining consumer wait session_timeout/2, so dev keeps it short.
    kafka_session_timeout_ms: int = Field(6000, validation_alias="KAFKA_SESSION_TIMEOUT_MS")
    kafka_heartbeat_interval_ms: int = Field(1000, validation_alias="KAFKA_HEARTBEAT_INTERVAL_MS")
    # How long a fetch may wait for records. Apache Kafka answers as soon as records arrive;
    # the embedded broker holds fetches longer (135 ms median per hop at 500 ms, 6 ms at 50).
    kafka_fetch_max_wait_ms: int = Field(500, validation_alias="KAFKA_FETCH_MAX_WAIT_MS")

    # Transport security to the brokers. SSL with a client certificate and key is mutual TLS:
    # the brokers know which service (or other system) each client is, and Kafka ACLs decide
    # who may write each topic.
    kafka_security_protocol: str = Field("PLAINTEXT", validation_alias="KAFKA_SECURITY_PROTOCOL")
    kafka_ssl_cafile: str | None = Field(None, validation_alias="KAFKA_SSL_CAFILE")
    kafka_ssl_certfile: str | None = Field(None, validation_alias="KAFKA_SSL_CERTFILE")
    kafka_ssl_keyfile: str | None = Field(None, validation_alias="KAFKA_SSL_KEYFILE")

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
