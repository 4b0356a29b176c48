"""Yandex ID: authorize URL, sign-in from an OAuth token, DiscordApi register/login."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from parley.kit.client import ClientInfo
from parley.kit.time import clock
from parley.models import ExternalIdentity
from parley.providers import service
from parley.providers.errors import AlreadyRegistered, NotRegistered, ProviderRejected
from parley.runtime import Runtime
from tests.providers.conftest import audit_count
from tests.support.accounts import new_account
from tests.support.fake_providers import FAIL, GARBAGE, SLOW, SLOW_SECONDS, FakeProviders
from tests.support.provider_sign_in import provider_sign_in

CLIENT = ClientInfo(ip="203.0.113.9", user_agent="pytest")


async def sign_in(client: httpx.AsyncClient, token: str, **extra: object) -> httpx.Response:
    return await client.post("/v1/auth/providers/yandex/sign-in", json={"token": token, **extra})


async def test_authorize_url_carries_client_id_and_a_signed_state(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    response = await pclient.get(
        "/v1/auth/providers/yandex/authorize-url", params={"redirect_uri": "https://app.test/cb"}
    )
    assert response.status_code == 200
    data = response.json()
    url = urlsplit(data["url"])
    query = parse_qs(url.query)
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://oauth.yandex.test/authorize"
    assert query["client_id"] == [fakes.yandex.client_id]
    assert query["response_type"] == ["token"]
    assert query["redirect_uri"] == ["https://app.test/cb"]
    assert query["state"] == [data["state"]]

    token, _ = fakes.yandex.account()
    assert (await sign_in(pclient, token, state=data["state"])).status_code == 200


async def test_tampered_or_expired_state_is_refused(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    state = (await pclient.get("/v1/auth/providers/yandex/authorize-url")).json()["state"]
    token, _ = fakes.yandex.account()
    tampered = state[:-2] + ("AA" if not state.endswith("AA") else "BB")
    response = await sign_in(pclient, token, state=tampered)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "bad_state"
    clock.advance(601)
    assert (await sign_in(pclient, token, state=state)).status_code == 403


async def test_sign_in_creates_the_user_then_signs_into_it(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    token, info = fakes.yandex.account()
    first = await sign_in(pclient, token)
    assert first.status_code == 200, first.text
    user = first.json()["user"]
    assert user["username"] == info["login"]
    assert user["email"] == info["default_email"]
    assert user["display_name"] == "Yana Yandexova"
    assert first.json()["refresh_token"]

    again = await sign_in(pclient, token)
    assert again.status_code == 200
    assert again.json()["user"]["id"] == user["id"]

    headers = {"Authorization": f"Bearer {again.json()['access_token']}"}
    identities = (await pclient.get("/v1/auth/providers/identities", headers=headers)).json()
    assert [(i["provider"], i["external_id"]) for i in identities] == [("yandex", info["id"])]
    assert identities[0]["avatar_url"].endswith(f"/get-yapic/{info['id']}-avatar/islands-200")


async def test_provider_tokens_are_encrypted_at_rest(
    pclient: httpx.AsyncClient, fakes: FakeProviders, rt: Runtime
) -> None:
    token, info = fakes.yandex.account()
    assert (await sign_in(pclient, token)).status_code == 200
    async with rt.db.sessionmaker() as session:
        from parley.providers import repository

        row = await repository.get_identity(session, "yandex", info["id"])
    assert isinstance(row, ExternalIdentity)
    assert row.tokens
    assert token not in row.tokens
    assert rt.providers.box.open(row.tokens) == {"oauth_token": token}


async def test_rejected_token_is_403_and_audited(pclient: httpx.AsyncClient, rt: Runtime) -> None:
    before = await audit_count(rt, "provider.rejected", provider="yandex")
    response = await sign_in(pclient, "y0_not-a-real-token")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "provider_rejected"
    assert await audit_count(rt, "provider.rejected", provider="yandex") == before + 1


async def test_token_issued_to_another_app_is_rejected(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    token, _ = fakes.yandex.account(client_id="someone-elses-app")
    response = await sign_in(pclient, token)
    assert response.status_code == 403
    assert response.json()["error"]["reason"] == "wrong_client"


async def test_malformed_token_never_reaches_yandex(pclient: httpx.AsyncClient) -> None:
    response = await sign_in(pclient, "two words\n")
    assert response.status_code == 403
    assert response.json()["error"]["reason"] == "malformed"


@pytest.mark.parametrize(("behaviour", "status"), [(FAIL, 502), (GARBAGE, 502)])
async def test_provider_failures_are_bad_gateway(
    pclient: httpx.AsyncClient, fakes: FakeProviders, behaviour: str, status: int
) -> None:
    token, _ = fakes.yandex.account(behaviour)
    response = await sign_in(pclient, token)
    assert response.status_code == status
    assert response.json()["error"]["code"] == "provider_unavailable"


async def test_slow_provider_is_gateway_timeout(
    slow_client: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    token, _ = fakes.yandex.account(SLOW)
    started = clock.timestamp()
    response = await sign_in(slow_client, token)
    assert response.status_code == 504
    assert response.json()["error"]["code"] == "provider_timeout"
    assert clock.timestamp() - started < SLOW_SECONDS  # gave up before the answer came


async def test_unreachable_provider_is_bad_gateway(
    fakes: FakeProviders, make_settings: object
) -> None:
    from tests.conftest import asgi_client, running_app
    from tests.support.servers import free_port

    settings = fakes.settings(make_settings, yandex_login_url=f"http://127.0.0.1:{free_port()}")  # type: ignore[arg-type]
    token, _ = fakes.yandex.account()
    async for app in running_app(settings):
        async with asgi_client(app) as client:
            response = await sign_in(client, token)
    assert response.status_code == 502
    assert "could not be reached" in response.json()["error"]["message"]


async def test_provider_email_of_another_user_never_signs_into_them(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    victim = await new_account(pclient, "victim")
    token, _ = fakes.yandex.account(default_email=victim.email, login=victim.username)
    response = await sign_in(pclient, token)
    assert response.status_code == 200
    user = response.json()["user"]
    assert user["id"] != victim.id
    assert user["email"] is None
    assert user["username"] == f"{victim.username}_2"
    me = await pclient.get("/v1/users/me", headers=victim.headers)
    assert me.json()["email"] == victim.email


async def test_same_login_on_two_accounts_gets_distinct_usernames(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    first, info = fakes.yandex.account()
    second, _ = fakes.yandex.account(login=info["login"], default_email=None)
    one = (await sign_in(pclient, first)).json()["user"]
    two = (await sign_in(pclient, second)).json()["user"]
    assert one["username"] == info["login"]
    assert two["username"] == f"{info['login']}_2"


async def test_discordapi_register_then_login_with_yandex(
    rt: Runtime, fakes: FakeProviders
) -> None:
    token, info = fakes.yandex.account()
    assert "client_id=" in service.yandex_oauth_url(providers=rt.providers)
    async with rt.db.unit_of_work() as session:
        with pytest.raises(NotRegistered):
            await service.login_with_yandex(
                session,
                oauth_token=token,
                client=CLIENT,
                using=provider_sign_in(rt),
            )
    async with rt.db.unit_of_work() as session:
        user = await service.register_with_yandex(
            session,
            oauth_token=token,
            client=CLIENT,
            country="RU",
            using=provider_sign_in(rt),
        )
    assert user.username == info["login"]
    assert user.country == "RU"
    assert user.password_hash is None
    async with rt.db.unit_of_work() as session:
        with pytest.raises(AlreadyRegistered):
            await service.register_with_yandex(
                session,
                oauth_token=token,
                client=CLIENT,
                using=provider_sign_in(rt),
            )
    async with rt.db.unit_of_work() as session:
        issued = await service.login_with_yandex(
            session,
            oauth_token=token,
            client=CLIENT,
            using=provider_sign_in(rt),
        )
    assert issued.user.id == user.id
    assert issued.refresh_token is None
    assert issued.session.surface == "discordapi"
    assert issued.expires_at - clock.timestamp() > rt.settings.access_ttl_seconds


async def test_discordapi_register_with_a_bad_token_is_rejected(rt: Runtime) -> None:
    with pytest.raises(ProviderRejected):
        async with rt.db.unit_of_work() as session:
            await service.register_with_yandex(
                session,
                oauth_token="nope",
                client=CLIENT,
                using=provider_sign_in(rt),
            )
