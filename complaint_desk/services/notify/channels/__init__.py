"""Delivery channels: each an adapter behind :class:`Channel`."""

from .base import Channel, Gone, Message, PermanentFailure, TemporaryFailure

__all__ = ["Channel", "Gone", "Message", "PermanentFailure", "TemporaryFailure"]
