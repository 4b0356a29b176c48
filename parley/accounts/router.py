"""Native account life: sign up (/v1/auth/register), export your data, delete your account."""

from __future__ import annotations

from fastapi import APIRouter

from parley.accounts import service
from parley.accounts import signup as accounts
from parley.accounts.schemas import (
    AccountDelete,
    AccountExportRead,
    ExportedChannel,
    ExportedReaction,
    ExportedSession,
)
from parley.deps import Client, LimiterDep, MailerDep, Session, SettingsDep, StorageDep
from parley.identity.accounts.deps import CurrentPrincipal, PasswordsDep
from parley.identity.sessions.schemas import RegisterRequest, UserMe
from parley.kit.openapi import responses
from parley.kit.time import utc_now
from parley.messaging.schemas import MessageRead
from parley.social.schemas import UserBrief

router = APIRouter(tags=["account"])
register_router = APIRouter(tags=["auth"])


@register_router.post(
    "/auth/register", status_code=201, response_model=UserMe, responses=responses(400, 409, 429)
)
async def register_user(
    body: RegisterRequest,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    mailer: MailerDep,
    passwords: PasswordsDep,
    client: Client,
) -> UserMe:
    """Create an account with a username, email and password."""
    profile = {"display_name": body.display_name}
    account = accounts.NewAccount(body.username, body.password, body.email, profile)
    user = await accounts.sign_up(
        session,
        account,
        client=client,
        settings=settings,
        limiter=limiter,
        mailer=mailer,
        passwords=passwords,
    )
    return UserMe.model_validate(user)


@router.get("/users/me/export", response_model=AccountExportRead, responses=responses(401))
async def export_my_data(principal: CurrentPrincipal, session: Session) -> AccountExportRead:
    """Everything Parley holds of your account, as JSON."""
    data = await service.export_data(session, principal.user_id)
    return AccountExportRead(
        exported_at=utc_now(),
        user=UserMe.model_validate(data.user),
        sessions=[ExportedSession.model_validate(s) for s in data.sessions],
        friends=[UserBrief.model_validate(u) for u in data.friends],
        blocked=[UserBrief.model_validate(u) for u in data.blocked],
        channels=[
            ExportedChannel(
                id=channel.id,
                kind=channel.kind,
                name=channel.name,
                encrypted=channel.encrypted,
                joined_at=member.joined_at,
                last_read_message_id=member.last_read_message_id,
            )
            for channel, member in data.channels
        ],
        messages=[MessageRead.model_validate(m) for m in data.messages],
        reactions=[ExportedReaction.model_validate(r) for r in data.reactions],
    )


@router.delete("/users/me", status_code=204, responses=responses(400, 401, 429))
async def delete_my_account(
    body: AccountDelete,
    principal: CurrentPrincipal,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    storage: StorageDep,
    passwords: PasswordsDep,
) -> None:
    """Delete your account (your password confirms): sessions revoked, profile erased,
    messages left as tombstones."""
    await service.delete_account(
        session,
        principal.user_id,
        body.password,
        settings=settings,
        limiter=limiter,
        storage=storage,
        passwords=passwords,
    )
