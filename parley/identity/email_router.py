"""Native verified email change: /v1/users/me/email and the links mailed by it."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from parley.deps import Client, RuntimeDep, Session
from parley.errors import ParleyError
from parley.identity import email_change
from parley.identity.deps import CurrentPrincipal, CurrentUser
from parley.identity.device_router import message_page
from parley.identity.device_schemas import CodeRequest, LinkToken, Revoked
from parley.identity.email_schemas import EmailChangeRead, EmailChangeRequest
from parley.identity.schemas import UserMe
from parley.kit.openapi import responses

router = APIRouter(tags=["email change"])


@router.post(
    "/users/me/email", response_model=EmailChangeRead, responses=responses(400, 401, 403, 409, 429)
)
async def change_my_email(
    body: EmailChangeRequest,
    principal: CurrentPrincipal,
    user: CurrentUser,
    session: Session,
    rt: RuntimeDep,
    client: Client,
) -> EmailChangeRead:
    """Set or change the email (a code goes to the new address; it replaces the old one only
    when confirmed) or remove it (null). Needs `current_password`."""
    result = await email_change.request_change(
        session,
        rt,
        principal,
        user,
        email=body.email,
        current_password=body.current_password,
        client=client,
    )
    return EmailChangeRead(
        status=result.status,
        pending_email=result.pending_email,
        expires_in=result.expires_in,
    )


@router.post("/users/me/email/confirm", response_model=UserMe, responses=responses(400, 401, 409))
async def confirm_my_email(
    body: CodeRequest, user: CurrentUser, session: Session, rt: RuntimeDep
) -> UserMe:
    """Confirm the new address with the code mailed to it."""
    return UserMe.model_validate(await email_change.confirm_by_code(session, rt, user, body.code))


@router.post("/auth/email-change/confirm", response_model=UserMe, responses=responses(400, 409))
async def confirm_email_change(body: LinkToken, session: Session, rt: RuntimeDep) -> UserMe:
    """Confirm the new address with the link's token (no sign-in needed)."""
    return UserMe.model_validate(await email_change.confirm_by_link(session, rt, body.token))


@router.get("/auth/email-change/confirm", response_class=HTMLResponse, responses=responses(400))
async def confirm_email_change_link(token: str, session: Session, rt: RuntimeDep) -> HTMLResponse:
    """One click from the confirmation mail (same as the POST)."""
    try:
        await email_change.confirm_by_link(session, rt, token[:128])
    except ParleyError as exc:
        return message_page(exc.status, "This link is invalid, expired or already used.")
    return message_page(200, "Your new email address is confirmed.")


@router.post("/auth/email-change/revert", response_model=Revoked, responses=responses(400))
async def revert_email_change(body: LinkToken, session: Session) -> Revoked:
    """The old address's "this wasn't me" link: restore it and revoke every session."""
    return Revoked(revoked=await email_change.revert(session, token=body.token))


@router.get("/auth/email-change/revert", response_class=HTMLResponse, responses=responses(400))
async def revert_email_change_link(token: str, session: Session) -> HTMLResponse:
    """One click from the email-changed notice (same as the POST)."""
    try:
        revoked = await email_change.revert(session, token=token[:128])
    except ParleyError as exc:
        return message_page(exc.status, "This link is invalid, expired or already used.")
    return message_page(
        200,
        f"Done: your address is restored and {revoked} session(s) were signed out. "
        "Reset your password now.",
    )
