"""Events of the complaint stream (stream type ``complaint``), owned by intake."""

from datetime import datetime
from enum import StrEnum

from pydantic import EmailStr

from .base import DomainEvent, event


class Category(StrEnum):
    REPAIR_DELAY = "repair_delay"  # 維修延誤
    SHORTAGE = "shortage"  # 物品短缺
    SERVICE_ATTITUDE = "service_attitude"  # 服務態度
    SAFETY = "safety"  # 安全
    HYGIENE = "hygiene"  # 衛生
    OTHER = "other"  # 其他


class Urgency(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


class Channel(StrEnum):
    PHONE = "phone"
    WALK_IN = "walk_in"
    EMAIL = "email"
    WEB = "web"


@event("complaint")
class ComplaintReceived(DomainEvent):
    """A complaint was received and recorded in the register (投訴登記表)."""

    number: str
    complainant_name: str
    department: str
    phone: str | None = None
    email: EmailStr | None = None
    site: str
    location: str
    category: Category
    description: str
    urgency: Urgency
    channel: Channel
    receiving_officer: str
    received_at: datetime
