"""Open311 GeoReport v2 against the running system: every answer validated against the
schemas of open311/schema-validation (../shared/schemas/open311-georeport-v2/), an
independent client from PyPI (georeport) reading it in JSON and in XML, and schemathesis
against the published swagger.json."""

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import xmltodict
from georeport import GeoReport
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from complaint_desk.shared.auth import Role
from conftest import ARTIFACTS, eventually, shared_reference
from tests.credentials import ADMIN, user

from .conftest import System

pytestmark = pytest.mark.e2e

SCHEMAS = shared_reference() / "schemas" / "open311-georeport-v2"
if not SCHEMAS.is_dir():
    pytest.skip(f"the Open311 schemas are not beside the repo ({SCHEMAS})", allow_module_level=True)
SYSTEM_ENV = {"PROJECTIONS_OPEN311_SITES": '{"OS": "開放院區"}'}


def validator(name: str) -> Draft7Validator:
    """A schema of the folder, its $refs resolved to the files beside it."""
    registry: Registry = Registry()
    for path in SCHEMAS.glob("*.json"):
        if path.name != "swagger.json":
            resource = Resource.from_contents(json.loads(path.read_text()), DRAFT7)
            registry = registry.with_resource(path.name, resource)
    return Draft7Validator(json.loads((SCHEMAS / name).read_text()), registry=registry)


def valid(name: str, value: Any) -> Any:
    errors = sorted(validator(name).iter_errors(value), key=str)
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    return value


@pytest.fixture(scope="module")
async def api_key(system: System) -> str:
    """An integration that may report to site OS: its token is Open311's api_key."""
    headers = await user(
        system.database_url, "kiosk-os", Role.INTEGRATION, sites=["OS"], commands=["receive"]
    )
    return headers["Authorization"].removeprefix("Bearer ")


@pytest.fixture(scope="module")
async def base(system: System) -> AsyncIterator[str]:
    yield f"{system.url('projections')}/open311/v2"


