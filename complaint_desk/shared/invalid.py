"""Why a request is invalid, in Traditional Chinese as well as English: :class:`Invalid` for
our own validators, and the Chinese for pydantic's error types and for the fields people fill
in. A 422's ``message_zh`` is built from these, so no English reason and no raw field name
shows through in a Chinese screen."""

from collections.abc import Mapping, Sequence
from typing import Any


class Invalid(ValueError):
    """A validator's refusal in both languages (pydantic keeps the exception in the error's
    context, where the HTTP layer finds the Chinese)."""

    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.message_zh = message_zh


# pydantic's error types, by what a person reads; {name} is the error's context.
REASONS_ZH = {
    "missing": "必填",
    "extra_forbidden": "不接受此欄位",
    "string_too_short": "至少 {min_length} 個字",
    "string_too_long": "最多 {max_length} 個字",
    "too_short": "至少 {min_length} 項",
    "too_long": "最多 {max_length} 項",
    "greater_than": "須大於 {gt}",
    "greater_than_equal": "不可小於 {ge}",
    "less_than": "須小於 {lt}",
    "less_than_equal": "不可大於 {le}",
    "string_pattern_mismatch": "格式不符",
    "enum": "不是可選的項目",
    "literal_error": "不是可選的項目",
    "uuid_parsing": "不是有效的識別碼",
    "uuid_type": "不是有效的識別碼",
    "int_parsing": "須為整數",
    "int_type": "須為整數",
    "int_from_float": "須為整數",
    "float_parsing": "須為數字",
    "float_type": "須為數字",
    "bool_parsing": "須為是或否",
    "bool_type": "須為是或否",
    "string_type": "須為文字",
    "list_type": "須為清單",
    "dict_type": "格式不符",
    "model_type": "格式不符",
    "model_attributes_type": "格式不符",
    "datetime_parsing": "不是有效的日期時間",
    "datetime_type": "不是有效的日期時間",
    "datetime_from_date_parsing": "不是有效的日期時間",
    "timezone_aware": "須含時區",
    "date_parsing": "不是有效的日期",
    "date_from_datetime_parsing": "不是有效的日期",
    "time_parsing": "不是有效的時間",
    "json_invalid": "不是有效的 JSON",
    "value_error": "內容不符規定",
    "url_parsing": "不是有效的網址",
    "url_scheme": "網址的開頭不符",
}

# The fields people fill in, by their names on forms.
FIELDS_ZH = {
    "complainant_name": "投訴人姓名", "department": "部門", "phone": "電話",
    "email": "電子郵件", "site": "院區", "location": "地點", "category": "類別",
    "description": "說明", "urgency": "緊急程度", "channel": "管道",
    "receiving_officer": "受理人", "about_staff": "涉及人員", "major_fault": "重大故障",
    "temporary_measures": "臨時措施", "measures_note": "措施說明", "severity": "等級",
    "responsibility": "責任歸屬", "referred_to": "轉介對象", "third_party": "第三方",
    "reason": "原因", "note": "備註", "notes": "說明", "summary": "處理結果",
    "improvement": "改進措施", "kind": "類型", "text": "內容", "deadline": "期限",
    "expected_arrival": "預計到貨", "lost_work_allowance": "誤工補償",
    "parts_compensation": "零件補償", "retraining": "再培訓", "apology": "道歉",
    "assignee_kind": "承辦單位", "assignee": "承辦人", "due_at": "完成期限",
    "satisfied": "是否滿意", "rating": "評分", "reasons": "不滿意原因",
    "comments": "意見", "suggestions": "建議", "outcome": "結論", "tasks": "任務",
    "actor": "操作人", "expected_version": "版本", "owner": "負責人",
    "contact_channel": "聯繫方式", "name": "名稱", "destination": "送達位址",
    "event_types": "事件類型", "enabled": "啟用", "role": "角色", "locale": "語言",
    "timezone": "時區", "policy": "時效政策", "calendar": "行事曆",
    "limit": "筆數", "offset": "起始位置", "after": "位置", "q": "搜尋",
    "status": "狀態", "start": "起始時間", "end": "結束時間", "days": "天數",
    "threshold": "門檻", "group_by": "分組", "period": "期間", "into": "併入的投訴",
    "place": "地點", "asset": "設備", "code": "代碼", "type": "設備類型", "serial": "序號",
    "model": "型號", "installed_on": "安裝日期", "maintenance_team": "維修團隊",
    "building": "大樓", "floor": "樓層", "room": "房間", "exclude": "排除", "by": "分組",
    "via": "管道", "from_complaint": "原投訴",
}  # fmt: skip


def field_zh(loc: Sequence[Any]) -> str:
    """The field a person filled in: its Chinese name (of the innermost named part)."""
    for part in reversed([p for p in loc if isinstance(p, str)]):
        if part in FIELDS_ZH:
            return FIELDS_ZH[part]
    return "內容"


def reason_zh(error: Mapping[str, Any]) -> str:
    """Why, in Chinese: our validator's own words, else pydantic's type of error."""
    context = error.get("ctx") or {}
    cause = context.get("error")
    if isinstance(cause, Invalid):
        return cause.message_zh
    template = REASONS_ZH.get(str(error.get("type")), "內容不正確")
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return template


def _field_path(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_error_body(errors: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A 422's body: each field and reason in English (field names, for developers) and in
    Chinese (field names and reasons in words, for people)."""
    fields = [
        {
            "field": _field_path(tuple(e.get("loc", ()))),
            "reason": e.get("msg", "invalid"),
            "field_zh": field_zh(tuple(e.get("loc", ()))),
            "reason_zh": reason_zh(e),
        }
        for e in errors
    ]
    summary = "; ".join(f"{f['field']}: {f['reason']}" for f in fields)
    summary_zh = "；".join(f"{f['field_zh']}：{f['reason_zh']}" for f in fields)
    return {
        "error": {
            "code": "validation_error",
            "message": f"Invalid request: {summary}",
            "message_zh": f"請求內容有誤（{summary_zh}）",
            "fields": fields,
        }
    }
