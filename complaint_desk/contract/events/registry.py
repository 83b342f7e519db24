"""Events of a site's registry of places and equipment (stream type ``registry``, one stream
per site, owned by intake): what complaints are about, so that recurring problems show on the
equipment, the place, and the kind of equipment across sites."""

from datetime import date
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import Field

from complaint_desk.contract.events.base import DomainEvent, event


class AssetType(StrEnum):
    WATER_DISPENSER = "water_dispenser"  # 飲水機
    AIR_CONDITIONER = "air_conditioner"  # 空調
    LIFT = "lift"  # 電梯
    LIGHT = "light"  # 照明
    PRINTER = "printer"  # 影印機
    TOILET = "toilet"  # 廁所設備
    DOOR = "door"  # 門禁、鐵捲門
    OTHER = "other"  # 其他


ASSET_TYPE_WORDS: dict[AssetType, tuple[str, str]] = {
    AssetType.WATER_DISPENSER: ("飲水機", "Water dispenser"),
    AssetType.AIR_CONDITIONER: ("空調", "Air conditioner"),
    AssetType.LIFT: ("電梯", "Lift"),
    AssetType.LIGHT: ("照明", "Light"),
    AssetType.PRINTER: ("影印機", "Printer"),
    AssetType.TOILET: ("廁所設備", "Toilet fittings"),
    AssetType.DOOR: ("門、鐵捲門", "Door or shutter"),
    AssetType.OTHER: ("其他設備", "Other equipment"),
}


def registry_stream(site: str) -> UUID:
    """The stream of a site's registry: one per site, its id derived from the site's code."""
    return uuid5(NAMESPACE_URL, f"complaint-desk:registry:{site.upper()}")


@event("registry")
class PlaceRegistered(DomainEvent):
    """A place of the site (building, floor, room or area) complaints may be about."""

    code: str = Field(description="地點代碼 / the place's code at its site, e.g. A-3F-PANTRY")
    name: str = Field(description="名稱 / what people call it, e.g. 3F 茶水間")
    building: str | None = None
    floor: str | None = None
    room: str | None = None


@event("registry")
class PlaceChanged(DomainEvent):
    code: str
    name: str
    building: str | None = None
    floor: str | None = None
    room: str | None = None


@event("registry")
class PlaceRetired(DomainEvent):
    code: str
    reason: str | None = None


@event("registry")
class AssetRegistered(DomainEvent):
    """A piece of equipment: its type, its label (what is written on it), serial, install
    date, where it stands and which maintenance team looks after it."""

    code: str = Field(description="設備編號 / the label on it, e.g. WD-3F-02")
    type: AssetType
    name: str = Field(description="名稱 / e.g. 3F 茶水間飲水機")
    serial: str | None = None
    model: str | None = Field(None, description="型號 / the model, compared across sites")
    installed_on: date | None = None
    place: str | None = Field(None, description="所在地點代碼 / the place it stands at")
    maintenance_team: str | None = None


@event("registry")
class AssetChanged(DomainEvent):
    code: str
    type: AssetType
    name: str
    serial: str | None = None
    model: str | None = None
    installed_on: date | None = None
    place: str | None = None
    maintenance_team: str | None = None


@event("registry")
class AssetRetired(DomainEvent):
    code: str
    reason: str | None = None


@event("complaint")
class AssetLinked(DomainEvent):
    """On the complaint's own stream: the officer (or the QR code it came from) named the
    registered place and equipment it is about. Hotspots and problem records count by these."""

    place: str | None = Field(None, description="地點代碼 / the registered place")
    place_name: str | None = None
    asset: str | None = Field(None, description="設備編號 / the registered equipment")
    asset_type: AssetType | None = None
    asset_name: str | None = None
    model: str | None = None
