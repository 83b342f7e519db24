"""Periodic reports (定期分析, stream type ``report``, one stream per site and period, owned
by projections): issued once per period, whichever replica got there first."""

from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import Field

from complaint_desk.contract.events.base import DomainEvent, event

ORGANISATION = "*"


def report_stream(site: str, period: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"complaint-desk:report:{site.upper()}:{period}")


@event("report")
class PeriodicReportIssued(DomainEvent):
    """A weekly or monthly report is ready: notify sends it to the site's supervisor and the
    organisation's managers."""

    site: str = Field(description="院區，或 * 表示全機構 / the site, or * for the organisation")
    period: str = Field(description="2026-11 or 2026-W47")
    received: int
    resolution_rate: float
    satisfaction: float | None = None
    breached_ever: int
    problems_opened: int
    inspections_missed: int
    link: str = Field(description="主控台下載 / where the console offers the PDF and CSV")
