"""The service functions the dialects call (Goncord roles and resources, Whisper avatar URL)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from parley.access import service as access
from parley.errors import BadGateway, Invalid
from parley.identity.accounts import lookup
from parley.profiles import service as profiles
from parley.profiles.errors import AvatarRejected
from parley.runtime import Runtime
from tests.support.access import new_app
from tests.support.accounts import Account, unique_name
from tests.support.images import image_bytes, zip_file


async def test_goncord_role_calls(runtime: Runtime, alice: Account) -> None:
    fresh = unique_name("g")
    async with runtime.db.unit_of_work() as session:
        user = await lookup.get_live_user(session, alice.id)
        assert await access.set_user_roles(session, user, [fresh, "student", fresh]) == sorted(
            [fresh, "student"]
        )
        assert await access.add_user_roles(session, user, ["teacher"]) == sorted(
            [fresh, "student", "teacher"]
        )
        left = await access.remove_user_roles(session, user, ["student", "never-held"])
        assert left == sorted([fresh, "teacher"])
        assert await access.user_roles(session, user.id) == left
        with pytest.raises(Invalid):
            await access.set_user_roles(session, user, [" "])


async def test_resource_update_ignores_unknown_urls_and_builds_the_apps_map(
    runtime: Runtime, alice: Account
) -> None:
    one, two = await new_app(runtime), await new_app(runtime)
    async with runtime.db.unit_of_work() as session:
        written = await access.replace_app_payloads(
            session,
            alice.id,
            {one.url: {"k": 1}, "https://nowhere.example": {"x": 1}},
            settings=runtime.settings,
        )
        assert written == {one.url: {"k": 1}}
        app_two = await access.get_app_by_url(session, two.url)
        await access.replace_app_payload(
            session, app_two, alice.id, {"v": [1, 2]}, settings=runtime.settings
        )
        await access.replace_app_payload(
            session, app_two, alice.id, {"w": None}, settings=runtime.settings
        )
        assert await access.user_payloads_by_url(session, alice.id) == {
            one.url: {"k": 1},
            two.url: {"w": None},
        }
        assert (await lookup.get_live_user(session, alice.id)).profile_version == 3


async def test_external_avatar_url(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account, bob: Account
) -> None:
    async with runtime.db.unit_of_work() as session:
        user = await lookup.get_live_user(session, alice.id)
        await profiles.set_external_avatar(
            session, user, "https://cdn.example/a.png", storage=runtime.storage
        )
        assert profiles.avatar_url(user, storage=runtime.storage) == "https://cdn.example/a.png"
        with pytest.raises(Invalid):
            await profiles.set_external_avatar(
                session, user, "javascript:alert(1)", storage=runtime.storage
            )
    view = (await client.get(f"/v1/users/{alice.id}", headers=bob.headers)).json()
    assert view["avatar_url"] == "https://cdn.example/a.png"


async def test_app_authentication_by_token(runtime: Runtime) -> None:
    app = await new_app(runtime, is_super=True)
    async with runtime.db.unit_of_work() as session:
        found = await access.authenticate_app(session, app.token)
        assert found.id == app.id
        assert access.require_super(found) is found


@pytest.fixture(scope="module")
def picture_server() -> Iterator[str]:
    """A real HTTP server standing in for a provider's picture host."""
    bodies = {"/a.jpg": image_bytes("JPEG"), "/zip": zip_file()}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = bodies.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def test_import_avatar_from_a_provider_url(
    runtime: Runtime, alice: Account, picture_server: str
) -> None:
    async with runtime.db.unit_of_work() as session:
        user = await lookup.get_live_user(session, alice.id)
        await profiles.import_avatar_from_url(
            session,
            user,
            f"{picture_server}/a.jpg",
            settings=runtime.settings,
            storage=runtime.storage,
            image_decoding=runtime.image_decoding,
        )
        url = profiles.avatar_url(user, storage=runtime.storage)
        assert url is not None
        assert url.startswith("http://testserver/media/avatars/")
    for path, error in (("/zip", AvatarRejected), ("/missing", BadGateway)):
        async with runtime.db.unit_of_work() as session:
            user = await lookup.get_live_user(session, alice.id)
            with pytest.raises(error):
                await profiles.import_avatar_from_url(
                    session,
                    user,
                    f"{picture_server}{path}",
                    settings=runtime.settings,
                    storage=runtime.storage,
                    image_decoding=runtime.image_decoding,
                )
    async with runtime.db.unit_of_work() as session:
        assert (
            profiles.avatar_url(
                await lookup.get_live_user(session, alice.id), storage=runtime.storage
            )
            == url
        )
