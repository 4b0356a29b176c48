"""Schedule account API (seed 002): `account/…` paths, camelCase bodies, bare tokens.

Tokens arrive in `Authorization`, bare (as the seed shows) or as `Bearer X`. Sign-in makes a
refreshable session (`POST /account/refresh`, or the Android client's
`GET /refreshToken?refreshToken=…`, rotates it; a reused refresh token revokes it).
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import Query

from parley.deps import (
    Client,
    Session,
    SettingsDep,
    StorageDep,
)
from parley.dialects.kit import dialect_router, error_responses
from parley.dialects.schedule.errors import render
from parley.dialects.schedule.schemas import (
    AuthBody,
    Credentials,
    DataVersions,
    ErrorBody,
    Profile,
    ProfileUpdate,
    RefreshBody,
    Tokens,
    VariantItem,
)
from parley.identity.accounts.deps import CurrentUser
from parley.identity.sessions import service as sessions
from parley.identity.sessions.deps import SignerDep
from parley.identity.sessions.service import IssuedTokens
from parley.kit.ids import MAX_ID
from parley.profiles import service as profiles
from parley.providers import router as provider_routes
from parley.providers import service as provider_service
from parley.providers.deps import ProviderSignInDep
from parley.schedule import service as schedule

router = dialect_router(render, tag="dialect: Schedule")

PREFIX = "/account"
UserIdQuery = Annotated[int | None, Query(alias="userId", ge=1, le=MAX_ID)]
# Schedule field -> schedule service field
CHANGES = {
    "bio": "bio",
    "fullName": "full_name",
    "contacts": "contacts",
    "role": "role",
    "publicProfile": "public_profile",
}
CONTACTS = ("tg", "vk")  # always in the profile (null when unset): the client reads both


errors = partial(error_responses, ErrorBody)


def tokens(issued: IssuedTokens) -> Tokens:
    return Tokens(accessToken=issued.access_token, refreshToken=issued.refresh_token or "")


def profile_of(found: schedule.ScheduleProfile) -> Profile:
    user = found.user
    return Profile(
        id=user.id,
        bio=user.bio or "",
        fullName=found.full_name,
        avatarUrl=found.avatar_url,
        role=found.role,
        contacts={**dict.fromkeys(CONTACTS), **(user.contacts or {})},
        variants=[
            VariantItem(subjectName=v.subject_name, variant=v.variant) for v in found.variants
        ],
        publicProfile=found.public_profile,
    )


_auth_errors = errors(400, 403, 404, 429, 502, 504)


@router.post("/auth", response_model=Credentials, responses=_auth_errors, include_in_schema=False)
@router.post(f"{PREFIX}/auth", response_model=Credentials, responses=_auth_errors)
async def authenticate(
    body: AuthBody,
    session: Session,
    using: ProviderSignInDep,
    client: Client,
) -> Credentials:
    """account/auth (also `/auth`, the Android client's path): VK ID, Google or a Telegram
    bot code → an access and refresh token and the user's id."""
    external = body.externalUserId
    issued = await provider_service.schedule_auth(
        session,
        auth_method=body.authMethod,
        id_token=body.idToken,
        external_user_id=str(external) if external is not None else None,
        full_name=body.fullName,
        avatar_url=body.avatarUrl,
        client=client,
        using=using,
    )
    return Credentials(**tokens(issued).model_dump(), userId=issued.user.id)


# The bot's webhook: the native endpoint itself (`/start <idToken>` keeps the code for five
# minutes), answering refusals in Schedule's style.
router.add_api_route(
    f"{PREFIX}/telegram/webhook",
    provider_routes.telegram_webhook,
    methods=["POST"],
    responses=errors(400, 403),
)


@router.post(f"{PREFIX}/refresh", response_model=Tokens, responses=errors(400, 401))
async def refresh_tokens(
    body: RefreshBody, session: Session, settings: SettingsDep, signer: SignerDep, client: Client
) -> Tokens:
    """Rotate the refresh token (undocumented in the seed): a new pair."""
    issued = await sessions.refresh(
        session, refresh_token=body.refreshToken, client=client, settings=settings, signer=signer
    )
    return tokens(issued)


@router.get("/refreshToken", response_model=Tokens, responses=errors(400, 401))
async def refresh_tokens_by_query(
    refresh_token: Annotated[str, Query(alias="refreshToken", min_length=1, max_length=512)],
    session: Session,
    settings: SettingsDep,
    signer: SignerDep,
    client: Client,
) -> Tokens:
    """The Android client's refresh call: the same rotation as `POST /account/refresh`."""
    return await refresh_tokens(
        RefreshBody(refreshToken=refresh_token), session, settings, signer, client
    )


@router.get(f"{PREFIX}/profile", response_model=Profile, responses=errors(400, 401, 404))
async def read_profile(
    user: CurrentUser,
    session: Session,
    settings: SettingsDep,
    storage: StorageDep,
    user_id: UserIdQuery = None,
) -> Profile:
    """account/profile?userId=: anyone's profile; without `userId`, the caller's."""
    found = await schedule.get_profile(
        session, user_id or user.id, settings=settings, storage=storage
    )
    return profile_of(found)


@router.put(f"{PREFIX}/profile", response_model=Profile, responses=errors(400, 401, 403, 413))
async def update_profile(
    body: ProfileUpdate,
    user: CurrentUser,
    session: Session,
    settings: SettingsDep,
    storage: StorageDep,
    user_id: UserIdQuery = None,
) -> Profile:
    """Change the caller's bio, fullName, contacts and variants (undocumented in the seed)."""
    given = body.model_fields_set
    changes: dict[str, Any] = {CHANGES[k]: getattr(body, k) for k in CHANGES if k in given}
    if changes.get("contacts") is not None:  # `"vk": null` is no vk contact
        changes["contacts"] = {k: v for k, v in changes["contacts"].items() if v is not None}
    if changes.get("public_profile", False) is None:
        changes.pop("public_profile")
    if "variants" in given:
        changes["variants"] = [
            schedule.Variant(item.subjectName, item.variant) for item in body.variants or []
        ]
    if changes.get("role") is None:
        changes.pop("role", None)  # `"role": null` asks for no change
    named = [i for i in (user_id, body.id) if i is not None]
    found = await schedule.update_profile(
        session, user, changes, user_ids=named, settings=settings, storage=storage
    )
    return profile_of(found)


@router.get(f"{PREFIX}/dataVersions", response_model=DataVersions, responses=errors(401))
async def read_data_versions(user: CurrentUser, session: Session) -> DataVersions:
    """account/dataVersions: the schedule's version and the caller's profile version."""
    versions = await profiles.data_versions(session, user)
    return DataVersions(
        scheduleVersion=versions.schedule_version, profileVersion=versions.profile_version
    )
