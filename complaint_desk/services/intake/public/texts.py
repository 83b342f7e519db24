"""The complainant's pages' words: Traditional Chinese, English on the switch."""

from typing import Literal

Lang = Literal["zh-Hant", "en"]

TEXTS: dict[str, tuple[str, str]] = {
    "switch": ("English", "中文"),
    "form.title": ("反映問題", "Report a problem"),
    "form.intro": (
        "請填寫以下資料，值班人員收到後會與您聯繫。標示 * 者為必填。",
        "Tell us what is wrong: a duty officer will contact you. Fields marked * are required.",
    ),
    "form.name": ("姓名 *", "Name *"),
    "form.department": ("部門 *", "Department *"),
    "form.phone": ("電話", "Phone"),
    "form.email": ("電子郵件", "Email"),
    "form.contact_hint": (
        "電話或電子郵件至少填一項，以便通知您處理進度。",
        "Give a phone number or an email (or both) so we can tell you how it goes.",
    ),
    "form.location": ("地點 *", "Place *"),
    "form.asset": ("設備", "Equipment"),
    "form.category": ("問題類別 *", "What kind of problem *"),
    "form.description": ("問題描述 *", "What is wrong *"),
    "form.urgency": ("緊急程度", "How urgent"),
    "form.photos": ("照片（可多張）", "Photos (several allowed)"),
    "form.photos_hint": (
        "可直接拍照。照片的位置等資訊會先移除再保存。",
        "You may take them now. Location data is removed before they are kept.",
    ),
    "form.send": ("送出", "Send"),
    "form.website": ("請勿填寫此欄", "Leave this empty"),
    "dup.title": ("已有相同問題處理中", "This problem is already reported"),
    "dup.intro": (
        "此地點已有 {n} 件相同類別的問題正在處理。如果是同一個問題，您可以加入該案，之後的進度會一併通知您。",
        "{n} report(s) of this kind at this place are being handled. If it is the same problem, "
        "join it: you will be told of its progress.",
    ),
    "dup.join": ("是同一個問題，加入 {number}（{when} 受理）", "The same problem: join {number} (received {when})"),
    "dup.separate": ("不是同一個問題，另外登記", "A different problem: report it separately"),
    "done.title": ("已收到您的反映", "We have your report"),
    "done.number": ("您的投訴編號：{number}", "Your complaint number: {number}"),
    "done.joined": ("已加入 {number} 一併處理。", "It joins {number}, handled together."),
    "done.link": ("查詢處理進度（請保存此連結）", "Follow its progress (keep this link)"),
    "done.told": (
        "我們也會以電話簡訊或電子郵件通知您此連結與處理進度。",
        "We will also send you this link, and news of its progress, by text or email.",
    ),
    "status.title": ("投訴處理進度", "Your complaint"),
    "status.number": ("投訴編號", "Number"),
    "status.stage": ("目前進度", "Where it stands"),
    "status.place": ("地點", "Place"),
    "status.category": ("類別", "Kind"),
    "status.received": ("受理時間", "Received"),
    "status.plan": ("處理方案", "The plan"),
    "status.plan_due": ("預計完成", "Expected by"),
    "status.summary": ("處理情況", "What was done"),
    "status.improvement": ("改進措施", "What will improve"),
    "status.history": ("處理經過", "What happened"),
    "status.photos": ("附 {n} 張照片", "{n} photo(s)"),
    "status.merged": (
        "您反映的問題與投訴 {number} 相同，已併入該案一併處理，以下為該案進度。",
        "The problem you reported is the same as complaint {number}: it is handled there. "
        "Its progress follows.",
    ),
    "status.add": ("補充說明或照片", "Add information or photos"),
    "status.add_text": ("補充內容 *", "What to add *"),
    "status.add_send": ("送出補充說明", "Send"),
    "status.added": ("已收到您的補充說明，值班人員會看到。", "Thank you: the duty officer will see it."),
    "status.late": ("處理已逾期（{what}）", "This is overdue ({what})"),
    "status.escalate": ("要求主管處理", "Ask for the supervisor"),
    "status.escalate_reason": ("說明（選填）", "Why (optional)"),
    "status.escalated": ("已通知主管，主管會與您聯繫。", "The supervisor has been told and will contact you."),
    "status.asked": ("您已要求主管處理，主管會與您聯繫。", "You asked for the supervisor, who will contact you."),
    "late.response": ("首次聯繫時效", "first contact"),
    "late.resolution": ("解決時效", "resolution"),
    "late.review": ("復核時效", "review"),
    "late.plan": ("方案預計完成時間", "the plan's date"),
    "refused.title": ("無法處理您的要求", "We could not do that"),
    "refused.back": ("返回", "Back"),
    "err.no_site": ("此院區尚未開放線上反映。請洽值班台。", "This site takes no reports online. Please call the duty desk."),
    "err.token": (
        "此連結不完整。請掃描現場張貼的 QR 碼，或洽值班台。",
        "This link is incomplete. Scan the QR code posted on site, or call the duty desk.",
    ),
    "err.bad_link": ("此連結無效。", "This link is not valid."),
    "err.expired": (
        "此投訴已歸檔超過保存期限，連結已失效。如仍有問題，請洽值班台。",
        "This complaint was archived a while ago and its link has expired. Call the duty desk if "
        "something is still wrong.",
    ),
    "err.rate_address": (
        "您在短時間內送出太多次，請於 {minutes} 分鐘後再試，或直接洽值班台。",
        "Too many reports from you in a short time: try again in {minutes} min, or call the duty desk.",
    ),
    "err.rate_site": (
        "此院區目前收到大量反映，請於 {minutes} 分鐘後再試，或直接洽值班台。",
        "This site is receiving very many reports: try again in {minutes} min, or call the duty desk.",
    ),
    "err.honeypot": ("表單填寫異常，請重新整理頁面後再試。", "Something was wrong with the form: reload it and try again."),
    "err.contact": ("請填寫電話或電子郵件其中一項。", "Give a phone number or an email."),
    "err.fields": ("請修正以下欄位：", "Please correct:"),
    "err.too_many_files": ("照片最多 {n} 張。", "At most {n} photos."),
    "err.file_large": ("檔案「{name}」太大（上限 {mb} MB）。", "The file “{name}” is too large (at most {mb} MB)."),
    "err.file_type": ("檔案「{name}」不是照片或 PDF。", "The file “{name}” is not a photo or a PDF."),
    "err.too_large": ("送出的內容太大。", "What you sent is too large."),
    "err.not_now": ("此投訴目前無法補充說明。", "This complaint takes no messages now."),
    "err.not_late": ("此投訴尚未逾期，值班人員正在處理中。", "This complaint is not overdue: it is being handled."),
    "err.reload_photos": ("請重新選擇照片。", "Please choose your photos again."),
}  # fmt: skip

FIELD_NAMES: dict[str, tuple[str, str]] = {
    "complainant_name": ("姓名", "Name"),
    "department": ("部門", "Department"),
    "phone": ("電話", "Phone"),
    "email": ("電子郵件", "Email"),
    "location": ("地點", "Place"),
    "category": ("問題類別", "Kind of problem"),
    "description": ("問題描述", "What is wrong"),
    "urgency": ("緊急程度", "How urgent"),
    "asset": ("設備", "Equipment"),
    "text": ("補充內容", "What to add"),
}

CATEGORY_CHOICES = ("repair_delay", "shortage", "hygiene", "safety", "service_attitude", "other")
URGENCY_WORDS: dict[str, tuple[str, str]] = {
    "normal": ("一般", "Normal"),
    "high": ("緊急", "Urgent"),
    "low": ("不急", "Not urgent"),
    "critical": ("非常緊急（有危險）", "Very urgent (dangerous)"),
}


class Texts:
    def __init__(self, lang: Lang) -> None:
        self.lang, self.index = lang, 0 if lang == "zh-Hant" else 1

    def __call__(self, key: str, **values: object) -> str:
        return TEXTS[key][self.index].format(**values)

    def pick(self, words: tuple[str, str]) -> str:
        return words[self.index]
