"""Why intake refuses a command, as one family of errors: each names its kind (not found,
conflict, forbidden), a stable code, and its message in both languages. The domain and the use
cases raise them; the HTTP API and the integration answer from them, in one place each."""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import UUID

from complaint_desk.contract.events.lifecycle import STATUS_ZH, Status


class RefusalKind(StrEnum):
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    FORBIDDEN = "forbidden"


class Refusal(Exception):
    """A command intake will not carry out, and why."""

    kind: RefusalKind = RefusalKind.CONFLICT

    def __init__(self, code: str, message: str, message_zh: str, **details: Any) -> None:
        self.code, self.message, self.message_zh, self.details = code, message, message_zh, details
        super().__init__(message)


# What each command is called in Chinese, for its refusal (the English phrase is the message's).
COMMAND_ZH = {
    "acknowledge": "聯繫投訴人",
    "reassign": "轉交負責人",
    "escalate-safety": "安全上報",
    "record evidence for": "記錄證據",
    "classify": "調查分類",
    "refer": "轉介",
    "change the severity of": "調整等級",
    "propose a resolution for": "提出方案",
    "approve the resolution of": "核准方案",
    "accept the resolution of": "同意方案",
    "dispute the resolution of": "對方案提出異議",
    "file the handling report of": "提交處理報告",
    "assign a task on": "分派任務",
    "record progress on": "記錄任務進度",
    "complete a task of": "完成任務",
    "cancel a task of": "取消任務",
    "wait on": "開始等待",
    "resume": "恢復處理",
    "resolve": "標記已解決",
    "record a callback on": "記錄回訪",
    "conclude the review of": "做出復核結論",
    "close": "歸檔",
    "reopen": "重新開啟",
}


class IllegalTransition(Refusal):
    """The command does not apply to the complaint as it stands."""

    def __init__(self, command: str, status: Status, why: str = "", why_zh: str = "") -> None:
        self.command, self.status = command, status
        super().__init__(
            "illegal_transition",
            f"Cannot {command} a complaint that is {status.value}" + (f": {why}" if why else ""),
            f"投訴目前狀態為「{STATUS_ZH[status]}」，不能{COMMAND_ZH.get(command, '執行此動作')}"
            + (f"：{why_zh}" if why_zh else ""),
            current_status=status.value,
            command=command,
        )


class NotForThisActor(Refusal):
    """The command applies, but not by this person: someone the complaint is about
    (objectivity), or an officer where a supervisor must act."""

    kind = RefusalKind.FORBIDDEN


class ComplaintNotFound(Refusal):
    kind = RefusalKind.NOT_FOUND

    def __init__(self, complaint_id: UUID) -> None:
        self.complaint_id = complaint_id
        super().__init__(
            "complaint_not_found", f"No complaint {complaint_id}", f"查無投訴 {complaint_id}"
        )


class TaskNotFound(Refusal):
    kind = RefusalKind.NOT_FOUND

    def __init__(self, what: str) -> None:
        super().__init__("task_not_found", f"No such task: {what}", "查無此任務")


class IdempotencyKeyReused(Refusal):
    """The caller sent this Idempotency-Key before, with another request."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(
            "idempotency_key_reused",
            f"Idempotency-Key {key!r} was already used for a different request; "
            "use a new key for a new complaint",
            f"Idempotency-Key「{key}」已用於另一筆不同的請求；新投訴請使用新的金鑰",
        )


class VersionConflict(Refusal):
    """The caller expected another version of the complaint (someone acted first)."""

    def __init__(self, expected: int | None, actual: int) -> None:
        super().__init__(
            "version_conflict",
            f"The complaint is at version {actual}, not {expected}; reload and retry",
            f"投訴已更新至版本 {actual}（非 {expected}），請重新載入後再試",
            expected_version=expected,
            actual_version=actual,
        )


class NothingToErase(Refusal):
    """The complaint was recorded before personal data was sealed: no key to destroy."""

    def __init__(self, complaint_id: UUID) -> None:
        self.complaint_id = complaint_id
        super().__init__(
            "not_sealed",
            "This complaint was recorded before personal data was sealed",
            "此投訴登記於個資加密之前，無法以刪除金鑰抹除",
        )
