"""Complainants' personal data as a reader may see it: in clear for those with the right to
it, masked for the rest, and "erased" for everyone once the complainant's key is gone."""

from typing import Any

from fastapi import Request

from complaint_desk.shared.auth import Permission, Principal
from complaint_desk.shared.privacy import MASKED, PERSONAL_FIELDS
from complaint_desk.shared.runtime.deps import running


async def shown(request: Request, principal: Principal, values: list[Any]) -> list[Any]:
    if not principal.can(Permission.PERSONAL_DATA):
        return [None if v is None else MASKED for v in values]
    runtime = running(request)
    return await runtime.keyring.reveal_all(runtime.pool, values)


async def shown_history(
    request: Request, principal: Principal, history: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The timeline's entries with the personal fields of their data revealed or masked."""
    places = [
        (i, name)
        for i, entry in enumerate(history)
        for name in PERSONAL_FIELDS
        if entry["data"].get(name) is not None
    ]
    values = await shown(request, principal, [history[i]["data"][n] for i, n in places])
    out = [dict(entry) for entry in history]
    for (i, name), value in zip(places, values, strict=True):
        out[i]["data"] = {**out[i]["data"], name: value}
    return out
