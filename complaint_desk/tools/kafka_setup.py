"""``desk kafka-setup``: a secured Kafka (SASL/SCRAM over TLS) made ready for the desk by its
admin principal: each principal's SCRAM credential, the desk's topics, and each principal's
ACLs (``shared/kafka_acls``, from what the services declare). Idempotent: run it again after an
upgrade adds a subscriber or a topic. The compose deployment's ``kafka-setup`` job runs it
before the services start. ``desk kafka-certificates`` makes the brokers' CA and certificate."""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from aiokafka.errors import KafkaError
from confluent_kafka import KafkaException
from confluent_kafka.admin import (  # type: ignore[attr-defined]
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialAlteration,
    UserScramCredentialUpsertion,
)
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from complaint_desk.shared.kafka import ensure_topics
from complaint_desk.shared.kafka_acls import Grant, all_grants
from complaint_desk.shared.settings import ServiceSettings
from complaint_desk.tools.devstack.kafka_tls import make_certificates
from complaint_desk.tools.kafka_acls_command import service_specs

# Kafka's own floor is 4096; the salted hash is computed once per connection.
SCRAM_ITERATIONS = 8192
# None matches any name, principal and host (the stubs say str; librdkafka takes NULL).
ANY_ACL = AclBindingFilter(
    ResourceType.ANY, None, ResourcePatternType.ANY, None, None,  # type: ignore[arg-type]
    AclOperation.ANY, AclPermissionType.ANY,
)  # fmt: skip
MECHANISMS = {"SCRAM-SHA-256": ScramMechanism.SCRAM_SHA_256,
              "SCRAM-SHA-512": ScramMechanism.SCRAM_SHA_512}  # fmt: skip
Password = SecretStr | None


class PrincipalPasswords(BaseSettings):
    """Each principal's password, from ``KAFKA_PASSWORD_<NAME>`` (``-`` as ``_``). A principal
    without one keeps its ACLs but gets no credential (it cannot sign in until it has one)."""

    model_config = SettingsConfigDict(env_prefix="KAFKA_PASSWORD_", extra="ignore")
    intake: Password = Field(None, min_length=16)
    sla: Password = Field(None, min_length=16)
    notify: Password = Field(None, min_length=16)
    projections: Password = Field(None, min_length=16)
    maintenance_system: Password = Field(None, min_length=16)
    procurement_system: Password = Field(None, min_length=16)
    command_sender: Password = Field(None, min_length=16)

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value  # compose passes an unset optional one as ""

    def passwords(self) -> dict[str, str]:
        return {
            name.replace("_", "-"): value.get_secret_value()
            for name, value in self
            if isinstance(value, SecretStr)
        }


def admin_client(settings: ServiceSettings) -> AdminClient:
    """librdkafka's admin client with the same brokers and credentials as our aiokafka ones."""
    config: dict[str, Any] = {
        "bootstrap.servers": settings.kafka_bootstrap_servers,
        "security.protocol": settings.kafka_security_protocol,
    }
    if settings.kafka_ssl_cafile:
        config["ssl.ca.location"] = settings.kafka_ssl_cafile
    if settings.kafka_sasl_username:
        config |= {
            "sasl.mechanisms": settings.kafka_sasl_mechanism,
            "sasl.username": settings.kafka_sasl_username,
            "sasl.password": settings.kafka_sasl_password or "",
        }
    return AdminClient(config)


def upsert_credentials(
    admin: AdminClient, passwords: Mapping[str, str], mechanism: str = "SCRAM-SHA-512"
) -> None:
    """Create or replace each principal's SCRAM credential."""
    if not passwords:
        return
    info = ScramCredentialInfo(MECHANISMS[mechanism], SCRAM_ITERATIONS)
    changes: list[UserScramCredentialAlteration] = [
        UserScramCredentialUpsertion(user, info, secret.encode())
        for user, secret in sorted(passwords.items())
    ]
    for future in admin.alter_user_scram_credentials(changes, request_timeout=60).values():
        future.result()


def binding(grant: Grant) -> AclBinding:
    return AclBinding(
        ResourceType.TOPIC if grant.resource == "topic" else ResourceType.GROUP,
        grant.name,
        ResourcePatternType.PREFIXED if grant.prefixed else ResourcePatternType.LITERAL,
        f"User:{grant.principal}",
        "*",
        getattr(AclOperation, grant.operation),
        AclPermissionType.ALLOW,
    )


