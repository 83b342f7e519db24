"""Commands intake accepts, validated at the edge (HTTP or Kafka) before the aggregate."""

import re
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from shared.events import Category, Channel, Urgency

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
SiteCode = Annotated[
    str,
    BeforeValidator(lambda v: v.strip().upper() if isinstance(v, str) else v),
    StringConstraints(pattern=r"^[A-Z][A-Z0-9]{1,11}$"),
]
_PHONE = re.compile(r"^\+?[0-9][0-9 \-()]{5,24}$")


class ReceiveComplaint(BaseModel):
    """The register fields of a complaint (投訴登記表), as the duty officer records them."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "complainant_name": "陳小明",
                    "department": "財務部",
                    "phone": "+886 2 2345 6789",
                    "site": "HQ",
                    "location": "3F 茶水間",
                    "category": "repair_delay",
                    "description": "飲水機故障已一週仍未維修",
                    "urgency": "normal",
                    "channel": "phone",
                    "receiving_officer": "officer-wang",
                }
            ]
        },
    )

    complainant_name: Text = Field(description="投訴人姓名 / complainant's name")
    department: Text = Field(description="部門 / department")
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=25)] | None = Field(
        None, description="聯絡電話 / phone"
    )
    email: EmailStr | None = Field(None, description="電子郵件 / email")
    site: SiteCode = Field(description="院區代碼 / site code, e.g. HQ")
    location: Text = Field(description="地點 / location within the site")
    category: Category = Field(description="問題類別 / category")
    description: LongText = Field(description="投訴內容 / what is wrong")
    urgency: Urgency = Field(
        description="緊急程度（投訴人認為）/ urgency as the complainant sees it"
    )
    channel: Channel = Field(description="受理管道 / how the complaint came in")
    receiving_officer: Text = Field(description="受理人 / receiving duty officer")

    @field_validator("phone")
    @classmethod
    def _phone_shape(cls, phone: str | None) -> str | None:
        if phone is not None and not _PHONE.match(phone):
            raise ValueError("phone must be digits, spaces, dashes or parentheses, 6 to 25 long")
        return phone or None

    @model_validator(mode="after")
    def _contactable(self) -> "ReceiveComplaint":
        if not self.phone and not self.email:
            raise ValueError("give a phone or an email so the complainant can be called back")
        return self
