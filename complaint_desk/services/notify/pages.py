"""The complainant's answer page (回訪): satisfied or not, a rating from 1 to 5, what was not
right (the reasons offered for the complaint's category) and suggestions. Traditional Chinese
by default, English with ?lang=en. Plain HTML, usable on a phone, no script needed.

Opening the page records nothing (mail scanners open links): only the button does. A link
that is invalid, used, expired or withdrawn says so as soon as it is opened."""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse

from complaint_desk.contract.events.complaints import (
    REASON_LABELS,
    REASONS_BY_CATEGORY,
    Category,
    SatisfactionReason,
)
from complaint_desk.shared.runtime.deps import UnitOfWorkDep

from .service import (
    AlreadyAnswered,
    BadToken,
    LinkExpired,
    LinkWithdrawn,
    answer,
    open_link,
)
from .settings import SettingsDep

router = APIRouter(tags=["callback"], include_in_schema=True)

TEXT = {
    "zh-Hant": {
        "title": "投訴處理回訪", "question": "您對這次的處理結果滿意嗎？", "yes": "滿意",
        "no": "不滿意", "rating": "整體評分（1 非常不滿意，5 非常滿意）",
        "reasons": "哪些地方不夠好？（可複選）", "comments": "意見（選填）",
        "suggestions": "改進建議（選填）", "send": "送出", "switch": "English",
        "thanks": "謝謝您的回覆！您的意見將用於改進我們的服務。", "invalid": "此連結無效。",
        "used": "您已回覆過此次回訪，謝謝！", "expired": "此連結已過期。如仍有問題，請與值班人員聯繫。",
        "recorded": "值班人員已記錄您的回訪意見，謝謝您！", "closed": "此投訴已處理完畢並歸檔，謝謝您的反映！",
    },
    "en": {
        "title": "How did we do?", "question": "Are you satisfied with how your complaint was handled?",
        "yes": "Satisfied", "no": "Not satisfied",
        "rating": "Overall rating (1 very dissatisfied, 5 very satisfied)",
        "reasons": "What was not right? (tick any)", "comments": "Comments (optional)",
        "suggestions": "How could we do better? (optional)", "send": "Send", "switch": "中文",
        "thanks": "Thank you for your answer! It helps us improve.",
        "invalid": "This link is not valid.", "used": "You have already answered, thank you!",
        "expired": "This link has expired. If something is still wrong, please contact the duty desk.",
        "recorded": "The duty desk has recorded your answer, thank you!",
        "closed": "This complaint was handled and archived. Thank you for telling us!",
    },
}  # fmt: skip


def _page(lang: str, body: str, status: int = 200) -> HTMLResponse:
    t = TEXT[lang]
    html = f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{t["title"]}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;
font-size:1.1rem}}label{{display:block;margin:.8rem 0}}textarea{{width:100%;min-height:6rem}}
fieldset{{margin:1rem 0}}button{{font-size:1.1rem;padding:.6rem 1.4rem}}</style></head><body>
<main><h1>{t["title"]}</h1>{body}</main></body></html>"""
    return HTMLResponse(html, status_code=status)


def _lang(value: str | None) -> str:
    return "en" if value == "en" else "zh-Hant"


def _closed_link(code: str, exc: Exception) -> HTMLResponse:
    t = TEXT[code]
    if isinstance(exc, BadToken):
        return _page(code, f"<p>{t['invalid']}</p>", 404)
    if isinstance(exc, LinkWithdrawn):
        key = exc.why if exc.why in ("recorded", "closed") else "closed"
        return _page(code, f"<p>{t[key]}</p>", 410)
    return _page(code, f"<p>{t['expired' if isinstance(exc, LinkExpired) else 'used']}</p>", 410)


def _reasons(category: str | None) -> tuple[SatisfactionReason, ...]:
    try:
        return REASONS_BY_CATEGORY[Category(category or "other")]
    except ValueError:
        return REASONS_BY_CATEGORY[Category.OTHER]


@router.get("/callback/{token}", response_class=HTMLResponse, summary="Callback page / 回訪頁面")
async def callback_form(
    token: str, settings: SettingsDep, uow: UnitOfWorkDep, lang: str | None = None
) -> HTMLResponse:
    """The complainant's callback page from the link in their message (no account): were
    they satisfied, a rating, what was not right, suggestions. An expired, used or forged
    link is a page that says so."""
    code = _lang(lang)
    t, lang_index = TEXT[code], 0 if code == "zh-Hant" else 1
    try:
        async with uow() as conn:
            link = await open_link(conn, settings, token)
    except (BadToken, AlreadyAnswered, LinkExpired, LinkWithdrawn) as exc:
        return _closed_link(code, exc)
    other = "en" if code == "zh-Hant" else "zh-Hant"
    ratings = "".join(
        f'<label><input type="radio" name="rating" value="{n}"> {n}</label>' for n in range(1, 6)
    )
    reasons = "".join(
        f'<label><input type="checkbox" name="reasons" value="{r.value}"> '
        f"{escape(REASON_LABELS[r][lang_index])}</label>"
        for r in _reasons(link.category)
    )
    form = f"""<form method="post"><fieldset><legend>{t["question"]}</legend>
<label><input type="radio" name="satisfied" value="yes" required> {t["yes"]}</label>
<label><input type="radio" name="satisfied" value="no"> {t["no"]}</label></fieldset>
<fieldset><legend>{t["rating"]}</legend>{ratings}</fieldset>
<fieldset><legend>{t["reasons"]}</legend>{reasons}</fieldset>
<label for="comments">{t["comments"]}</label>
<textarea id="comments" name="comments" maxlength="2000"></textarea>
<label for="suggestions">{t["suggestions"]}</label>
<textarea id="suggestions" name="suggestions" maxlength="2000"></textarea>
<input type="hidden" name="lang" value="{code}">
<p><button type="submit">{t["send"]}</button></p></form>
<p><a href="?lang={other}">{t["switch"]}</a></p>"""
    return _page(code, form)


@router.post(
    "/callback/{token}",
    response_class=HTMLResponse,
    summary="Callback answer / 回訪回覆",
    description="The complainant's answer from the callback page, recorded once "
    "(CallbackAnswered; intake records it on the complaint as CallbackRecorded).",
)
async def callback_answer(
    token: str,
    settings: SettingsDep,
    uow: UnitOfWorkDep,
    satisfied: Annotated[str, Form(pattern="^(yes|no)$")],
    comments: Annotated[str, Form(max_length=2000)] = "",
    suggestions: Annotated[str, Form(max_length=2000)] = "",
    rating: Annotated[int | None, Form(ge=1, le=5, description="滿意度 1–5 / 1 to 5")] = None,
    reasons: Annotated[list[SatisfactionReason] | None, Form(max_length=10)] = None,
    lang: Annotated[str, Form(max_length=10)] = "zh-Hant",
) -> HTMLResponse:
    code = _lang(lang)
    try:
        await answer(
            uow, settings, token,
            satisfied=satisfied == "yes", comments=comments.strip() or None,
            rating=rating, reasons=sorted(set(reasons or [])),
            suggestions=suggestions.strip() or None,
        )  # fmt: skip
    except (BadToken, AlreadyAnswered, LinkExpired, LinkWithdrawn) as exc:
        return _closed_link(code, exc)
    return _page(code, f"<p>{TEXT[code]['thanks']}</p>")
