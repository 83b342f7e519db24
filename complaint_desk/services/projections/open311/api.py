"""Open311 GeoReport v2 over HTTP, under ``/open311/v2``: discovery, services and their
definitions, service requests (posted with an integration's ``api_key``, read by anyone
without their descriptions, with them by the key's holder), and tokens. JSON or XML by the
path's extension. Errors are Open311's list of ``{code, description}``, in both languages."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from complaint_desk.contract.events import utcnow
from complaint_desk.contract.words import CATEGORY_WORDS
from complaint_desk.shared.auth import Principal
from complaint_desk.shared.auth.http import principal_for

from .. import repository
from ..console.intake import IntakeUnavailable, send
from ..settings import ProjectionsSettings, settings_for
from . import domain
from .formats import answer, error

BASE = "/open311/v2"
router = APIRouter(tags=["open311"], include_in_schema=False)
FORMATS = ("json", "xml")
WINDOW = timedelta(days=90)  # the spec's default and longest span of a request search


class Refused(Exception):
    def __init__(self, status: int, description: str) -> None:
        self.status, self.description = status, description


def _format(response_format: str) -> str:
    if response_format not in FORMATS:
        raise Refused(
            400, f"格式須為 json 或 xml / the format is json or xml, not {response_format[:20]}"
        )
    return response_format


async def _params(request: Request) -> dict[str, str]:
    """The request's parameters: the query's, and a POST's form (the spec sends a form, the
    published swagger.json the query)."""
    params = {k: v for k, v in request.query_params.items()}
    if request.method == "POST":
        form = await request.form(max_files=0, max_fields=60)
        params |= {k: v for k, v in form.items() if isinstance(v, str)}
    return params


async def _caller(request: Request, params: dict[str, str], *, needed: bool) -> Principal | None:
    key = params.get("api_key", "")
    principal = await principal_for(request.app, key) if key else None
    if needed and principal is None:
        raise Refused(401, "api_key 無效或未提供 / a valid api_key is required")
    return principal


def _sites(
    settings: ProjectionsSettings, params: dict[str, str], who: Principal | None
) -> list[str]:
    """The jurisdictions asked about and open to the caller."""
    sites = list(settings.open311_sites)
    jurisdiction = params.get("jurisdiction_id", "").upper()
    if jurisdiction:
        if jurisdiction not in settings.open311_sites:
            raise Refused(404, f"查無此轄區 / no jurisdiction {jurisdiction[:20]}")
        sites = [jurisdiction]
    if who is not None:
        sites = [s for s in sites if who.sees(s)]
    return sites


def _guarded(handler: Any) -> Any:
    """The handler, answering a :class:`Refused` as Open311's error (its signature kept:
    FastAPI reads the path's parameters from it)."""

    @functools.wraps(handler)
    async def call(request: Request, response_format: str, **path: str) -> Response:
        fmt = response_format if response_format in FORMATS else "json"
        try:
            return await handler(request, response_format, **path)  # type: ignore[no-any-return]
        except Refused as refused:
            return error(fmt, refused.status, refused.description)

    return call


async def _discovery(request: Request, response_format: str) -> Response:
    fmt = _format(response_format)
    base = str(request.base_url).rstrip("/") + BASE
    return answer(fmt, "discovery", {
        "changeset": "2026-12-02T00:00:00Z",
        "contact": "後勤值班台 / the facilities duty desk",
        "key_service": "向值班台申請整合帳號 / ask the duty desk for an integration's key",
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2", "url": base,
            "changeset": "2026-12-02T00:00:00Z", "type": "production",
            "formats": ["application/json", "text/xml"],
        }],
    })  # fmt: skip


async def _services(request: Request, response_format: str) -> Response:
    fmt = _format(response_format)
    settings = settings_for(request)
    params = await _params(request)
    found = [
        domain.service(site, settings.open311_sites[site], category)
        for site in _sites(settings, params, None)
        for category in CATEGORY_WORDS
    ]
    return answer(fmt, "services", found)


async def _definition(request: Request, response_format: str, service_code: str) -> Response:
    fmt = _format(response_format)
    settings = settings_for(request)
    parsed = domain.parse_code(service_code)
    if parsed is None or parsed[0] not in settings.open311_sites:
        raise Refused(404, f"查無此服務 / no service {service_code[:40]}")
    return answer(fmt, "service_definition", domain.definition(*parsed))


def _list(value: str | None) -> list[str] | None:
    items = [v.strip() for v in (value or "").split(",") if v.strip()]
    return items or None


def _moment(params: dict[str, str], name: str) -> datetime | None:
    value = params.get(name)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Refused(400, f"{name} 須為 W3C 時間 / {name} is a W3C datetime") from None
    if moment.tzinfo is None:
        raise Refused(400, f"{name} 須含時區 / {name} needs a time zone")
    return moment


