"""The complainant's answer page (回訪): satisfied or not, and comments. Traditional Chinese by
default, English with ?lang=en. Plain HTML, usable on a phone, no script needed."""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from .callbacks import AlreadyAnswered, BadToken, answer

router = APIRouter(tags=["callback"], include_in_schema=True)

TEXT = {
    "zh-Hant": {
        "title": "投訴處理回訪", "question": "您對這次的處理結果滿意嗎？", "yes": "滿意",
        "no": "不滿意", "comments": "意見（選填）", "send": "送出", "switch": "English",
        "thanks": "謝謝您的回覆！", "invalid": "此連結無效。", "used": "此連結已使用或已過期。",
    },
    "en": {
        "title": "How did we do?", "question": "Are you satisfied with how your complaint was handled?",
        "yes": "Satisfied", "no": "Not satisfied", "comments": "Comments (optional)", "send": "Send",
        "switch": "中文", "thanks": "Thank you for your answer!", "invalid": "This link is not valid.",
        "used": "This link was already used or has expired.",
    },
}  # fmt: skip


def _page(lang: str, body: str, status: int = 200) -> HTMLResponse:
    t = TEXT[lang]
    html = f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{t["title"]}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;
font-size:1.1rem}}label{{display:block;margin:.8rem 0}}textarea{{width:100%;min-height:6rem}}
button{{font-size:1.1rem;padding:.6rem 1.4rem}}</style></head><body><main>
<h1>{t["title"]}</h1>{body}</main></body></html>"""
    return HTMLResponse(html, status_code=status)


def _lang(value: str | None) -> str:
    return "en" if value == "en" else "zh-Hant"


@router.get("/callback/{token}", response_class=HTMLResponse, summary="Callback page / 回訪頁面")
async def callback_form(token: str, request: Request, lang: str | None = None) -> HTMLResponse:
    t, code = TEXT[_lang(lang)], _lang(lang)
    other = "en" if code == "zh-Hant" else "zh-Hant"
    form = f"""<form method="post"><fieldset><legend>{t["question"]}</legend>
<label><input type="radio" name="satisfied" value="yes" required> {t["yes"]}</label>
<label><input type="radio" name="satisfied" value="no"> {t["no"]}</label></fieldset>
<label for="comments">{t["comments"]}</label>
<textarea id="comments" name="comments" maxlength="2000"></textarea>
<input type="hidden" name="lang" value="{code}">
<p><button type="submit">{t["send"]}</button></p></form>
<p><a href="?lang={other}">{t["switch"]}</a></p>"""
    return _page(code, form)


@router.post("/callback/{token}", response_class=HTMLResponse)
async def callback_answer(
    token: str,
    request: Request,
    satisfied: Annotated[str, Form(pattern="^(yes|no)$")],
    comments: Annotated[str, Form(max_length=2000)] = "",
    lang: Annotated[str, Form(max_length=10)] = "zh-Hant",
) -> HTMLResponse:
    code = _lang(lang)
    t = TEXT[code]
    runtime = request.app.state.runtime
    try:
        await answer(
            runtime.uow, runtime.settings, token,
            satisfied=satisfied == "yes", comments=comments.strip() or None,
        )  # fmt: skip
    except BadToken:
        return _page(code, f"<p>{t['invalid']}</p>", 404)
    except AlreadyAnswered:
        return _page(code, f"<p>{escape(t['used'])}</p>", 410)
    return _page(code, f"<p>{t['thanks']}</p>")
