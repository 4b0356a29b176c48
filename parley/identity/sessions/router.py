"""Native sign-in and sessions: /v1/auth, /v1/sessions, /v1/users/me (sign-up is in
`parley.accounts.router`, above the domains it calls)."""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Request, Response

from parley.deps import Client, LimiterDep, MailerDep, Session, SettingsDep
from parley.errors import Unauthorized
from parley.identity.accounts import service
from parley.identity.accounts.deps import CurrentPrincipal, CurrentUser, PasswordsDep
from parley.identity.devices import login as device_login
from parley.identity.sessions import service as session_service
from parley.identity.sessions.deps import SignerDep
from parley.identity.sessions.schemas import (
    ChangePasswordRequest,
    LoginRequest,
    RefreshRequest,
    RevokedCount,
    SessionRead,
    TokenPair,
    UserMe,
)
from parley.identity.sessions.service import IssuedTokens
from parley.kit.bearer import extract_token
from parley.kit.ids import PathId
from parley.kit.openapi import responses
from parley.kit.time import clock

router = APIRouter(tags=["auth"])


def token_pair(issued: IssuedTokens) -> TokenPair:
    return TokenPair(
        access_token=issued.access_token,
        expires_in=max(0, int(issued.expires_at - clock.timestamp())),
        refresh_token=issued.refresh_token,
        session_id=issued.session.id,
        user=UserMe.model_validate(issued.user),
    )


@router.post("/auth/login", response_model=TokenPair, responses=responses(401, 403, 429))
async def login_user(
    body: LoginRequest,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    mailer: MailerDep,
    passwords: PasswordsDep,
    signer: SignerDep,
    client: Client,
) -> TokenPair:
    """Sign in with a username or email and a password; opens a session. From a device the
    account has not proven yet: 403 `device_verification_required` with a `challenge`, and
    a code is mailed (finish at `POST /v1/auth/login/verify`)."""
    client = replace(client, device_id=body.device_id)
    issued = await device_login.sign_in(
        session,
        body.login,
        body.password,
        client,
        settings=settings,
        limiter=limiter,
        mailer=mailer,
        passwords=passwords,
        signer=signer,
    )
    return token_pair(issued)


@router.post("/auth/refresh", response_model=TokenPair, responses=responses(401, 409))
async def refresh_tokens(
    body: RefreshRequest, session: Session, settings: SettingsDep, signer: SignerDep, client: Client
) -> TokenPair:
    """Trade a refresh token for a new pair; the old refresh token is spent."""
    return token_pair(
        await session_service.refresh(
            session,
            refresh_token=body.refresh_token,
            client=client,
            settings=settings,
            signer=signer,
        )
    )


@router.post("/auth/logout", status_code=204, responses=responses(401))
async def logout_user(principal: CurrentPrincipal, session: Session) -> None:
    """Revoke the current session."""
    await session_service.logout(session, principal)


@router.post("/auth/change-password", status_code=204, responses=responses(400, 401, 429))
async def change_password(
    body: ChangePasswordRequest,
    principal: CurrentPrincipal,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    passwords: PasswordsDep,
    client: Client,
) -> None:
    """Change the password; every other session is revoked."""
    await service.change_password(
        session,
        principal,
        body.old_password,
        body.new_password,
        client,
        settings=settings,
        limiter=limiter,
        passwords=passwords,
    )


@router.get(
    "/auth/validate",
    status_code=200,
    response_class=Response,  # no body either way: the answer is the status and headers
    responses={
        200: {"description": "Valid; identity in X-User-Id / X-Session-Id"},
        401: {"description": "Missing, invalid or revoked token"},
    },
)
async def validate_token(request: Request) -> Response:
    """For nginx `auth_request`: 200 with X-User-Id and X-Session-Id, or 401."""
    token = extract_token(request.headers.get("authorization"), request.cookies.get("jwt"))
    if not token:
        return Response(status_code=401)
    try:
        principal = await request.app.state.runtime.auth.authenticate(token)
    except Unauthorized:
        return Response(status_code=401)
    return Response(
        status_code=200,
        headers={"X-User-Id": str(principal.user_id), "X-Session-Id": str(principal.session_id)},
    )


@router.get("/sessions", response_model=list[SessionRead], responses=responses(401))
async def list_sessions(principal: CurrentPrincipal, session: Session) -> list[SessionRead]:
    """The caller's live sessions, most recently used first."""
    rows = await session_service.list_sessions(session, principal.user_id)
    return [
        SessionRead.model_validate(row).model_copy(
            update={"current": row.id == principal.session_id}
        )
        for row in rows
    ]


@router.delete("/sessions", response_model=RevokedCount, responses=responses(401))
async def revoke_other_sessions(principal: CurrentPrincipal, session: Session) -> RevokedCount:
    """Revoke every session except the current one."""
    return RevokedCount(revoked=await session_service.revoke_other_sessions(session, principal))


@router.delete("/sessions/{session_id}", status_code=204, responses=responses(401, 404))
async def revoke_session(session_id: PathId, principal: CurrentPrincipal, session: Session) -> None:
    """Revoke one of the caller's sessions."""
    await session_service.revoke_session(session, principal, session_id)


@router.get("/users/me", response_model=UserMe, responses=responses(401))
async def read_me(user: CurrentUser) -> UserMe:
    """The signed-in account."""
    return UserMe.model_validate(user)
