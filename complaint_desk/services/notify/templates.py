"""Message templates in Traditional Chinese and English. Staff get both languages; a
complainant gets their locale first."""

from typing import Any

from .domain import Kind

TEMPLATES: dict[Kind, dict[str, tuple[str, str]]] = {
    # kind: {locale: (subject, body)}
    Kind.SAFETY: {
        "zh-Hant": ("【安全上報】{number}｜{site} {location}", "投訴 {number} 涉及安全問題，已立即上報。\n院區：{site}\n地點：{location}\n內容：{description}\n原因：{reason}\n臨時措施：{measures_zh}\n值班員說明：{note}\n查看投訴：{link}"),
        "en": ("[Safety escalation] {number} | {site} {location}", "Complaint {number} is a safety problem, escalated at once.\nSite: {site}\nLocation: {location}\nWhat: {description}\nReason: {reason}\nTemporary measures: {measures_en}\nOfficer's note: {note}\nOpen the complaint: {link}"),
    },
    Kind.SLA_WARNING: {
        "zh-Hant": ("【時效提醒】{number} {clock_zh}時效已用 {percent}%", "投訴 {number}（{site}，{location}）的{clock_zh}時效（{level_zh}）已用去 {percent}%，將於 {deadline_local} 到期，尚餘 {remaining_zh}。\n內容：{description}\n查看投訴：{link}"),
        "en": ("[SLA warning] {number} {clock_en} at {percent}%", "Complaint {number} ({site}, {location}): {percent}% of its {clock_en} time ({level_en}) is used; due {deadline_local}, {remaining_en} left.\nWhat: {description}\nOpen the complaint: {link}"),
    },
    Kind.SLA_BREACH: {
        "zh-Hant": ("【時效逾期】{number} {clock_zh}時效", "投訴 {number}（{site}，{location}）的{clock_zh}時效（{level_zh}）已於 {due_local} 逾期（已逾 {late_zh}），請立即處理。\n內容：{description}\n查看投訴：{link}"),
        "en": ("[SLA breached] {number} {clock_en}", "Complaint {number} ({site}, {location}) breached its {clock_en} target ({level_en}) at {due_local}, {late_en} ago. Act now.\nWhat: {description}\nOpen the complaint: {link}"),
    },
    Kind.TASK: {
        "zh-Hant": ("【新任務】{number}｜{site} {location}", "您有一項新任務（投訴 {number}，{site}，{location}）：{description_task}。完成期限：{due_local}。\n查看投訴：{link}"),
        "en": ("[New task] {number} | {site} {location}", "A new task for you (complaint {number}, {site}, {location}): {description_task}. Due {due_local}.\nOpen the complaint: {link}"),
    },
    Kind.DISPUTE: {
        "zh-Hant": ("【方案爭議・請協調】{number}", "投訴人不同意投訴 {number}（{site}，{location}）的處理方案，請主管協調並提出或核准新方案。\n投訴人意見：{reason}\n內容：{description}\n查看投訴：{link}"),
        "en": ("[Plan disputed: please coordinate] {number}", "The complainant disagrees with the plan for complaint {number} ({site}, {location}): please coordinate and propose or approve a new plan.\nTheir reason: {reason}\nWhat: {description}\nOpen the complaint: {link}"),
    },
    Kind.APPROVAL: {
        "zh-Hant": ("【新方案待核准】{number}", "投訴 {number}（{site}，{location}）的投訴人曾對方案提出異議，值班員已提出新方案，請主管核准後再交投訴人確認。\n新方案：{summary}\n查看投訴：{link}"),
        "en": ("[New plan to approve] {number}", "The complainant disputed the plan for complaint {number} ({site}, {location}); an officer proposed a new one: please approve it before it goes to the complainant.\nNew plan: {summary}\nOpen the complaint: {link}"),
    },
    Kind.STAFF_NAMED: {
        "zh-Hant": ("【服務態度投訴・涉及員工】{number}", "投訴 {number}（{site}，{location}）涉及員工 {about_staff}。依客觀公正原則，該員工不得負責、調查、解決或結案此投訴。\n內容：{description}\n查看投訴：{link}"),
        "en": ("[Attitude complaint naming staff] {number}", "Complaint {number} ({site}, {location}) is about staff member {about_staff}. For objectivity they may not own, investigate, resolve or close it.\nWhat: {description}\nOpen the complaint: {link}"),
    },
    Kind.REVIEW: {
        "zh-Hant": ("【主管復核】{number}", "投訴人回訪時仍不滿意投訴 {number}（{site}，{location}）的處理，已啟動復核程序，請主管復核。\n說明：{reason}\n內容：{description}\n查看投訴：{link}"),
        "en": ("[Supervisor's review] {number}", "The complainant is still not satisfied with the handling of complaint {number} ({site}, {location}): a review is open for you.\nWhy: {reason}\nWhat: {description}\nOpen the complaint: {link}"),
    },
    Kind.RECEIPT: {
        "zh-Hant": ("您的投訴已受理：{number}", "您好，我們已收到您的投訴，編號 {number}。接下來值班人員會與您聯繫、了解情況並安排處理，預計最遲於 {due_local} 前與您聯繫。查詢進度時請提供此編號，或開啟：{status_link}"),
        "en": ("Your complaint was received: {number}", "We have received your complaint, number {number}. A duty officer will contact you to understand it and arrange the handling, at the latest by {due_local}. Please quote this number when you ask about it, or follow its progress here: {status_link}"),
    },
    Kind.PLAN_AGREED: {
        "zh-Hant": ("投訴 {number} 處理方案已確認", "您好，投訴 {number} 的處理方案已確認：{plan_summary}。預計完成時間：{plan_deadline_local}。{arrival_zh}"),
        "en": ("The plan for complaint {number} is agreed", "The plan for your complaint {number} is agreed: {plan_summary}. Expected completion: {plan_deadline_local}. {arrival_en}"),
    },
    Kind.WORK_DONE: {
        "zh-Hant": ("投訴 {number} 處理工作已完成", "您好，投訴 {number} 的處理工作已完成。{note_zh}我們將再與您確認結果。"),
        "en": ("Work on complaint {number} is done", "The work on your complaint {number} is done. {note_en}We will check the outcome with you."),
    },
    Kind.REFERRED: {
        "zh-Hant": ("投訴 {number} 已轉介", "您好，您的投訴 {number} 不屬後勤管轄，已轉介至：{referred_to}。聯絡方式：{referral_contact}。原因：{reason}。"),
        "en": ("Complaint {number} was referred", "Your complaint {number} is outside logistics' remit and was referred to: {referred_to}. How to reach them: {referral_contact}. Why: {reason}."),
    },
    Kind.CALLBACK: {
        "zh-Hant": ("您的投訴 {number} 已處理", "您好，您反映的問題（{number}）已處理完成。\n處理情況：{handling_summary}\n改進措施：{improvement}\n感謝您的反映，讓我們的服務更好。請點選連結告訴我們您是否滿意，並留下意見：{link}"),
        "en": ("Your complaint {number} was handled", "Your complaint {number} has been handled.\nWhat was done: {handling_summary}\nWhat will improve: {improvement}\nThank you for telling us. Please tell us whether you are satisfied, and how we could do better: {link}"),
    },
    Kind.MERGED: {
        "zh-Hant": ("投訴 {number} 已併案處理", "您好，您反映的問題與投訴 {into_number} 相同，已併入該案一併處理，之後的進度與回訪都會通知您。查詢進度：{status_link}"),
        "en": ("Complaint {number} is handled with another", "The problem you reported is the same as complaint {into_number}: it is handled there, and you will be told of its progress and asked how it went. Follow it here: {status_link}"),
    },
    Kind.ESCALATION_REQUESTED: {
        "zh-Hant": ("【投訴人要求主管處理】{number}", "投訴 {number}（{site}，{location}）已逾期（{overdue_zh}），投訴人要求主管處理。\n投訴人說明：{reason}\n內容：{description}\n查看投訴：{link}"),
        "en": ("[The complainant asks for you] {number}", "Complaint {number} ({site}, {location}) is overdue ({overdue_en}) and the complainant asked for the supervisor.\nTheir words: {reason}\nWhat: {description}\nOpen the complaint: {link}"),
    },
    Kind.COMPLAINANT_MESSAGE: {
        "zh-Hant": ("【投訴人補充說明】{number}", "投訴人對投訴 {number}（{site}，{location}）補充了說明：\n{text}\n查看投訴：{link}"),
        "en": ("[Message from the complainant] {number}", "The complainant added to complaint {number} ({site}, {location}):\n{text}\nOpen the complaint: {link}"),
    },
    Kind.CALLBACK_REMINDER: {
        "zh-Hant": ("提醒：投訴 {number} 回訪", "提醒您，請告訴我們投訴 {number} 的處理是否令您滿意：{link}"),
        "en": ("Reminder: complaint {number}", "A reminder: please tell us whether the handling of {number} satisfied you: {link}"),
    },
    Kind.CALLBACK_PHONE: {
        "zh-Hant": ("【電話回訪】{number}", "投訴人未回覆投訴 {number}（{site}）的回訪連結，請以電話回訪並記錄結果。"),
        "en": ("[Call back by phone] {number}", "The complainant did not answer the callback link for {number} at {site}: please call them and record the outcome."),
    },
    Kind.TEST: {
        "zh-Hant": ("【測試訊息】{site} {role}", "這是值班台的測試訊息：{site} 院區「{role}」的通知會送到這裡。由 {by} 發出。"),
        "en": ("[Test message] {site} {role}", "A test message from the duty desk: notices for “{role}” at {site} come here. Sent by {by}."),
    },
    Kind.INSPECTION_MISSED: {
        "zh-Hant": ("【巡檢逾期未做】{site} {location}", "{site} 院區「{location}」的定期巡檢應於 {due_local} 進行，未在寬限時間內回報完成，請追蹤維修班組。\n查看巡檢：{link}"),
        "en": ("[Inspection missed] {site} {location}", "The inspection of {location} at {site}, due {due_local}, was not reported done in its grace time: please follow it up with the maintenance team.\nOpen the inspections: {link}"),
    },
    Kind.PROBLEM_VERIFIED: {
        "zh-Hant": ("【問題紀錄待確認】{title}：{outcome_zh}", "問題紀錄「{title}」（{site}）已判定：{outcome_zh}。請確認結案，或重新開啟並檢討根本原因。\n查看問題紀錄：{link}"),
        "en": ("[Problem to confirm] {title}: {outcome_en}", "The problem record “{title}” ({site}) was verified: {outcome_en}. Please confirm and close it, or reopen it and look at the root cause again.\nOpen the problem: {link}"),
    },
    Kind.PERIODIC_REPORT: {
        "zh-Hant": ("【定期分析報告】{site_zh} {period}", "{site_zh} {period} 的定期分析報告已完成。\n受理 {received} 件，解決率 {resolution_pct}，滿意度 {satisfaction_pct}，曾逾期 {breached_ever} 件；新開問題紀錄 {problems_opened} 件，巡檢逾期 {inspections_missed} 次。\n下載 PDF 與 CSV：{link}"),
        "en": ("[Periodic report] {site_en} {period}", "The periodic report of {site_en} for {period} is ready.\nReceived {received}, resolution rate {resolution_pct}, satisfaction {satisfaction_pct}, {breached_ever} ever past a deadline; {problems_opened} problem records opened, {inspections_missed} inspections missed.\nDownload the PDF and CSV: {link}"),
    },
    Kind.EVENT: {
        "zh-Hant": ("【通知】{event_type}", "投訴 {number}（{site}）：{event_type}"),
        "en": ("[Notice] {event_type}", "Complaint {number} at {site}: {event_type}"),
    },
}  # fmt: skip

CLOCK_ZH = {"response": "響應", "resolution": "解決", "review": "復核"}


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "—"


def render(kind: Kind, values: dict[str, Any], locale: str = "zh-Hant") -> tuple[str, str]:
    """(subject, body): the locale's text, then the other language's below it."""
    clock = str(values.get("clock"))
    values = _Blank({"clock_zh": CLOCK_ZH.get(clock, ""), "clock_en": clock, **values})
    first = locale if locale in ("zh-Hant", "en") else "zh-Hant"
    second = "en" if first == "zh-Hant" else "zh-Hant"
    subject = TEMPLATES[kind][first][0].format_map(values)
    body = "\n\n".join(TEMPLATES[kind][loc][1].format_map(values) for loc in (first, second))
    return subject, body


def sms_text(kind: Kind, values: dict[str, Any], locale: str = "zh-Hant") -> str:
    """Short: one language only."""
    first = locale if locale in ("zh-Hant", "en") else "zh-Hant"
    return TEMPLATES[kind][first][1].format_map(_Blank(values))
