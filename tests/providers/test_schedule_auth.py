"""The service behind Schedule's `account/auth` (the dialect will only translate)."""

from __future__ import annotations

import httpx
import pytest

from parley.errors import Invalid
from parley.kit.client import ClientInfo
from parley.kit.secrets import new_token
from parley.providers import service
from parley.providers.errors import IdentityMismatch, ProviderRejected, ProviderTimeout
from parley.runtime import Runtime
from tests.providers.conftest import audit_count
from tests.providers.test_telegram import new_tg_id, start
from tests.support.fake_providers import SLOW, FakeProviders
from tests.support.provider_sign_in import provider_sign_in

CLIENT = ClientInfo(ip="198.51.100.4", user_agent="schedule-app")


async def auth(rt: Runtime, **kwargs: object) -> service.IssuedTokens:
    async with rt.db.unit_of_work() as session:
        return await service.schedule_auth(
            session,
            client=CLIENT,
            **kwargs,
            using=provider_sign_in(rt),
        )  # type: ignore[arg-type]


async def test_vk_with_the_right_external_id_gets_a_token_pair(
    rt: Runtime, fakes: FakeProviders
) -> None:
    token, user = fakes.vk.user()
    issued = await auth(
        rt, auth_method="VK", id_token=token, external_user_id=user["user_id"], full_name="Ignored"
    )
    assert issued.refresh_token
    assert issued.session.surface == "schedule"
    assert issued.user.display_name == "Елисей В."  # noqa: RUF001 - provider name wins
    again = await auth(rt, auth_method="VK", id_token=token, external_user_id=int(user["user_id"]))
    assert again.user.id == issued.user.id


async def test_claiming_another_external_id_is_forbidden_and_audited(
    rt: Runtime, fakes: FakeProviders
) -> None:
    token, _ = fakes.vk.user()
    before = await audit_count(rt, "provider.identity_mismatch", provider="vk")
    with pytest.raises(IdentityMismatch) as caught:
        await auth(rt, auth_method="VK", id_token=token, external_user_id="1")
    assert caught.value.status == 403
    assert await audit_count(rt, "provider.identity_mismatch", provider="vk") == before + 1


async def test_request_name_and_avatar_fill_what_the_provider_lacks(
    rt: Runtime, fakes: FakeProviders
) -> None:
    token, sub = fakes.google.token(
        name=None, given_name=None, family_name=None, email_verified=False
    )
    issued = await auth(
        rt,
        auth_method="GOOGLE",
        id_token=token,
        external_user_id=sub,
        full_name="Oleg Alo",
        avatar_url="https://cdn.example/oleg.png",
    )
    assert issued.user.display_name == "Oleg Alo"
    async with rt.db.unit_of_work() as session:
        [identity] = await service.list_identities(session, issued.user.id)
    assert identity.profile["avatar"] == "https://cdn.example/oleg.png"


async def test_telegram_code_needs_no_external_id(
    rt: Runtime, fakes: FakeProviders, pclient: httpx.AsyncClient
) -> None:
    tg_id, code = new_tg_id(), new_token(24)
    await start(pclient, fakes, tg_id, f"/start {code}")
    issued = await auth(rt, auth_method="TG", id_token=code, external_user_id=None)
    assert issued.user.display_name == "Tanya Telegina"
    with pytest.raises(ProviderRejected):
        await auth(rt, auth_method="TG", id_token=code, external_user_id=None)


async def test_telegram_code_with_a_wrong_external_id_is_spent(
    rt: Runtime, fakes: FakeProviders, pclient: httpx.AsyncClient
) -> None:
    tg_id, code = new_tg_id(), new_token(24)
    await start(pclient, fakes, tg_id, f"/start {code}")
    with pytest.raises(IdentityMismatch):
        await auth(rt, auth_method="TG", id_token=code, external_user_id=str(tg_id + 1))
    with pytest.raises(ProviderRejected):
        await auth(rt, auth_method="TG", id_token=code, external_user_id=str(tg_id))


@pytest.mark.parametrize(("method", "external_id"), [("FACEBOOK", "1"), ("VKONTAKTE", None)])
async def test_unknown_methods_are_invalid(
    rt: Runtime, method: str, external_id: str | None
) -> None:
    with pytest.raises(Invalid):
        await auth(rt, auth_method=method, id_token="t", external_user_id=external_id)


async def test_provider_timeout_surfaces_as_its_own_error(
    slow_app: object, fakes: FakeProviders
) -> None:
    slow_rt: Runtime = slow_app.state.runtime  # type: ignore[attr-defined]
    token, user = fakes.vk.user(SLOW)
    with pytest.raises(ProviderTimeout) as caught:
        await auth(slow_rt, auth_method="VK", id_token=token, external_user_id=user["user_id"])
    assert caught.value.status == 504
