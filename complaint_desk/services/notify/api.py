"""notify's HTTP API: integrators' subscriptions, the staff directory, and dead letters."""

from __future__ import annotations

import base64
import secrets
import uuid
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, model_validator

from complaint_desk.contract.cloudevents import TYPE_PREFIX
from complaint_desk.contract.events import registered_event_types, utcnow
from complaint_desk.shared.auth import Permission, Principal
from complaint_desk.shared.auth.http import require, scope
from complaint_desk.shared.http import ApiError
from complaint_desk.shared.invalid import Invalid
from complaint_desk.shared.runtime.deps import PoolDep

from . import destinations, repository
from .channels import PermanentFailure
from .channels.targets import check_url
from .settings import NotifySettings, SettingsDep

router = APIRouter(tags=["notifications"])
# Webhooks reach other systems with every site's events: the organisation's to configure.
Operator = Annotated[Principal, Depends(require(Permission.OPERATE, organisation_wide=True))]
Inspector = Annotated[
    Principal, Depends(require(Permission.OPERATE, Permission.AUDIT, organisation_wide=True))
]
SiteAdmin = Annotated[Principal, Depends(require(Permission.CONFIGURE_SITE))]
SiteOrAll = Annotated[str, Field(pattern=r"^(\*|[A-Z][A-Z0-9]{1,11})$")]
ChannelName = Literal["webhook", "email", "sms"]


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class SubscriptionIn(BaseModel):
    """Which event types of which site (``*`` for all) go where."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=100)]
    site: SiteOrAll = "*"
    event_types: list[str] = Field(
        min_length=1, max_length=100,
        description="事件名稱 / event names (SafetyEscalated), or * for all; the CloudEvents "
        "type a delivery carries (tw.facilities.complaints.SafetyEscalated) is accepted too "
        "and kept as the name",
    )  # fmt: skip
    channel: ChannelName
    destination: Annotated[str, Field(min_length=3, max_length=500)]
    enabled: bool = True

    @model_validator(mode="after")
    def _known(self) -> SubscriptionIn:
        # The name a delivery's CloudEvents type carries, or the type itself: one meaning.
        self.event_types = [t.removeprefix(TYPE_PREFIX) for t in self.event_types]
        known = set(registered_event_types())
        unknown = [t for t in self.event_types if t != "*" and t not in known]
        if unknown:
            raise Invalid(f"unknown event types: {unknown}", "含有不存在的事件類型")
        wrong = destinations.problem(self.channel, self.destination)
        if wrong:
            raise Invalid(f"destination: {wrong}", "送達位址不符此管道的格式")
        return self


class SubscriptionOut(BaseModel):
    id: UUID
    name: str
    site: str
    event_types: list[str]
    channel: str
    destination: str
    enabled: bool
    disabled_reason: str | None
    secret_count: int
    created_at: datetime
    updated_at: datetime


class SubscriptionCreated(SubscriptionOut):
    secret: str | None = Field(
        None, description="the signing secret, shown once / 簽章密鑰（僅顯示一次）"
    )


async def _check_destination(s: NotifySettings, body: SubscriptionIn) -> None:
    if body.channel != "webhook":
        return
    scheme = destinations.url_problem(body.destination, allow_http=s.allow_loopback)
    if scheme:
        raise ApiError(
            422,
            "validation_error",
            f"destination: {scheme}",
            "destination：Webhook 網址須以 https:// 開頭",
            fields=[{"field": "destination", "reason": scheme}],
        )
    try:
        await check_url(
            body.destination,
            allow_loopback=s.allow_loopback,
            allowed_hosts=frozenset(s.allowed_hosts),
        )
    except PermanentFailure as exc:
        raise ApiError(
            422,
            "destination_refused",
            f"Webhook URL refused: {exc}",
            f"不接受此 Webhook 網址：{exc}",
            fields=[{"field": "destination", "reason": str(exc)}],
        ) from None  # fmt: skip


async def _one(pool: asyncpg.Pool, subscription_id: UUID) -> SubscriptionOut:
    row = await repository.subscription(pool, subscription_id)
    if row is None:
        raise ApiError(
            404, "subscription_not_found", f"No subscription {subscription_id}", "查無此訂閱"
        )
    return SubscriptionOut(**dict(row))


@router.post("/subscriptions", status_code=201, response_model=SubscriptionCreated,
             summary="Subscribe / 建立訂閱")  # fmt: skip
async def create_subscription(
    body: SubscriptionIn, pool: PoolDep, settings: SettingsDep, _: Operator
) -> SubscriptionCreated:
    """A webhook subscription gets a signing secret (Standard Webhooks), shown only here."""
    await _check_destination(settings, body)
    subscription_id = uuid.uuid4()
    secret = new_secret() if body.channel == "webhook" else None
    await repository.insert_subscription(
        pool,
        id=subscription_id,
        name=body.name,
        site=body.site,
        event_types=body.event_types,
        channel=body.channel,
        destination=body.destination,
        secrets=[secret] if secret else [],
        enabled=body.enabled,
    )
    created = await _one(pool, subscription_id)
    return SubscriptionCreated(**created.model_dump(), secret=secret)


@router.get("/subscriptions", response_model=list[SubscriptionOut], summary="Subscriptions / 訂閱")
async def list_subscriptions(
    pool: PoolDep,
    _: Inspector,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[SubscriptionOut]:
    """Every webhook or email subscription to events, with the sites and event types it
    takes (an event type is the event's name, e.g. SafetyEscalated; deliveries carry it as the
    CloudEvents type tw.facilities.complaints.SafetyEscalated)."""
    rows = await repository.subscriptions(pool, limit, offset)
    return [SubscriptionOut(**r) for r in rows]


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionOut)
async def get_subscription(subscription_id: UUID, pool: PoolDep, _: Inspector) -> SubscriptionOut:
    """One subscription: where it delivers, what it takes, whether it is enabled."""
    return await _one(pool, subscription_id)


@router.put("/subscriptions/{subscription_id}", response_model=SubscriptionOut,
            summary="Update or disable / 更新或停用訂閱")  # fmt: skip
async def update_subscription(
    subscription_id: UUID, body: SubscriptionIn, pool: PoolDep, settings: SettingsDep, _: Operator
) -> SubscriptionOut:
    """Change a subscription's destination, sites, event types or whether it is enabled;
    its signing secret stays (rotate it on its own)."""
    current = await _one(pool, subscription_id)
    if body.channel != current.channel:
        raise ApiError(422, "validation_error", "The channel of a subscription cannot change",
                       "訂閱的管道不能變更")  # fmt: skip
    await _check_destination(settings, body)
    await repository.update_subscription(
        pool,
        id=subscription_id,
        name=body.name,
        site=body.site,
        event_types=body.event_types,
        destination=body.destination,
        enabled=body.enabled,
    )
    return await _one(pool, subscription_id)


@router.post("/subscriptions/{subscription_id}/rotate-secret", response_model=SubscriptionCreated,
             summary="Rotate the signing secret / 更換簽章密鑰")  # fmt: skip
async def rotate_secret(subscription_id: UUID, pool: PoolDep, _: Operator) -> SubscriptionCreated:
    """The new secret signs from now on, beside the previous one until the next rotation, so
    a receiver can switch without missing a message."""
    current = await _one(pool, subscription_id)
    if current.channel != "webhook":
        raise ApiError(422, "validation_error", "Only webhooks have secrets", "僅 Webhook 有密鑰")
    secret = new_secret()
    await repository.rotate_secret(pool, subscription_id, secret)
    return SubscriptionCreated(**(await _one(pool, subscription_id)).model_dump(), secret=secret)


class DeadLetter(BaseModel):
    id: UUID
    complaint_id: UUID | None
    site: str
    channel: str
    recipient: str
    kind: str
    attempts: int
    last_error: str | None
    finished_at: datetime | None


@router.get("/deliveries/dead", response_model=list[DeadLetter], summary="Dead letters / 無法投遞")
async def dead_letters(
    pool: PoolDep,
    principal: SiteAdmin,
    site: Annotated[str | None, Query(max_length=12)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[DeadLetter]:
    """Deliveries that failed for good (a permanent refusal, or every attempt used), newest
    first, with the last reason: replay one once its cause is fixed."""
    rows = await repository.dead_letters(pool, scope(principal, site), limit, offset)
    return [DeadLetter(**r) for r in rows]


@router.post("/deliveries/{delivery_id}/replay", summary="Replay a dead letter / 重新投遞")
async def replay(delivery_id: UUID, pool: PoolDep, principal: SiteAdmin) -> dict[str, str]:
    """Queue a dead delivery again, once: it is attempted as a new one."""
    replayed = await repository.replay(pool, delivery_id, utcnow(), scope(principal, None))
    if replayed is None:
        raise ApiError(
            404, "not_dead_lettered", f"No dead letter {delivery_id}", "查無此無法投遞的訊息"
        )
    return {"id": str(delivery_id), "status": "pending"}
