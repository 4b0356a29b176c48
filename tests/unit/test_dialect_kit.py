"""The dialect kit renders errors its own way without hiding them from the unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import httpx
from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse

from parley.dialects.kit import dialect_router
from parley.errors import Invalid

outcomes: list[str] = []


async def unit_of_work() -> AsyncIterator[None]:
    try:
        yield
    except Invalid:
        outcomes.append("rolled back")
        raise
    outcomes.append("committed")


Work = Annotated[None, Depends(unit_of_work, scope="function")]
router = dialect_router(lambda exc: JSONResponse({"oops": str(exc)}, 418), tag="test")


@router.get("/fails")
async def fails(_work: Work) -> None:
    raise Invalid("boom")


@router.get("/works")
async def works(_work: Work) -> dict[str, bool]:
    return {"ok": True}


async def test_errors_reach_yield_dependencies_before_they_are_rendered() -> None:
    app = FastAPI()
    app.include_router(router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        failed = await client.get("/fails/")
        assert (failed.status_code, failed.json()) == (418, {"oops": "boom"})
        assert (await client.get("/works")).json() == {"ok": True}
        assert (await client.get("/fails")).status_code == 418
    assert outcomes == ["rolled back", "committed", "rolled back"]
