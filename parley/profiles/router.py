"""Native profiles: user search and public view, /v1/users/me edits and avatar, data versions."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from starlette.datastructures import UploadFile

from parley.access.deps import SuperApp
from parley.deps import (
    Client,
    ImageDecodingDep,
    LimiterDep,
    MailerDep,
    Session,
    SettingsDep,
    StorageDep,
)
from parley.identity.accounts import lookup
from parley.identity.accounts.deps import CurrentPrincipal, CurrentUser, PasswordsDep
from parley.identity.recovery.schemas import EmailChangeRead
from parley.kit.body import upload_route
from parley.kit.ids import PathId
from parley.kit.openapi import responses
from parley.kit.uploads import upload_file, upload_schema
from parley.profiles import service
from parley.profiles.errors import AvatarTooLarge
from parley.profiles.schemas import (
    DataVersionsRead,
    ProfileMe,
    ProfileUpdate,
    ProfileUpdated,
    ScheduleVersion,
    UserPage,
    UserPublic,
)
from parley.profiles.views import my_view, public_view

router = APIRouter(tags=["profiles"])


@router.get("/users", response_model=UserPage, responses=responses(400, 401))
async def search_users(
    user: CurrentUser,
    session: Session,
    storage: StorageDep,
    username: Annotated[str, Query(min_length=1, max_length=32)],
    match: Literal["prefix", "exact"] = "prefix",
    after: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> UserPage:
    """Users by username, case-insensitively: exact or prefix match, paged by username."""
    del user
    page = await service.search_users(
        session, username, prefix=match == "prefix", after=after, limit=limit
    )
    return UserPage(
        items=[public_view(u, storage=storage) for u in page.users], next_after=page.next_after
    )


@router.get("/users/me/profile", response_model=ProfileMe, responses=responses(401))
async def read_my_profile(user: CurrentUser, storage: StorageDep) -> ProfileMe:
    """The caller's full profile, with avatar URLs and profile version."""
    return my_view(user, storage=storage)


@router.patch(
    "/users/me", response_model=ProfileUpdated, responses=responses(400, 401, 403, 409, 429)
)
async def update_my_profile(
    body: ProfileUpdate,
    principal: CurrentPrincipal,
    user: CurrentUser,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    mailer: MailerDep,
    storage: StorageDep,
    passwords: PasswordsDep,
    client: Client,
) -> ProfileUpdated:
    """Change profile fields (absent fields stay; null clears). The username and email need
    `current_password`; a new email is only pending until confirmed (`email_change`)."""
    changes = body.model_dump(exclude_unset=True, exclude={"current_password"})
    result = await service.update_account(
        session,
        principal,
        user,
        changes,
        current_password=body.current_password,
        client=client,
        settings=settings,
        limiter=limiter,
        mailer=mailer,
        passwords=passwords,
    )
    pending = result.email_change
    return ProfileUpdated(
        **my_view(result.user, storage=storage).model_dump(),
        email_change=EmailChangeRead(
            status=pending.status,
            pending_email=pending.pending_email,
            expires_in=pending.expires_in,
        )
        if pending
        else None,
    )


@router.put(
    "/users/me/avatar",
    response_model=ProfileMe,
    responses=responses(400, 401, 413),
    openapi_extra=upload_schema("file", "PNG, JPEG, WebP or GIF"),
)
@upload_route("avatar_max_bytes")
async def upload_my_avatar(
    user: CurrentUser,
    file: Annotated[UploadFile, upload_file("file")],
    session: Session,
    settings: SettingsDep,
    storage: StorageDep,
    image_decoding: ImageDecodingDep,
) -> ProfileMe:
    """Set the avatar from an uploaded image (re-encoded, metadata stripped, with a thumbnail)."""
    limit = settings.avatar_max_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise AvatarTooLarge(f"Avatars are at most {limit} bytes")
    user = await service.set_avatar(
        session,
        user,
        data,
        file.filename,
        settings=settings,
        storage=storage,
        image_decoding=image_decoding,
    )
    return my_view(user, storage=storage)


@router.delete("/users/me/avatar", response_model=ProfileMe, responses=responses(401))
async def delete_my_avatar(user: CurrentUser, session: Session, storage: StorageDep) -> ProfileMe:
    """Remove the avatar and its files."""
    return my_view(await service.delete_avatar(session, user, storage=storage), storage=storage)


@router.get("/users/{user_id}", response_model=UserPublic, responses=responses(401, 404))
async def read_user(
    user_id: PathId, user: CurrentUser, session: Session, storage: StorageDep
) -> UserPublic:
    """A user's public profile."""
    del user
    return public_view(await lookup.get_live_user(session, user_id), storage=storage)


@router.get("/data-versions", response_model=DataVersionsRead, responses=responses(401))
async def read_data_versions(user: CurrentUser, session: Session) -> DataVersionsRead:
    """The caller's profile version and the global schedule version."""
    versions = await service.data_versions(session, user)
    return DataVersionsRead(
        profile_version=versions.profile_version, schedule_version=versions.schedule_version
    )


@router.post(
    "/data-versions/schedule/bump", response_model=ScheduleVersion, responses=responses(401, 403)
)
async def bump_schedule_version(app: SuperApp, session: Session) -> ScheduleVersion:
    """Raise the schedule version (super app)."""
    del app
    return ScheduleVersion(schedule_version=await service.bump_schedule_version(session))
