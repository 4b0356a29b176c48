"""Native device trust, email verification and password reset: /v1/devices, /v1/auth/…"""

from __future__ import annotations

import json
from dataclasses import replace
from html import escape
from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse

from parley.deps import Client, RuntimeDep, Session
from parley.errors import ParleyError
from parley.identity import approvals, devices, recovery
from parley.identity.deps import CurrentPrincipal, CurrentUser
from parley.identity.device_schemas import (
    Accepted,
    CodeRequest,
    DeviceRead,
    EmailRequest,
    LinkToken,
    LoginVerifyRequest,
    PasswordResetConfirm,
    Revoked,
)
from parley.identity.router import token_pair
from parley.identity.schemas import TokenPair, UserMe
from parley.kit.headers import csp_with_script_nonce
from parley.kit.ids import PathId
from parley.kit.openapi import responses
from parley.kit.secrets import new_token

router = APIRouter(tags=["devices"])


@router.post("/auth/login/verify", response_model=TokenPair, responses=responses(400, 403, 429))
async def verify_login(
    body: LoginVerifyRequest, session: Session, rt: RuntimeDep, client: Client
) -> TokenPair:
    """Finish a sign-in from a new device with the emailed code; the device becomes known."""
    client = replace(client, device_id=body.device_id)
    issued = await devices.verify_login(
        session, rt, challenge=body.challenge, code=body.code, client=client
    )
    return token_pair(issued)


@router.get(approvals.APPROVE_PATH.removeprefix("/v1"), response_class=HTMLResponse)
async def approve_sign_in_page(
    token: str = Query(max_length=128, pattern=r"^[A-Za-z0-9_\-]+$"),
) -> HTMLResponse:
    """The link from the approval mail: a button that approves (mail scanners that fetch
    links do not approve anything)."""
    return HTMLResponse(
        "<!doctype html><meta charset=utf-8><title>Parley: approve sign-in</title>"
        f'<form method=post><input type=hidden name=token value="{escape(token)}">'
        "<p>Approve the sign-in this mail is about?</p><button>Approve</button></form>"
    )


@router.post(
    approvals.APPROVE_PATH.removeprefix("/v1"),
    response_class=HTMLResponse,
    responses=responses(400),
)
async def approve_sign_in(
    token: Annotated[str, Form(max_length=128)], session: Session, rt: RuntimeDep
) -> HTMLResponse:
    """Approve the sign-in from the mail: the same client may now sign in once, within the
    code lifetime."""
    try:
        surface = await approvals.approve(session, rt, token)
    except ParleyError as exc:
        return message_page(exc.status, "This link is invalid, expired or already used.")
    name = approvals.SURFACE_NAMES.get(surface, "your app")
    minutes = rt.settings.code_ttl_seconds // 60
    return message_page(200, f"Approved. Sign in again from {name} within {minutes} minutes.")


@router.get("/devices", response_model=list[DeviceRead], responses=responses(401))
async def list_devices(principal: CurrentPrincipal, session: Session) -> list[DeviceRead]:
    """The caller's known devices, most recently seen first."""
    rows = await devices.list_devices(session, principal.user_id)
    return [DeviceRead.model_validate(row) for row in rows]


@router.delete("/devices/{device_pk}", status_code=204, responses=responses(401, 404))
async def forget_device(device_pk: PathId, principal: CurrentPrincipal, session: Session) -> None:
    """Forget a known device: its next sign-in needs an emailed code again."""
    await devices.forget_device(session, principal.user_id, device_pk)


@router.post("/auth/not-me", response_model=Revoked, responses=responses(400))
async def disown_sign_in(body: LinkToken, session: Session) -> Revoked:
    """The "this wasn't me" link: revoke every session and forget the device."""
    return Revoked(revoked=await devices.not_me(session, token=body.token))


@router.get("/auth/not-me", response_class=HTMLResponse, responses=responses(400))
async def disown_sign_in_link(token: str, session: Session) -> HTMLResponse:
    """The link of new-sign-in mails sent before they linked to the web client's
    `/wasnt-me/{token}` (same as the POST)."""
    try:
        revoked = await devices.not_me(session, token=token[:128])
    except ParleyError as exc:
        return message_page(exc.status, "This link is invalid, expired or already used.")
    return message_page(
        200,
        f"Done: {revoked} session(s) were signed out and the device was forgotten. "
        "Change your password now.",
    )


@router.post("/auth/email/verify", response_model=UserMe, responses=responses(400, 401))
async def verify_email(
    body: CodeRequest, user: CurrentUser, session: Session, rt: RuntimeDep
) -> UserMe:
    """Confirm the account's email with the mailed code."""
    return UserMe.model_validate(await recovery.verify_email_code(session, rt, user, body.code))


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
    user: CurrentUser, session: Session, rt: RuntimeDep
) -> Accepted:
    """Mail a new verification code and link (nothing happens once verified)."""
    await recovery.send_email_verification(session, rt, user)
    return Accepted(detail="If the address still needs confirming, a new code is on its way")


@router.post(
    "/auth/password-reset", status_code=202, response_model=Accepted, responses=responses(429)
)
async def request_password_reset(
    body: EmailRequest, session: Session, rt: RuntimeDep, client: Client
) -> Accepted:
    """Mail a reset code and link; the answer is the same whether or not the email is known."""
    await recovery.request_password_reset(session, rt, email=body.email, client=client)
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
    body: PasswordResetConfirm, session: Session, rt: RuntimeDep, client: Client
) -> None:
    """Set a new password with the link token, or with the email and the code; every session
    is revoked."""
    await recovery.reset_password(
        session,
        rt,
        new_password=body.new_password,
        client=client,
        token=body.token,
        email=body.email,
        code=body.code,
    )


def message_page(status: int, text: str) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><meta charset=utf-8><title>Parley</title><p>{escape(text)}</p>",
        status_code=status,
    )
