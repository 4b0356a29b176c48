"""How Parley serves the web client (no browser needed): client routes fall back to
index.html under the strict CSP, assets are local and revalidated, other paths keep their 404."""

from __future__ import annotations

import re

import httpx
import pytest

from parley.web.router import CLIENT_ROUTES, CSP, STATIC


@pytest.mark.parametrize(
    "path",
    ["/", "/signin", "/chat", "/chat/42", "/qr/abc?c=XYZ", "/wasnt-me/email/tok", "/authorize?a=1"],
)
async def test_client_routes_answer_index_html_under_the_csp(
    client: httpx.AsyncClient, path: str
) -> None:
    page = await client.get(path)
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == CSP
    assert '<script type="module" src="/assets/js/main.js">' in page.text
    assert "<script>" not in page.text
    assert "style=" not in page.text


async def test_other_paths_keep_their_own_404(client: httpx.AsyncClient) -> None:
    for path in ("/nothing-here", "/chat/42/extra", "/v1/nope"):
        missing = await client.get(path)
        assert missing.status_code == 404, path
        assert missing.json()["error"]["code"] == "not_found"


async def test_assets_are_local_modules_revalidated_by_etag(client: httpx.AsyncClient) -> None:
    script = await client.get("/assets/js/main.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["cache-control"] == "no-cache"
    again = await client.get(
        "/assets/js/main.js", headers={"If-None-Match": script.headers["etag"]}
    )
    assert again.status_code == 304
    assert (await client.get("/assets/../router.py")).status_code == 404


def test_no_page_or_module_loads_anything_from_another_origin() -> None:
    for path in STATIC.rglob("*"):
        if path.suffix in {".html", ".js", ".css"} and "vendor" not in path.parts:
            text = path.read_text()
            assert not re.search(r"""(src|href)=["']?https?://""", text), path
            assert "eval(" not in text, path
            assert "new Function" not in text, path


async def test_docs_pages_use_local_swagger_ui_and_redoc(client: httpx.AsyncClient) -> None:
    for path, asset in (
        ("/docs", "/assets/vendor/swagger-ui/swagger-ui-bundle.js"),
        ("/redoc", "/assets/vendor/redoc/redoc.standalone.js"),
    ):
        page = await client.get(path)
        assert asset in page.text
        assert "cdn" not in page.text.lower()
        assert (await client.get(asset)).status_code == 200


def test_every_client_route_is_routed_by_the_client() -> None:
    main = (STATIC / "js" / "main.js").read_text()
    for route in CLIENT_ROUTES:
        first = route.strip("/").split("/")[0]
        assert not first or f"\\/{first}" in main, route
