"""The rate limit against the running system, with a limit small enough that the test does
not depend on how fast this machine answers: a system of this module's own."""

import httpx
import pytest

from complaint_desk.shared.auth import Role
from tests.credentials import ADMIN, user

from .conftest import System

pytestmark = pytest.mark.e2e

BURST = 8
# A token every 1000 s: within the test, the burst is all there is.
SYSTEM_ENV = {"RATE_LIMIT_BURST": str(BURST), "RATE_LIMIT_PER_SECOND": "0.001"}
ADMIN_TOKEN = ADMIN["Authorization"].removeprefix("Bearer ")


async def test_rotating_junk_credentials_share_the_address_bucket(system: System) -> None:
    url = f"{system.url('notify')}/subscriptions"
    async with httpx.AsyncClient(timeout=15) as client:
        codes = [
            (await client.get(url, headers={"Authorization": f"Bearer desk_junk{i}"})).status_code
            for i in range(BURST + 4)
        ]
        assert codes == [401] * BURST + [429] * 4, codes
        refused = await client.get(url, headers={"Authorization": "Bearer desk_another"})
        assert refused.status_code == 429 and refused.headers["retry-after"]
        assert refused.json()["error"]["message_zh"]
        # A valid session cookie beside a junk Authorization header is still the address.
        session = {"Authorization": "Bearer desk_junk", "Cookie": f"desk_session={ADMIN_TOKEN}"}
        assert (await client.get(url, headers=session)).status_code == 429


async def test_each_principal_has_its_own_bucket(system: System) -> None:
    url = f"{system.url('projections')}/complaints"
    officer = await user(system.database_url, "limited", Role.AUDITOR)
    async with httpx.AsyncClient(timeout=15) as client:
        codes = [(await client.get(url, headers=officer)).status_code for _ in range(BURST + 2)]
        assert codes == [200] * BURST + [429] * 2, codes
        assert (await client.get(url, headers=ADMIN)).status_code == 200, "another principal"
