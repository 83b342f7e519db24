"""SLA rules: pure functions, no I/O."""

from datetime import datetime, timedelta
from enum import StrEnum

from shared.events import Category, Urgency


class Level(StrEnum):
    L1 = "L1"  # 緊急 urgent
    L2 = "L2"  # 重要 important
    L3 = "L3"  # 一般 general


RESPONSE_TARGET = {
    Level.L1: timedelta(minutes=15),
    Level.L2: timedelta(hours=2),
    Level.L3: timedelta(days=1),
}


def provisional_level(category: Category, urgency: Urgency) -> Level:
    """The level a complaint has until the duty officer classifies it: safety problems and
    critical urgency are urgent at once, as the process requires."""
    if category is Category.SAFETY or urgency is Urgency.CRITICAL:
        return Level.L1
    if urgency is Urgency.HIGH or category is Category.HYGIENE:
        return Level.L2
    return Level.L3


def response_due(received_at: datetime, level: Level) -> datetime:
    return received_at + RESPONSE_TARGET[level]
