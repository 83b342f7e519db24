"""Why intake refuses a command, as one family of errors: each names its kind (not found,
conflict, forbidden), a stable code, and its message in both languages. The domain and the use
cases raise them; the HTTP API and the integration answer from them, in one place each.

Over 300 lines: one family, a class per reason, read together with its phrases."""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import UUID

from complaint_desk.contract.events.lifecycle import STATUS_ZH, Status
from complaint_desk.contract.events.problems import PROBLEM_STAGE_WORDS, ProblemStage


class RefusalKind(StrEnum):
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    FORBIDDEN = "forbidden"
    INVALID = "invalid"  # the command's own fields, judged against the complaint or the time
    TOO_LARGE = "too_large"  # a file, or a complaint's files in all, past their limit
    UNSUPPORTED = "unsupported"  # a file whose content is not an allowed type
    UNAVAILABLE = "unavailable"  # something the service needs is missing (a font)


class Refusal(Exception):
    """A command intake will not carry out, and why."""

    kind: RefusalKind = RefusalKind.CONFLICT

    def __init__(self, code: str, message: str, message_zh: str, **details: Any) -> None:
        self.code, self.message, self.message_zh, self.details = code, message, message_zh, details
        super().__init__(message)


# How a refusal names each command in English ("Cannot record a callback on a complaint that …").
PHRASES = {
    "acknowledge": "acknowledge",
    "escalate-safety": "escalate-safety",
    "owner": "reassign",
    "evidence": "record evidence for",
    "notes": "add a note to",
    "classify": "classify",
    "refer": "refer",
    "severity": "change the severity of",
    "resolution": "propose a resolution for",
    "resolution/approve": "approve the resolution of",
    "resolution/accept": "accept the resolution of",
    "resolution/dispute": "dispute the resolution of",
    "report": "file the handling report of",
    "tasks": "assign a task on",
    "tasks/progress": "record progress on",
    "tasks/complete": "complete a task of",
    "tasks/cancel": "cancel a task of",
    "wait": "wait on",
    "resume": "resume",
    "resolve": "resolve",
    "callbacks": "record a callback on",
    "review/conclude": "conclude the review of",
    "close": "close",
    "reopen": "reopen",
    "erase-personal-data": "erase the personal data of",
    "merge": "merge",
    "merge/undo": "undo the merge of",
    "message": "add a message to",
    "escalation-request": "ask for the supervisor on",
    "asset": "link the place and equipment of",
}

# What each command is called in Chinese, for its refusal.
COMMAND_ZH = {
    "acknowledge": "聯繫投訴人",
    "escalate-safety": "安全上報",
    "owner": "轉交負責人",
    "evidence": "記錄證據",
    "notes": "加註內部備註",
    "classify": "調查分類",
    "refer": "轉介",
    "severity": "調整等級",
    "resolution": "提出方案",
    "resolution/approve": "核准方案",
    "resolution/accept": "同意方案",
    "resolution/dispute": "對方案提出異議",
    "report": "提交處理報告",
    "tasks": "分派任務",
    "tasks/progress": "記錄任務進度",
    "tasks/complete": "完成任務",
    "tasks/cancel": "取消任務",
    "wait": "開始等待",
    "resume": "恢復處理",
    "resolve": "標記已解決",
    "callbacks": "記錄回訪",
    "review/conclude": "做出復核結論",
    "close": "歸檔",
    "reopen": "重新開啟",
    "erase-personal-data": "清除個人資料",
    "merge": "併案",
    "merge/undo": "取消併案",
    "message": "補充說明",
    "escalation-request": "要求主管處理",
    "asset": "連結地點與設備",
}


class IllegalTransition(Refusal):
    """The command does not apply to the complaint as it stands."""

    def __init__(self, command: str, status: Status, why: str = "", why_zh: str = "") -> None:
        self.command, self.status = command, status
        super().__init__(
            "illegal_transition",
            f"Cannot {PHRASES[command]} a complaint that is {status.value}"
            + (f": {why}" if why else ""),
            f"投訴目前狀態為「{STATUS_ZH[status]}」，不能{COMMAND_ZH[command]}"
            + (f"：{why_zh}" if why_zh else ""),
            current_status=status.value,
            command=command,
        )