async def post(base: str, **params: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.post(f"{base}/requests.json", data=params)


async def test_services_and_their_definitions_match_the_schemas(base: str) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        services = valid("services.json", (await client.get(f"{base}/services.json")).json())
        assert {s["service_code"] for s in services} >= {"OS-repair_delay", "OS-safety"}
        assert all(" / " in s["service_name"] for s in services), "both languages"
        definition = (await client.get(f"{base}/services/OS-repair_delay.json")).json()
        valid("service-definition.json", definition)
        assert [a["code"] for a in definition["attributes"]] == ["department", "urgency"]
        xml = await client.get(f"{base}/services.xml", params={"jurisdiction_id": "OS"})
        assert xml.headers["content-type"].startswith("text/xml")
        as_xml = xmltodict.parse(xml.content)["services"]["service"]
        assert {s["service_code"] for s in as_xml} == {s["service_code"] for s in services}
        unknown = await client.get(f"{base}/services/XX-nothing.json")
        assert unknown.status_code == 404 and "查無此服務" in unknown.json()[0]["description"]
        discovery = (await client.get(f"{base}/discovery.json")).json()
        assert discovery["endpoints"][0]["url"] == base


async def test_a_posted_request_enters_the_register_and_reads_back_valid(
    base: str, api_key: str, system: System
) -> None:
    sent = await post(
        base, api_key=api_key, service_code="OS-repair_delay", address_string="B1 停車場入口",
        description="鐵捲門卡住打不開 / the shutter is stuck", first_name="小美", last_name="張",
        email="mei@example.org",
        **{"attribute[department]": "警衛室", "attribute[urgency]": "high"},
    )  # fmt: skip
    assert sent.status_code == 200, sent.text
    [made] = sent.json()
    number = made["service_request_id"]
    assert made["token"] == number and number.startswith("OS-")

    async def listed() -> list[dict[str, Any]] | None:
        async with httpx.AsyncClient(timeout=30) as client:
            r = await client.get(f"{base}/requests.json", params={"service_request_id": number})
        return r.json() or None

    [public] = valid("requests.json", await eventually(listed, within=30))
    assert (public["status"], public["address"]) == ("open", "B1 停車場入口")
    assert public["description"] is None, "without the key no one reads what was written"
    async with httpx.AsyncClient(timeout=30) as client:
        keyed = {"api_key": api_key}
        mine = (await client.get(f"{base}/requests/{number}.json", params=keyed)).json()
        valid("requests.json", mine)
        assert "鐵捲門" in mine[0]["description"]
        assert "小美" not in json.dumps(mine, ensure_ascii=False), "never who reported it"
        token = (await client.get(f"{base}/tokens/{number}.json")).json()
        assert token == [{"service_request_id": number, "token": number}]
        open_ones = (await client.get(f"{base}/requests.json", params={"status": "open"})).json()
        closed = (await client.get(f"{base}/requests.json", params={"status": "closed"})).json()
        assert number in {r["service_request_id"] for r in open_ones}
        assert number not in {r["service_request_id"] for r in closed}
        since = {"start_date": "2025-01-01T00:00:00Z"}
        wide = await client.get(f"{base}/requests.json", params=since)
        assert wide.status_code == 400 and "90" in wide.json()[0]["description"]
        row = await client.get(
            f"{system.url('projections')}/complaints", params={"q": number}, headers=ADMIN
        )
        [item] = row.json()["items"]
        assert (item["channel"], item["receiving_officer"]) == ("open311", "channel:open311")


async def test_posting_needs_a_key_a_known_service_and_a_place(base: str, api_key: str) -> None:
    nobody = await post(base, service_code="OS-repair_delay", address_string="1F", description="x")
    assert nobody.status_code == 401 and "api_key" in nobody.json()[0]["description"]
    wrong = await post(
        base, api_key=api_key, service_code="ZZ-x", address_string="1F", description="x"
    )
    assert wrong.status_code == 400
    nowhere = await post(base, api_key=api_key, service_code="OS-shortage", description="缺紙")
    assert nowhere.status_code == 400 and "地點" in nowhere.json()[0]["description"]
    async with httpx.AsyncClient(timeout=30) as client:
        as_xml = await client.post(
            f"{base}/requests.xml", data={"service_code": "OS-shortage", "description": "缺紙"}
        )
    errors = xmltodict.parse(as_xml.content)["errors"]["error"]
    assert errors["code"] == "401"


async def test_an_independent_client_reads_it_in_json_and_xml(base: str, api_key: str) -> None:
    sent = await post(
        base, api_key=api_key, service_code="OS-hygiene", lat="25.0330", long="121.5654",
        description="廁所無衛生紙 / no toilet paper", email="kiosk@example.org",
        **{"attribute[department]": "清潔組"},
    )  # fmt: skip
    assert sent.status_code == 200, sent.text
    number = sent.json()[0]["service_request_id"]

    def read(fmt: str) -> tuple[list[dict], dict, list[dict], dict]:
        client = GeoReport(base, jurisdiction="OS", output_format=fmt)
        services = client.get_service_list()
        definition = client.get_service_definition("OS-hygiene")
        requests = client.get_service_requests(service_request_id=number)
        one = client.get_service_request(number)
        return services, definition, requests, one

    async def seen() -> bool:
        async with httpx.AsyncClient(timeout=30) as c:
            r = await c.get(f"{base}/requests/{number}.json")
        return r.status_code == 200

    assert await eventually(seen, within=30)
    for fmt in ("json", "xml"):
        services, definition, requests, one = await asyncio.to_thread(read, fmt)
        assert "OS-hygiene" in {s["service_code"] for s in services}
        assert definition["service_code"] == "OS-hygiene"
        found = requests if isinstance(requests, list) else [requests]
        assert [r["service_request_id"] for r in found] == [number]
        assert one["service_request_id"] == number and one["status"] == "open"
        assert one["address"] == "25.033000, 121.565400"


async def test_schemathesis_against_the_published_swagger(base: str) -> None:
    report = ARTIFACTS / "fuzz" / "open311.txt"
    report.parent.mkdir(parents=True, exist_ok=True)
    st = Path(sys.executable).with_name("st")
    process = await asyncio.create_subprocess_exec(
        str(st), "run", str(SCHEMAS / "swagger.json"), "--url", base,
        "--checks", "not_a_server_error,response_schema_conformance",
        "--phases", "examples,coverage,fuzzing", "--max-examples", "10",
        "--generation-deterministic", "--workers", "1", "--no-color",
        "--suppress-health-check", "all",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=report.parent,
    )  # fmt: skip
    out, _ = await process.communicate()
    report.write_bytes(out)
    assert process.returncode == 0, out.decode()[-6000:]
