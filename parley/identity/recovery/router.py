"""Native email verification, password reset and verified email change: /v1/auth/email/…,
/v1/auth/password-reset…, /v1/users/me/email and the links mailed by them."""

from __future__ import annotations

import json

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from parley.deps import Client, DatabaseDep, LimiterDep, MailerDep, Session, SettingsDep
from parley.errors import ParleyError
from parley.identity.accounts.deps import CurrentPrincipal, CurrentUser, PasswordsDep
from parley.identity.devices.router import message_page
from parley.identity.devices.schemas import (
    Accepted,
    CodeRequest,
    EmailRequest,
    LinkToken,
    PasswordResetConfirm,
    Revoked,
)
from parley.identity.recovery import email_change
from parley.identity.recovery import service as recovery
from parley.identity.recovery.schemas import EmailChangeRead, EmailChangeRequest
from parley.identity.sessions.schemas import UserMe
from parley.kit.headers import csp_with_script_nonce
from parley.kit.openapi import responses
from parley.kit.secrets import new_token

router = APIRouter(tags=["recovery"])


@router.post(
    "/users/me/email", response_model=EmailChangeRead, responses=responses(400, 401, 403, 409, 429)
)
async def change_my_email(
    body: EmailChangeRequest,
    principal: CurrentPrincipal,
    user: CurrentUser,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    mailer: MailerDep,
    passwords: PasswordsDep,
    client: Client,
) -> EmailChangeRead:
    """Set or change the email (a code goes to the new address; it replaces the old one only
    when confirmed) or remove it (null). Needs `current_password`."""
    result = await email_change.request_change(
        session,
        principal,
        user,
        email=body.email,
        current_password=body.current_password,
        client=client,
        settings=settings,
        limiter=limiter,
        mailer=mailer,
        passwords=passwords,
    )
    return EmailChangeRead(
        status=result.status,
        pending_email=result.pending_email,
        expires_in=result.expires_in,
    )


@router.post("/users/me/email/confirm", response_model=UserMe, responses=responses(400, 401, 409))
async def confirm_my_email(
    body: CodeRequest,
    user: CurrentUser,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    mailer: MailerDep,
) -> UserMe:
    """Confirm the new address with the code mailed to it."""
    return UserMe.model_validate(
        await email_change.confirm_by_code(
            session, user, body.code, settings=settings, limiter=limiter, mailer=mailer
        )
    )


@router.post("/auth/email-change/confirm", response_model=UserMe, responses=responses(400, 409))
async def confirm_email_change(
    body: LinkToken, session: Session, settings: SettingsDep, limiter: LimiterDep, mailer: MailerDep
) -> UserMe:
    """Confirm the new address with the link's token (no sign-in needed)."""
    return UserMe.model_validate(
        await email_change.confirm_by_link(
            session, body.token, settings=settings, limiter=limiter, mailer=mailer
        )
    )


@router.get("/auth/email-change/confirm", response_class=HTMLResponse, responses=responses(400))
async def confirm_email_change_link(
    token: str, session: Session, settings: SettingsDep, limiter: LimiterDep, mailer: MailerDep
) -> HTMLResponse:
    """One click from the confirmation mail (same as the POST)."""
    try:
        await email_change.confirm_by_link(
            session, token[:128], settings=settings, limiter=limiter, mailer=mailer
        )
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


@router.post("/auth/email/verify", response_model=UserMe, responses=responses(400, 401))
async def verify_email(
    body: CodeRequest, user: CurrentUser, session: Session, settings: SettingsDep
) -> UserMe:
    """Confirm the account's email with the mailed code."""
    return UserMe.model_validate(
        await recovery.verify_email_code(session, user, body.code, settings=settings)
    )


@router.post("/auth/email/verify/link", status_code=204, responses=responses(400))
async def verify_email_by_link(body: LinkToken, session: Session) -> None:
    """The token from the verification mail's link (the web client's `/verify?token=`)."""
    await recovery.verify_email_link(session, body.token)


@router.get("/auth/email/verify", response_class=HTMLResponse, responses=responses(400))
async def verify_email_link(token: str, session: Session) -> HTMLResponse:
    """The link of verification mails sent before they linked to the web client."""
    try:
        await recovery.verify_email_link(session, token[:128])
    except ParleyError as exc:
        return message_page(exc.status, "This link is invalid, expired or already used.")
    return message_page(200, "Your email address is confirmed.")


@router.post(
    "/auth/email/verify/resend",
    status_code=202,
    response_model=Accepted,
    responses=responses(401, 429),
)
async def resend_email_verification(
    user: CurrentUser,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    mailer: MailerDep,
) -> Accepted:
    """Mail a new verification code and link (nothing happens once verified)."""
    await recovery.send_email_verification(
        session, user, settings=settings, limiter=limiter, mailer=mailer
    )
    return Accepted(detail="If the address still needs confirming, a new code is on its way")


@router.post(
    "/auth/password-reset", status_code=202, response_model=Accepted, responses=responses(429)
)
async def request_password_reset(
    body: EmailRequest,
    session: Session,
    settings: SettingsDep,
    db: DatabaseDep,
    limiter: LimiterDep,
    mailer: MailerDep,
    client: Client,
) -> Accepted:
    """Mail a reset code and link; the answer is the same whether or not the email is known."""
    await recovery.request_password_reset(
        session,
        email=body.email,
        client=client,
        settings=settings,
        db=db,
        limiter=limiter,
        mailer=mailer,
    )
    return Accepted(detail="If this address is registered, a code is on its way")


@router.get("/auth/password-reset", response_class=HTMLResponse)
async def password_reset_page(
    token: str = Query(max_length=128, pattern=r"^[A-Za-z0-9_\-]+$"),
) -> HTMLResponse:
    """The link of reset mails sent before they linked to the web client's `/reset?token=`:
    a form that posts the token and the new password."""
    nonce = new_token(16)  # the one inline script this page may run (its own CSP)
    return HTMLResponse(
        "<!doctype html><meta charset=utf-8><title>Parley: new password</title>"
        "<form id=f><label>New password <input type=password name=p minlength=8 required>"
        f"</label> <button>Set password</button></form><p id=m></p><script nonce={nonce}>"
        "f.onsubmit=async e=>{e.preventDefault();const r=await fetch("
        "'password-reset/confirm',{method:'POST',headers:{'content-type':'application/json'},"
        f"body:JSON.stringify({{token:{json.dumps(token)},new_password:f.p.value}})}});"
        "m.textContent=r.ok?'Your password is changed; every session was signed out.':"
        "'This link is invalid, expired or already used.'}</script>",
        headers={"Content-Security-Policy": csp_with_script_nonce(nonce)},
    )


@router.post("/auth/password-reset/confirm", status_code=204, responses=responses(400, 429))
async def confirm_password_reset(
    body: PasswordResetConfirm,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    passwords: PasswordsDep,
    client: Client,
) -> None:
    """Set a new password with the link token, or with the email and the code; every session
    is revoked."""
    await recovery.reset_password(
        session,
        new_password=body.new_password,
        client=client,
        token=body.token,
        email=body.email,
        code=body.code,
        settings=settings,
        limiter=limiter,
        passwords=passwords,
    )
