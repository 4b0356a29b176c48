"""DiscordApi functions 1-2: user search by username, avatar upload."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from starlette.datastructures import UploadFile

from parley.deps import ImageDecodingDep, Session, SettingsDep, StorageDep
from parley.dialects.discordapi.deps import DiscordPrincipal
from parley.dialects.discordapi.errors import render
from parley.dialects.discordapi.schemas import NO_NUL, CapitalDetail, Detail, UserOut
from parley.dialects.kit import dialect_router
from parley.errors import NotFound
from parley.identity.accounts import lookup
from parley.kit.body import upload_route
from parley.kit.uploads import upload_file, upload_schema
from parley.profiles import service as profiles
from parley.profiles.schemas import UserPublic
from parley.profiles.views import public_view

router = dialect_router(render, tag="dialect: DiscordApi")


def user_out(view: UserPublic) -> UserOut:
    return UserOut(id=view.id, username=view.username, avatar_url=view.avatar_url)


@router.get(
    "/users/user/",
    response_model=UserOut,
    responses={400: {"model": Detail}, 401: {"model": Detail}, 404: {"model": Detail}},
)
async def find_user(
    username: Annotated[str, Query(max_length=64, pattern=NO_NUL)],
    _: DiscordPrincipal,
    session: Session,
    storage: StorageDep,
) -> UserOut:
    """1. The user with exactly this username (case-insensitive); 404 when nobody has it."""
    page = await profiles.search_users(session, username, prefix=False, limit=1)
    if not page.users:
        raise NotFound("User not found")
    return user_out(public_view(page.users[0], storage=storage))


@router.patch(
    "/users/upload-avatar/",
    response_model=CapitalDetail,
    response_model_by_alias=True,
    responses={400: {"model": Detail}, 401: {"model": Detail}, 413: {"model": Detail}},
    openapi_extra=upload_schema("avatar_file"),
)
@upload_route("avatar_max_bytes")
async def upload_avatar(
    principal: DiscordPrincipal,
    avatar_file: Annotated[UploadFile, upload_file("avatar_file")],
    session: Session,
    settings: SettingsDep,
    storage: StorageDep,
    image_decoding: ImageDecodingDep,
) -> CapitalDetail:
    """2. Multipart `avatar_file`: validated, re-encoded and stored (file store or S3)."""
    data = await avatar_file.read(settings.avatar_max_bytes + 1)
    user = await lookup.get_live_user(session, principal.user_id)
    await profiles.set_avatar(
        session,
        user,
        data,
        avatar_file.filename,
        settings=settings,
        storage=storage,
        image_decoding=image_decoding,
    )
    return CapitalDetail(detail="success")