def create_acls(admin: AdminClient, grants: Iterable[Grant], timeout: float = 60) -> None:
    """Add the grants as ACLs (adding one that exists is a no-op on the brokers), and return
    once the brokers enforce them: the controller has them before the brokers' authorizers do."""
    bindings = {binding(g) for g in grants}
    if not bindings:
        return
    for future in admin.create_acls(list(bindings), request_timeout=timeout).values():
        future.result(timeout=timeout)
    deadline = time.monotonic() + timeout
    while not bindings <= set(admin.describe_acls(ANY_ACL).result(timeout=timeout)):
        if time.monotonic() > deadline:
            raise TimeoutError("the brokers did not show the ACLs just created")
        time.sleep(0.1)


async def set_up(
    settings: ServiceSettings, passwords: Mapping[str, str], grants: Iterable[Grant]
) -> list[str]:
    """Credentials, then the topics (returns those created), then the ACLs."""
    admin = admin_client(settings)
    await asyncio.to_thread(upsert_credentials, admin, passwords, settings.kafka_sasl_mechanism)
    created = await ensure_topics(settings)
    await asyncio.to_thread(create_acls, admin, list(grants))
    return created


T = TypeVar("T")


async def retrying(
    attempt: Callable[[], Awaitable[T]],
    within: float,
    *,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """``attempt`` again every 2 s while Kafka refuses or is unreachable (brokers still
    starting, a quorum not yet formed), for up to ``within`` seconds; then its error."""
    deadline = clock() + within
    while True:
        try:
            return await attempt()
        except (KafkaException, KafkaError, OSError) as error:
            if clock() >= deadline:
                raise
            print(f"Kafka 尚未就緒，稍後重試 / Kafka not ready, trying again: {error}", flush=True)
            await sleep(2.0)


def run_kafka_setup(args: argparse.Namespace) -> int:
    settings = ServiceSettings()
    try:
        passwords = PrincipalPasswords().passwords()
    except ValidationError as error:
        names = ", ".join(f"KAFKA_PASSWORD_{e['loc'][0]}".upper() for e in error.errors())
        print(f"設定有誤 / invalid settings: {names} (至少 16 字元 / at least 16 characters)")
        return 2
    grants = all_grants(service_specs())
    try:
        created = asyncio.run(
            retrying(lambda: set_up(settings, passwords, grants), args.wait_seconds)
        )
    except (KafkaException, KafkaError, OSError) as error:
        print(f"Kafka 拒絕或無法連線 / Kafka refused or was unreachable: {error}")
        return 1
    print(f"帳號 / credentials: {', '.join(sorted(passwords)) or '—'}")
    print(f"新建主題 / topics created: {', '.join(created) or '—'}")
    print(f"存取控制 / ACLs: {len(grants)}")
    return 0


def run_kafka_certificates(args: argparse.Namespace) -> int:
    folder = Path(args.out)
    ca, broker = make_certificates(folder, args.hosts, days=args.days, keep_ca_key=True)
    print(f"CA（用戶端信任）/ the CA clients trust: {ca}")
    print(f"代理伺服器金鑰與憑證 / the brokers' key and certificate: {broker}")
    ca_key = folder / "ca-key.pem"
    print(f"CA 私鑰（離線保存，換發用）/ the CA's key (keep offline, to renew): {ca_key}")
    return 0


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    setup = commands.add_parser(
        "kafka-setup",
        help="create each principal, the topics and the ACLs on a secured Kafka / "
        "設定 Kafka 帳號、主題與存取控制",
        description=(
            "As the brokers' admin (KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD, KAFKA_SSL_CAFILE): "
            "each principal's SCRAM credential from KAFKA_PASSWORD_<NAME>, the topics, the ACLs. "
            "Safe to run again. / 以管理者身分建立各服務帳號、主題與存取控制，可重複執行。"
        ),
    )
    setup.add_argument(
        "--wait-seconds", type=float, default=180,
        help="how long to keep trying while the brokers start / 等待 Kafka 就緒的秒數",
    )  # fmt: skip
    setup.set_defaults(func=run_kafka_setup)
    certificates = commands.add_parser(
        "kafka-certificates",
        help="make the brokers' CA and certificate / 產生 Kafka 憑證",
    )
    certificates.add_argument("--out", default="secrets", help="folder / 輸出資料夾")
    certificates.add_argument(
        "--hosts", nargs="+", default=["kafka", "kafka-1", "kafka-2", "kafka-3"],
        help="the brokers' host names / 代理伺服器主機名稱",
    )  # fmt: skip
    certificates.add_argument("--days", type=int, default=825, help="validity / 有效天數")
    certificates.set_defaults(func=run_kafka_certificates)