async def _rows(
    request: Request, params: dict[str, str], numbers: list[str] | None
) -> Response | Any:
    settings = settings_for(request)
    who = await _caller(request, params, needed=False)
    sites = _sites(settings, params, who)
    start, end = _moment(params, "start_date"), _moment(params, "end_date")
    if numbers is None:  # a search: the spec's window, at most 90 days
        end = end or utcnow()
        start = start or end - WINDOW
        if end - start > WINDOW or start >= end:
            raise Refused(400, "時間範圍須在 90 天內 / the span is at most 90 days")
    statuses = set(_list(params.get("status")) or [])
    if statuses - {"open", "closed"}:
        raise Refused(400, "status 為 open 或 closed / status is open or closed")
    closed = None if len(statuses) != 1 else statuses == {"closed"}
    rows = await repository.open311_requests(
        request.app.state.runtime.pool, sites=sites, numbers=numbers,
        codes=_list(params.get("service_code")), start=start, end=end, closed=closed,
    )  # fmt: skip
    base = settings.console_base_url.rstrip("/")

    def media(photo: Any) -> str | None:
        return f"{base}/console/attachments/{photo}?variant=web" if photo else None

    return [
        domain.request(r, with_description=who is not None, media_url=media(r["photo"]))
        for r in rows
    ]


async def _requests(request: Request, response_format: str) -> Response:
    fmt = _format(response_format)
    params = await _params(request)
    found = await _rows(request, params, _list(params.get("service_request_id")))
    return answer(fmt, "service_requests", found)


async def _one(request: Request, response_format: str, service_request_id: str) -> Response:
    fmt = _format(response_format)
    params = await _params(request)
    found = await _rows(request, params, [service_request_id[:40]])
    if not found:
        raise Refused(404, f"查無此案件 / no service request {service_request_id[:40]}")
    return answer(fmt, "service_requests", found)


async def _token(request: Request, response_format: str, token_id: str) -> Response:
    fmt = _format(response_format)
    params = await _params(request)
    found = await _rows(request, params, [token_id[:40]])
    if not found:
        raise Refused(404, f"查無此代碼 / no token {token_id[:40]}")
    return answer(fmt, "service_requests", [{"service_request_id": token_id, "token": token_id}])


def _location(params: dict[str, str]) -> str:
    if params.get("address_string"):
        return params["address_string"][:200]
    if params.get("address_id"):
        return params["address_id"][:200]
    if params.get("lat") and params.get("long"):
        try:
            return f"{float(params['lat']):.6f}, {float(params['long']):.6f}"
        except ValueError:
            raise Refused(400, "lat 與 long 須為數字 / lat and long are numbers") from None
    raise Refused(400, "須提供地點（address_string、address_id 或 lat/long）/ give a location")


async def _post(request: Request, response_format: str) -> Response:
    fmt = _format(response_format)
    settings = settings_for(request)
    params = await _params(request)
    who = await _caller(request, params, needed=True)
    assert who is not None
    parsed = domain.parse_code(params.get("service_code", ""))
    if parsed is None or parsed[0] not in settings.open311_sites:
        raise Refused(400, "service_code 無效 / service_code is not one of this desk's services")
    site, category = parsed
    description = params.get("description", "").strip()
    if not description:
        raise Refused(400, "請描述問題（description）/ describe the problem (description)")
    if params.get("media_url"):
        description += f"\n\n照片 / photo: {params['media_url'][:500]}"
    name = " ".join(p for p in (params.get("first_name"), params.get("last_name")) if p).strip()
    body: dict[str, Any] = {
        "complainant_name": name or "未提供 / not given",
        "department": params.get("attribute[department]") or "未註明 / not given",
        "site": site, "location": _location(params), "category": category,
        "description": description[:4000],
        "urgency": params.get("attribute[urgency]") or "normal", "channel": "open311",
    }  # fmt: skip
    for field in ("phone", "email"):
        if params.get(field):
            body[field] = params[field]
    if who.may_delegate():
        body["receiving_officer"] = "channel:open311"
    try:
        sent = await send(
            settings.intake_url, "/complaints", body,
            headers={"Authorization": f"Bearer {params['api_key']}"},
        )  # fmt: skip
    except IntakeUnavailable:
        raise Refused(503, "暫時無法受理，請稍後再試 / try again later") from None
    if not sent.ok:
        status = 400 if sent.status == 422 else sent.status
        raise Refused(status, f"{sent.message('zh-Hant')} / {sent.message('en')}")
    number = str(sent.body["number"])
    return answer(fmt, "service_requests", [{
        "service_request_id": number, "token": number, "account_id": None,
        "service_notice": "值班人員將與您聯繫 / a duty officer will contact the reporter",
    }])  # fmt: skip


def _route(path: str, handler: Any, method: str = "GET") -> None:
    router.add_api_route(BASE + path, _guarded(handler), methods=[method])


_route("/discovery.{response_format}", _discovery)
_route("/services.{response_format}", _services)
_route("/services/{service_code}.{response_format}", _definition)
_route("/requests.{response_format}", _requests)
_route("/requests.{response_format}", _post, "POST")
_route("/requests/{service_request_id}.{response_format}", _one)
_route("/request/{service_request_id}.{response_format}", _one)  # swagger.json's spelling
_route("/tokens/{token_id}.{response_format}", _token)