class DueInThePast(Refusal):
    """A task's due time that has already passed."""

    kind = RefusalKind.INVALID

    def __init__(self, due_at: str) -> None:
        super().__init__(
            "due_in_the_past",
            f"due_at {due_at} has already passed: give a time still to come",
            "完成期限已經過去，請填寫未來的時間",
            field="due_at",
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


class FileNotAttachable(Refusal):
    """A file named in a command that is not one of the complaint's (or was erased)."""

    kind = RefusalKind.INVALID

    def __init__(self, file_id: UUID) -> None:
        super().__init__(
            "file_not_attachable",
            f"file {file_id} was not uploaded to this complaint, or was erased",
            "附件不屬於此投訴，或已抹除",
            field="files",
        )


class FileTooLarge(Refusal):
    kind = RefusalKind.TOO_LARGE

    def __init__(self, name: str, limit: int, *, in_all: bool = False) -> None:
        mb = f"{limit / 1024 / 1024:g} MB"
        named, named_zh = (f"{name}: ", f"{name}：") if name else ("", "")
        super().__init__(
            "file_too_large",
            named
            + (
                f"the complaint's files may take {mb} in all"
                if in_all
                else f"a file may be at most {mb}"
            ),
            named_zh + (f"此投訴的附件合計最多 {mb}" if in_all else f"單一檔案最多 {mb}"),
            field="file",
        )


class FileUnsupported(Refusal):
    kind = RefusalKind.UNSUPPORTED

    def __init__(self, name: str, detected: str | None) -> None:
        heic = detected == "image/heic"
        super().__init__(
            "unsupported_file",
            f"{name}: "
            + (
                "HEIC photos are not accepted here: send it as JPEG"
                if heic
                else "only photos (JPEG, PNG, WebP, HEIC) and PDF documents are accepted, "
                "judged by the content, not the name"
            ),
            f"{name}："
            + (
                "此處不接受 HEIC 相片，請改傳 JPEG"
                if heic
                else "僅接受相片（JPEG、PNG、WebP、HEIC）與 PDF 文件，以檔案內容判定，而非檔名"
            ),
            field="file",
            detected=detected,
        )


class SignatureNotAnImage(Refusal):
    kind = RefusalKind.INVALID

    def __init__(self, field: str) -> None:
        super().__init__(
            "signature_not_an_image",
            f"{field}: a signature is a drawn or scanned image (PNG or JPEG)",
            "簽名須為手寫或掃描的圖片（PNG 或 JPEG）",
            field=field,
        )


class DocumentsUnavailable(Refusal):
    kind = RefusalKind.UNAVAILABLE

    def __init__(self) -> None:
        super().__init__(
            "documents_unavailable",
            "The report's PDF cannot be made: no CJK font is installed on the server",
            "無法產生報告 PDF：伺服器未安裝中文字型",
        )


class MergeRefused(Refusal):
    """Two complaints that cannot be merged: the reason names which rule."""

    kind = RefusalKind.CONFLICT

    def __init__(self, reason: str, message: str, message_zh: str) -> None:
        super().__init__("merge_refused", message, message_zh, reason=reason)


class NothingOverdue(Refusal):
    """The complainant asked for the supervisor before any deadline passed."""

    kind = RefusalKind.CONFLICT

    def __init__(self) -> None:
        super().__init__(
            "nothing_overdue",
            "No deadline of this complaint has passed yet: it is handled within its time limits",
            "此投訴的處理時限尚未逾期，值班人員正在處理中",
        )


class RegistryRowInvalid(Refusal):
    """A place or piece of equipment that cannot be kept as given (each reason named)."""

    kind = RefusalKind.INVALID

    def __init__(self, problems: list[tuple[str, str, str]]) -> None:
        first = problems[0]
        super().__init__(
            "registry_row_invalid", "; ".join(f"{f}: {r}" for f, _, r in problems),
            "；".join(zh for _, zh, _ in problems), field=first[0],
        )  # fmt: skip


class ImportHasBadRows(Refusal):
    """A CSV with bad rows is imported not at all: fix them, or dry-run to see them."""

    kind = RefusalKind.INVALID

    def __init__(self, bad: int, rows: list[dict[str, object]]) -> None:
        super().__init__(
            "import_has_bad_rows", f"{bad} bad row(s): nothing was imported",
            f"有 {bad} 列資料有誤，未匯入任何資料", rows=rows,
        )  # fmt: skip


class NotInRegistry(Refusal):
    kind = RefusalKind.NOT_FOUND

    def __init__(self, what: str, code: str) -> None:
        zh = "地點" if what == "place" else "設備"
        super().__init__(
            "not_in_registry", f"no {what} {code} in this site's registry",
            f"此院區沒有{zh} {code}", field=what,
        )  # fmt: skip


_PROBLEM_COMMANDS = {
    "cause": ("record the root cause of", "記錄根本原因"),
    "plan": ("plan an improvement for", "規劃改善措施"),
    "complete": ("complete an improvement of", "完成改善措施"),
    "confirm": ("confirm", "確認"),
    "reopen": ("reopen", "重新開啟"),
    "link": ("link complaints to", "連結投訴至"),
}


class ProblemRefused(Refusal):
    """A problem record's command its stage does not allow, or that lacks what it needs."""

    kind = RefusalKind.CONFLICT

    @classmethod
    def at_stage(cls, command: str, stage: str) -> ProblemRefused:
        en, zh = _PROBLEM_COMMANDS[command]
        zh_stage, en_stage = PROBLEM_STAGE_WORDS[ProblemStage(stage)]
        return cls(
            "problem_stage", f"Cannot {en} a problem that is {en_stage.lower()}",
            f"問題紀錄目前為「{zh_stage}」，無法{zh}此問題", stage=stage,
        )  # fmt: skip

    @classmethod
    def needs(cls, field: str, message: str, message_zh: str) -> ProblemRefused:
        refusal = cls("problem_incomplete", message, message_zh, field=field)
        refusal.kind = RefusalKind.INVALID
        return refusal

    @classmethod
    def no_action(cls, action_id: object) -> ProblemRefused:
        refusal = cls("action_not_found", f"no action {action_id}", "查無此改善措施")
        refusal.kind = RefusalKind.NOT_FOUND
        return refusal


class ProblemNotFound(Refusal):
    kind = RefusalKind.NOT_FOUND

    def __init__(self, what: str, ident: object) -> None:
        zh = "問題紀錄" if what == "problem" else "巡檢排程"
        super().__init__(f"{what}_not_found", f"no {what} {ident}", f"查無此{zh}")
