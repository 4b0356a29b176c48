"""Authlib's OAuth 2 client, as a relying party, against a running Parley: code + PKCE,
id_token validation, userinfo, refresh, introspection, revocation and logout."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pyotp
import pytest

from parley.oidc.claims import PAYLOAD_CLAIM
from tests.oidc.conftest import (
    Provider,
    browser_authorize,
    callback_params,
    relying_party,
    sign_in,
    validated_id_token,
)
from tests.support.accounts import PASSWORD, Account


async def test_discovery_names_every_endpoint_under_the_issuer(provider: Provider) -> None:
    meta = provider.metadata
    assert meta["issuer"] == provider.issuer
    for name in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "end_session_endpoint",
        "revocation_endpoint",
        "introspection_endpoint",
    ):
        assert meta[name].startswith(provider.issuer + "/"), name
    assert meta["response_types_supported"] == ["code"]
    assert meta["subject_types_supported"] == ["public"]
    assert meta["id_token_signing_alg_values_supported"] == ["EdDSA"]
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert {"openid", "profile", "email", "roles", "payload"} <= set(meta["scopes_supported"])
    jwks = (await provider.http.get(meta["jwks_uri"])).json()
    assert all(key["alg"] == "EdDSA" for key in jwks["keys"])


async def test_confidential_client_signs_in_refreshes_reads_userinfo_and_logs_out(
    provider: Provider, register_app: Callable[..., Any], person: Account
) -> None:
    app = await register_app()
    rp, token, nonce = await sign_in(provider, app, person)
    claims = await validated_id_token(provider, app, token, nonce)
    assert claims["sub"] == str(person.id)
    assert claims["email"] == person.email
    assert claims["email_verified"] is False
    assert claims["preferred_username"] == person.username
    assert claims["roles"] == []
    assert claims[PAYLOAD_CLAIM] == {}
    assert claims["amr"] == ["pwd"]
    assert claims["acr"] == "urn:parley:acr:1"
    assert claims["sid"] == str(person.session_id)
    assert isinstance(claims["auth_time"], int)

    info = await rp.get(provider.metadata["userinfo_endpoint"])
    assert info.status_code == 200, info.text
    assert info.json()["sub"] == str(person.id)
    assert info.json()["email"] == person.email

    refreshed = await rp.refresh_token(provider.metadata["token_endpoint"])
    assert refreshed["access_token"] != token["access_token"]
    assert refreshed["refresh_token"] != token["refresh_token"]
    # the old access token went with the refresh token it came with
    old = await provider.http.get(
        provider.metadata["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert old.status_code == 401

    introspected = await rp.introspect_token(
        provider.metadata["introspection_endpoint"], refreshed["access_token"]
    )
    body = introspected.json()
    assert body["active"] is True
    assert body["sub"] == str(person.id)
    assert body["client_id"] == app.client_id
    assert body["iss"] == provider.issuer

    logout = await provider.http.get(
        provider.metadata["end_session_endpoint"],
        params={
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": app.logout_uri,
            "state": "bye",
        },
    )
    assert logout.status_code == 302
    assert logout.headers["location"] == f"{app.logout_uri}?state=bye"
    # the Parley session is over, and with it the web client's token and the RP's refresh
    assert (await provider.http.get("/v1/users/me", headers=person.headers)).status_code == 401
    again = await provider.http.post(
        provider.metadata["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": refreshed["refresh_token"]},
        auth=(app.client_id, app.client_secret or ""),
    )
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    gone = await rp.introspect_token(
        provider.metadata["introspection_endpoint"], refreshed["access_token"]
    )
    assert gone.json() == {"active": False}


async def test_public_client_with_pkce_signs_in_and_revokes_its_refresh_token(
    provider: Provider, register_app: Callable[..., Any], person: Account
) -> None:
    app = await register_app(public=True)
    rp, token, nonce = await sign_in(provider, app, person)
    await validated_id_token(provider, app, token, nonce)
    revoked = await rp.revoke_token(
        provider.metadata["revocation_endpoint"], token["refresh_token"], "refresh_token"
    )
    assert revoked.status_code == 200
    refresh = await provider.http.post(
        provider.metadata["token_endpoint"],
        data={
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            "client_id": app.client_id,
        },
    )
    assert refresh.json()["error"] == "invalid_grant"
    info = await provider.http.get(
        provider.metadata["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert info.status_code == 401


async def test_revoking_the_parley_session_kills_the_refresh_token(
    provider: Provider, register_app: Callable[..., Any], person: Account
) -> None:
    app = await register_app(first_party=True)
    rp, _token, _nonce = await sign_in(provider, app, person)
    revoked = await provider.http.post("/v1/auth/logout", headers=person.headers)
    assert revoked.status_code == 204
    with pytest.raises(Exception, match="invalid_grant"):
        await rp.refresh_token(provider.metadata["token_endpoint"])


async def test_first_party_app_skips_consent_and_consent_is_remembered(
    provider: Provider, register_app: Callable[..., Any], person: Account
) -> None:
    first_party = await register_app(first_party=True)
    rp = relying_party(provider, first_party)
    url, _ = rp.create_authorization_url(
        provider.metadata["authorization_endpoint"], code_verifier="v" * 43
    )
    answer = await browser_authorize(provider, url, person, consent=None)
    assert "redirect_to" in answer.json()

    other = await register_app()
    rp = relying_party(provider, other)
    url, _ = rp.create_authorization_url(
        provider.metadata["authorization_endpoint"], code_verifier="v" * 43
    )
    asked = await browser_authorize(provider, url, person, consent=None)
    assert asked.json() == {
        "consent_required": True,
        "client": {"name": other.name, "url": other.url},
        "scopes": ["openid", "profile", "email", "roles", "payload"],
    }
    allowed = await browser_authorize(provider, url, person, consent=True)
    assert "code" in callback_params(allowed.json()["redirect_to"])
    # asked once: the same scopes again need no screen
    again = await browser_authorize(provider, url, person, consent=None)
    assert "code" in callback_params(again.json()["redirect_to"])


async def test_denied_consent_returns_access_denied_with_the_state(
    provider: Provider, register_app: Callable[..., Any], person: Account
) -> None:
    app = await register_app()
    rp = relying_party(provider, app)
    url, state = rp.create_authorization_url(
        provider.metadata["authorization_endpoint"], code_verifier="v" * 43
    )
    denied = await browser_authorize(provider, url, person, consent=False)
    params = callback_params(denied.json()["redirect_to"])
    assert params["error"] == "access_denied"
    assert params["state"] == state
    assert params["iss"] == provider.issuer


async def test_authorize_needs_a_signed_in_person(provider: Provider) -> None:
    answer = await provider.http.post("/v1/oauth/authorize", json={"query": "client_id=x"})
    assert answer.status_code == 401


async def test_userinfo_without_a_token_is_refused(provider: Provider) -> None:
    answer = await provider.http.get(provider.metadata["userinfo_endpoint"])
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].lower().startswith("bearer ")


async def test_a_spent_refresh_token_presented_again_revokes_its_family(
    provider: Provider, register_app: Callable[..., Any], person: Account
) -> None:
    app = await register_app(first_party=True)
    rp, token, _nonce = await sign_in(provider, app, person)
    spent = token["refresh_token"]
    fresh = await rp.refresh_token(provider.metadata["token_endpoint"])
    replayed = await provider.http.post(
        provider.metadata["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": spent},
        auth=(app.client_id, app.client_secret or ""),
    )
    assert replayed.json()["error"] == "invalid_grant"
    # the thief's replay also ended the rightful holder's newer tokens
    with pytest.raises(Exception, match="invalid_grant"):
        await rp.refresh_token(provider.metadata["token_endpoint"])
    info = await provider.http.get(
        provider.metadata["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {fresh['access_token']}"},
    )
    assert info.status_code == 401


async def test_a_two_factor_sign_in_reaches_the_app_as_mfa(
    provider: Provider, register_app: Callable[..., Any], person: Account
) -> None:
    started = await provider.http.post("/v1/auth/2fa/totp", headers=person.headers)
    totp = pyotp.TOTP(started.json()["secret"])
    confirmed = await provider.http.post(
        "/v1/auth/2fa/totp/confirm", json={"code": totp.now()}, headers=person.headers
    )
    codes = confirmed.json()["recovery_codes"]
    login = await provider.http.post(
        "/v1/auth/login", json={"login": person.username, "password": PASSWORD}
    )
    challenge = login.json()["error"]["challenge"]
    second = await provider.http.post(
        "/v1/auth/login/2fa", json={"challenge": challenge, "code": codes[0]}
    )
    assert second.status_code == 200, second.text
    tokens = second.json()
    signed_in = replace(
        person, access_token=tokens["access_token"], session_id=tokens["session_id"]
    )
    app = await register_app(first_party=True)
    _rp, token, nonce = await sign_in(provider, app, signed_in)
    claims = await validated_id_token(provider, app, token, nonce)
    assert claims["amr"] == ["pwd", "mfa"]
    assert claims["acr"] == "urn:parley:acr:2"
    assert claims["sid"] == str(tokens["session_id"])
