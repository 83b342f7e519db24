"""A place's and a piece of equipment's fields, validated as an admin gives them (a form, a
JSON body, a CSV row), with what is wrong named in both languages."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from complaint_desk.contract.events.registry import ASSET_TYPE_WORDS, AssetType

Code = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,39}$"),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Optional = Annotated[
    Annotated[str, StringConstraints(max_length=200)] | None,
    BeforeValidator(lambda v: (v.strip() or None) if isinstance(v, str) else v),
]
_TYPE_BY_WORD = {w.casefold(): t for t, words in ASSET_TYPE_WORDS.items() for w in words}


def _asset_type(value: object) -> object:
    """A type by its code, or by its name in either language (飲水機, Water dispenser)."""
    if isinstance(value, str):
        return _TYPE_BY_WORD.get(value.strip().casefold(), value.strip())
    return value


def _day(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


class PlaceFields(BaseModel):
    """A place as an admin puts it (its code in the address)."""

    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="名稱 / e.g. 3F 茶水間")
    building: Optional = None
    floor: Optional = None
    room: Optional = None


class PlaceRow(PlaceFields):
    code: Code = Field(description="地點代碼 / the place's code, e.g. A-3F-PANTRY")


class AssetFields(BaseModel):
    """A piece of equipment as an admin puts it (its code in the address)."""

    model_config = ConfigDict(extra="forbid")

    type: Annotated[AssetType, BeforeValidator(_asset_type)] = Field(
        description="設備類型 / water_dispenser, air_conditioner, lift, light, …"
    )
    name: Name
    serial: Optional = None
    model: Optional = None
    installed_on: Annotated[date | None, BeforeValidator(_day)] = None
    place: Annotated[Code | None, BeforeValidator(_day)] = Field(
        None, description="所在地點代碼 / the registered place it stands at"
    )
    maintenance_team: Optional = None


class AssetRow(AssetFields):
    code: Code = Field(description="設備編號 / the label on it, e.g. WD-3F-02")
