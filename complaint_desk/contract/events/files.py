"""A file attached to a complaint (a photo from the site, a scanned form, the signed report),
as events carry it: what it is and its hash, never its bytes. The bytes live in intake's
content-addressed store, fetched by ``id`` by those who may read the complaint."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class AttachedFile(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="內容雜湊 / of the stored bytes")
    media_type: str = Field(description="檔案類型 / from the content, never the name")
    size: int = Field(ge=0, description="位元組 / bytes")
    name: str = Field(max_length=200, description="檔名 / as uploaded")
    personal: bool = Field(
        False, description="含個人資料 / shows a person: erased with the complainant's data"
    )


class Signature(BaseModel):
    """One side's signature on the handling report: who, when, and the drawn signature or the
    scan of a paper one (its file, by reference and hash), if there is one."""

    model_config = ConfigDict(frozen=True)

    role: Literal["officer", "complainant"]
    name: str = Field(max_length=200)
    signed_at: datetime
    file: AttachedFile | None = None
