"""The OpenID and OAuth rules a provider must keep, checked with real requests: exact
redirect matching, single-use codes, PKCE, client binding, nonce replay."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from authlib.oauth2.rfc7636 import create_s256_code_challenge

from parley.kit.secrets import new_token
from tests.oidc.conftest import (
    SCOPE,
    Provider,
    RegisteredApp,
    browser_authorize,
    callback_params,
    sign_in,
)
from tests.support.accounts import PASSWORD, Account


def authorize_url(provider: Provider, app: RegisteredApp, **params: str) -> str:
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": app.redirect_uri,
        "scope": SCOPE,
        "state": new_token(8),
        **params,
    }
    return provider.metadata["authorization_endpoint"] + "?" + urlencode(query)


async def code_for(
    provider: Provider, app: RegisteredApp, person: Account, verifier: str | None = None
) -> str:
    params = {}
    if verifier is not None:
        params = {
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        }
    answer = await browser_authorize(provider, authorize_url(provider, app, **params), person)
    return callback_params(answer.json()["redirect_to"])["code"]


async def exchange(
    provider: Provider, app: RegisteredApp, code: str, **extra: str
) -> dict[str, Any]:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": app.redirect_uri,
        **extra,
    }
    if app.client_secret is None:
        data["client_id"] = app.client_id
        auth = None
    else:
        auth = (app.client_id, app.client_secret)
    response = await provider.http.post(
        provider.metadata["token_endpoint"], data=data, auth=auth or ()
    )
    body: dict[str, Any] = response.json()
    body["status"] = response.status_code
    return body


async def test_a_redirect_uri_must_match_exactly_and_is_never_used_when_it_does_not(
    provider: Provider, register_app: Callable[..., Any], person: Account
) -> None:
    app = await register_app()
    for near_miss in (app.redirect_uri + "/", app.redirect_uri + "?x=1", "https://evil.example/cb"):
        answer = await provider.http.get(authorize_url(provider, app, redirect_uri=near_miss))
        assert answer.status_code == 400, near_miss
        assert "location" not in answer.headers
        assert answer.json()["error"]["code"] == "invalid_authorization_request"
        posted = await provider.http.post(
            "/v1/oauth/authorize",
            json={"query": authorize_url(provider, app, redirect_uri=near_miss).split("?")[1]},
            headers=person.headers,
        )
        assert posted.status_code == 400


async def test_an_unknown_client_gets_an_error_page_not_a_redirect(provider: Provider) -> None:
    query = urlencode(
        {"response_type": "code", "client_id": "nobody", "redirect_uri": "https://x.example/cb"}
    )
    answer = await provider.http.get(f"{provider.metadata['authorization_endpoint']}?{query}")
    assert answer.status_code == 400
    assert "location" not in answer.headers


async def test_errors_for_a_known_client_go_back_to_its_redirect_uri_with_the_state(
    provider: Provider, register_app: Callable[..., Any]
) -> None:
    app = await register_app()
    answer = await provider.http.get(authorize_url(provider, app, scope="openid admin", state="s1"))
    assert answer.status_code == 302
    assert answer.headers["location"].startswith(app.redirect_uri + "?")
    params = callback_params(answer.headers["location"])
    assert params["error"] == "invalid_scope"
    assert params["state"] == "s1"


async def test_a_code_works_once_and_a_second_use_revokes_what_it_issued(
    provider: Provider, register_app: Callable[..., Any], person: Account
) -> None:
    app = await register_app(first_party=True)
    code = await code_for(provider, app, person)
    first = await exchange(provider, app, code)
    assert first["status"] == 200, first
    second = await exchange(provider, app, code)
    assert second["status"] == 400
    assert second["error"] == "invalid_grant"
    info = await provider.http.get(
        provider.metadata["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {first['access_token']}"},
    )
    assert info.status_code == 401
    refreshed = await provider.http.post(
        provider.metadata["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        auth=(app.client_id, app.client_secret),
    )
    assert refreshed.json()["error"] == "invalid_grant"


async def test_pkce_cannot_be_downgraded_or_faked(
    provider: Provider, register_app: Callable[..., Any], person: Account
) -> None:
    app = await register_app(first_party=True)
    verifier = new_token(48)
    without = await exchange(provider, app, await code_for(provider, app, person, verifier))
    assert without["status"] == 400
    assert without["error"] == "invalid_request"
    wrong = await exchange(
        provider, app, await code_for(provider, app, person, verifier), code_verifier=new_token(48)
    )
    assert wrong["error"] == "invalid_grant"
    # a verifier for a code that had no challenge is refused too (RFC 9700 §4.8)
    extra = await exchange(
        provider, app, await code_for(provider, app, person), code_verifier=verifier
    )
    assert extra["error"] == "invalid_request"
    right = await exchange(
        provider, app, await code_for(provider, app, person, verifier), code_verifier=verifier
    )
    assert right["status"] == 200


async def test_the_plain_pkce_method_is_refused(
    provider: Provider, register_app: Callable[..., Any]
) -> None:
    app = await register_app(public=True)
    for params in (
        {"code_challenge": "c" * 43, "code_challenge_method": "plain"},
        {"code_challenge": "c" * 43},
    ):
        answer = await provider.http.get(authorize_url(provider, app, **params))
        assert answer.status_code == 302
        assert callback_params(answer.headers["location"])["error"] == "invalid_request"


async def test_a_public_client_without_pkce_is_refused(
    provider: Provider, register_app: Callable[..., Any]
) -> None:
    app = await register_app(public=True)
    answer = await provider.http.get(authorize_url(provider, app))
    assert answer.status_code == 302
    params = callback_params(answer.headers["location"])
    assert params["error"] == "invalid_request"
    assert "PKCE" in params["error_description"]


async def test_another_clients_code_and_tokens_are_useless_to_a_client(
    provider: Provider, register_app: Callable[..., Any], person: Account
) -> None:
    mine = await register_app(first_party=True)
    theirs = await register_app(first_party=True)
    code = await code_for(provider, mine, person)
    stolen = await exchange(provider, theirs, code, redirect_uri=theirs.redirect_uri)
    assert stolen["error"] == "invalid_grant"
    # the rightful client's code was not spent by the thief's attempt
    issued = await exchange(provider, mine, code)
    assert issued["status"] == 200
    seen = await provider.http.post(
        provider.metadata["introspection_endpoint"],
        data={"token": issued["access_token"]},
        auth=(theirs.client_id, theirs.client_secret),
    )
    assert seen.json() == {"active": False}
    revoked = await provider.http.post(
        provider.metadata["revocation_endpoint"],
        data={"token": issued["refresh_token"]},
        auth=(theirs.client_id, theirs.client_secret),
    )
    assert revoked.status_code == 400
    still = await provider.http.get(
        provider.metadata["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {issued['access_token']}"},
    )
    assert still.status_code == 200
    assert still.json()["sub"] == str(person.id)


async def test_a_wrong_client_secret_is_refused(
    provider: Provider, register_app: Callable[..., Any], person: Account
) -> None:
    app = await register_app(first_party=True)
    code = await code_for(provider, app, person)
    response = await provider.http.post(
        provider.metadata["token_endpoint"],
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": app.redirect_uri},
        auth=(app.client_id, "not-the-secret"),
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_a_nonce_is_accepted_once_per_client(
    provider: Provider, register_app: Callable[..., Any], person: Account
) -> None:
    app = await register_app(first_party=True)
    _rp, _token, nonce = await sign_in(provider, app, person)
    replay = await provider.http.get(authorize_url(provider, app, nonce=nonce))
    assert replay.status_code == 302
    assert callback_params(replay.headers["location"])["error"] == "invalid_request"


async def test_logout_without_an_id_token_is_refused(provider: Provider) -> None:
    answer = await provider.http.get(provider.metadata["end_session_endpoint"])
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


async def test_max_age_asks_for_a_fresh_sign_in_and_prompt_none_gets_login_required(
    provider: Provider, register_app: Callable[..., Any], person: Account
) -> None:
    app = await register_app(first_party=True)
    await asyncio.sleep(2.1)  # the person signed in over two seconds ago
    url = authorize_url(provider, app, max_age="1")
    stale = await browser_authorize(provider, url, person)
    assert stale.json() == {"login_required": True}
    silent = await browser_authorize(
        provider, authorize_url(provider, app, max_age="1", prompt="none"), person
    )
    assert callback_params(silent.json()["redirect_to"])["error"] == "login_required"
    # signed in again, the same request goes through
    tokens = (
        await provider.http.post(
            "/v1/auth/login", json={"login": person.username, "password": PASSWORD}
        )
    ).json()
    fresh = replace(person, access_token=tokens["access_token"])
    answer = await browser_authorize(provider, url, fresh)
    assert "code" in callback_params(answer.json()["redirect_to"])


async def test_prompt_login_is_met_by_a_recent_sign_in(
    provider: Provider, register_app: Callable[..., Any], person: Account
) -> None:
    app = await register_app(first_party=True)
    answer = await browser_authorize(provider, authorize_url(provider, app, prompt="login"), person)
    assert "code" in callback_params(answer.json()["redirect_to"])


async def test_an_overlong_nonce_is_an_error_at_the_client_not_a_crash(
    provider: Provider, register_app: Callable[..., Any], person: Account
) -> None:
    app = await register_app(first_party=True)
    url = authorize_url(provider, app, nonce="n" * 256)
    answer = await provider.http.get(url)
    assert answer.status_code == 302
    assert callback_params(answer.headers["location"])["error"] == "invalid_request"
    posted = await browser_authorize(
        provider, authorize_url(provider, app, nonce="n" * 255), person
    )
    assert "code" in callback_params(posted.json()["redirect_to"])
