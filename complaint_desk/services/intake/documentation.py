"""What each lifecycle command of intake's HTTP API is called and does, as its OpenAPI
document says: a summary in both languages, and a description naming what it records, when it
is allowed, and what follows (clocks, notices)."""

SUMMARIES = {
    "acknowledge": "First contact with the complainant / 聯繫投訴人",
    "escalate-safety": "Escalate a safety problem at once / 安全問題立即上報",
    "owner": "Reassign the complaint to another officer / 轉交負責人",
    "evidence": "Record evidence / 記錄調查證據",
    "notes": "Add an internal note, for staff only / 內部備註",
    "classify": "Classify responsibility, severity, category / 分類",
    "severity": "Change the severity / 調整等級",
    "resolution": "Propose a resolution / 提出解決方案",
    "resolution/approve": "A supervisor approves the new plan after a dispute / 主管核准新方案",
    "resolution/accept": "The complainant accepts the resolution / 投訴人同意方案",
    "resolution/dispute": "The complainant disputes it: escalate to the supervisor / 異議上報主管",
    "report": "File the handling report / 投訴處理報告",
    "tasks": "Assign a task / 分派任務",
    "tasks/progress": "Record task progress / 任務進度",
    "tasks/complete": "Complete a task / 任務完成",
    "tasks/cancel": "Cancel a task / 取消任務",
    "wait": "Wait for the complainant, a third party or parts / 等待",
    "resume": "Resume after waiting / 恢復處理",
    "callbacks": "Record the callback / 回訪結果",
    "review/conclude": "Conclude the supervisor's review / 復核結論",
    "resolve": "Resolve / 已解決",
    "close": "Close and archive / 歸檔",
    "reopen": "Reopen: a new cycle / 重新開啟",
    "message": "Record a message from the complainant / 記錄投訴人補充說明",
}

DESCRIPTIONS = {
    "acknowledge": "First contact with the complainant (ComplaintAcknowledged, with how they "
    "were reached as `channel`): stops the SLA response clock. Allowed once, after receipt.",
    "escalate-safety": "Reports a safety problem or major fault upward at once "
    "(SafetyEscalated): the supervisor is told immediately and the clocks run at L1.",
    "owner": "Hands the complaint to another duty officer (OwnerAssigned), with the reason; "
    "never to the staff member an attitude complaint is about.",
    "evidence": "Records what the investigation found (EvidenceRecorded): a records check, a "
    "site visit, a witness or a statement, with photos or documents by their file ids.",
    "notes": "An internal note for staff (InternalNoteAdded); never shown to the complainant.",
    "classify": "Names who is responsible (logistics, a third party, or outside the remit), "
    "the level (L1 urgent, L2 important, L3 general) and the category (ComplaintClassified): "
    "the clocks take the level's time limits.",
    "severity": "Changes the level with a reason (SeverityChanged): the clocks are re-timed "
    "from the receipt under the new level's limits.",
    "resolution": "Proposes a solution to the complainant (ResolutionProposed): what, by when "
    "(deadline), and the allowances, apology or retraining of its kind. After a dispute an "
    "officer's new plan waits for a supervisor's approval.",
    "resolution/approve": "A supervisor approves the officer's new plan after a dispute "
    "(ResolutionApproved): it may be put to the complainant again.",
    "resolution/accept": "The complainant agrees to the plan (ResolutionAccepted): they are "
    "told the plan and its date.",
    "resolution/dispute": "The complainant does not agree (ResolutionDisputed): the supervisor "
    "is told to coordinate a new plan.",
    "report": "Files the handling report signed by both sides (HandlingReportFiled): its PDF "
    "is made and kept as a file, its hash in the event; a new report is a new version.",
    "tasks": "Assigns a task to maintenance, procurement or a named party with a due time "
    "(TaskAssigned; WorkOrderRequested or PurchaseRequested on the other system's topic). The "
    "answer's `created_id` is the task's id.",
    "tasks/progress": "Records progress on an open task (TaskProgressed), with photos by "
    "their file ids.",
    "tasks/complete": "Completes an open task (TaskCompleted): the complainant is told the "
    "work is done.",
    "tasks/cancel": "Cancels an open task with a reason (TaskCancelled).",
    "wait": "Waits for the complainant, a third party or parts (WaitingStarted): the "
    "resolution clock pauses until resumed.",
    "resume": "Resumes after waiting (WaitingEnded): the resolution clock runs again.",
    "callbacks": "Records the callback (CallbackRecorded): satisfied or not, the rating 1 to "
    "5, the reasons and suggestions. Not satisfied opens the supervisor's review.",
    "review/conclude": "The supervisor concludes the review (ReviewConcluded): upheld, or "
    "further action with new tasks.",
    "resolve": "Resolves the complaint with the handling summary the complainant is told "
    "(ComplaintResolved); the callback follows.",
    "close": "Closes and archives the complaint (ComplaintClosed): its record is sealed.",
    "reopen": "Reopens a closed complaint within the reopen window (ComplaintReopened): a new "
    "cycle with new clocks.",
    "message": "Records a message from the complainant (ComplainantMessageAdded): the owner is "
    "told.",
}
