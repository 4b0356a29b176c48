"""The Schedule app's per-user data (role, variants) kept in that app's payload."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from parley.access import service as access
from parley.access.errors import AppNotFound
from parley.errors import Invalid
from parley.identity.accounts import lookup
from parley.schedule import service as schedule
from parley.schedule.errors import NotYourProfile, RoleChangeForbidden
from parley.settings import Settings
from tests.conftest import running_app
from tests.support.accounts import Account, unique_name


async def test_the_app_is_created_on_the_first_write_only(
    make_settings: Callable[..., Settings], alice: Account
) -> None:
    url = f"https://{unique_name('schedule')}.example.com"
    async for app in running_app(make_settings(schedule_app_url=url)):
        rt = app.state.runtime
        async with rt.db.unit_of_work() as session:
            found = await schedule.get_profile(
                session, alice.id, settings=rt.settings, storage=rt.storage
            )
            assert (found.role, found.variants) == ("STUDENT", [])
            user = await lookup.get_live_user(session, alice.id)
            await schedule.update_profile(
                session, user, {"bio": "только био"}, settings=rt.settings, storage=rt.storage
            )
            with pytest.raises(AppNotFound):
                await access.get_app_by_url(session, url)
            await schedule.update_profile(
                session,
                user,
                {"variants": [schedule.Variant(" Физика ", 5)]},
                settings=rt.settings,
                storage=rt.storage,
            )
            created = await access.get_app_by_url(session, url)
            assert created.name == "Schedule"
            assert not created.is_super
            assert await access.get_app_payload(session, created, alice.id) == {
                "role": "STUDENT",
                "variants": [{"subjectName": "Физика", "variant": 5}],
            }
            again = await schedule.schedule_app(session, create=True, settings=rt.settings)
            assert again is not None
            assert again.id == created.id


async def test_foreign_payload_shapes_read_as_defaults(
    make_settings: Callable[..., Settings], bob: Account
) -> None:
    url = f"https://{unique_name('schedule')}.example.com"
    async for app in running_app(make_settings(schedule_app_url=url)):
        rt = app.state.runtime
        async with rt.db.unit_of_work() as session:
            created = await schedule.schedule_app(session, create=True, settings=rt.settings)
            assert created is not None
            payload = {"role": "ROOT", "variants": [{"subjectName": "A"}, 7, {"x": 1}]}
            await access.replace_app_payload(
                session, created, bob.id, payload, settings=rt.settings
            )
            found = await schedule.get_profile(
                session, bob.id, settings=rt.settings, storage=rt.storage
            )
            assert (found.role, found.variants) == ("STUDENT", [])
            await access.replace_app_payload(
                session, created, bob.id, {"role": "AWARDED"}, settings=rt.settings
            )
            assert (
                await schedule.get_profile(
                    session, bob.id, settings=rt.settings, storage=rt.storage
                )
            ).role == "AWARDED"


async def test_refused_changes(
    make_settings: Callable[..., Settings], alice: Account, bob: Account
) -> None:
    async for app in running_app(make_settings()):
        rt = app.state.runtime
        async with rt.db.unit_of_work() as session:
            user = await lookup.get_live_user(session, alice.id)
            with pytest.raises(RoleChangeForbidden):
                await schedule.update_profile(
                    session, user, {"role": "DEV"}, settings=rt.settings, storage=rt.storage
                )
            with pytest.raises(NotYourProfile):
                await schedule.update_profile(
                    session,
                    user,
                    {"bio": "x"},
                    user_ids=[bob.id],
                    settings=rt.settings,
                    storage=rt.storage,
                )
            with pytest.raises(Invalid):
                await schedule.update_profile(
                    session, user, {"username": "x"}, settings=rt.settings, storage=rt.storage
                )
            duplicate = [schedule.Variant("Веб", 1), schedule.Variant("веб", 2)]  # noqa: RUF001
            with pytest.raises(Invalid):
                await schedule.update_profile(
                    session, user, {"variants": duplicate}, settings=rt.settings, storage=rt.storage
                )
            with pytest.raises(Invalid):
                await schedule.update_profile(
                    session,
                    user,
                    {"variants": [schedule.Variant("A", -1)]},
                    settings=rt.settings,
                    storage=rt.storage,
                )
