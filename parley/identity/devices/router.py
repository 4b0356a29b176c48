"""Native device trust: /v1/devices, sign-in codes and mailed approvals under /v1/auth/…"""

from __future__ import annotations

from dataclasses import replace
from html import escape
from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse

from parley.deps import Client, LimiterDep, MailerDep, Session, SettingsDep
from parley.errors import ParleyError
from parley.identity.accounts.deps import CurrentPrincipal
from parley.identity.devices import approvals
from parley.identity.devices import login as device_login
from parley.identity.devices import service as devices
from parley.identity.devices.schemas import (
    DeviceRead,
    LinkToken,
    LoginVerifyRequest,
    Revoked,
)
from parley.identity.sessions.deps import SignerDep
from parley.identity.sessions.router import token_pair
from parley.identity.sessions.schemas import TokenPair
from parley.identity.twofactor.errors import WrongSecondFactor
from parley.kit.ids import PathId
from parley.kit.openapi import responses

router = APIRouter(tags=["devices"])


@router.post("/auth/login/verify", response_model=TokenPair, responses=responses(400, 403, 429))
async def verify_login(
    body: LoginVerifyRequest,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    mailer: MailerDep,
    signer: SignerDep,
    client: Client,
) -> TokenPair:
    """Finish a sign-in from a new device with the emailed code; the device becomes known."""
    client = replace(client, device_id=body.device_id)
    issued = await device_login.verify_login(
        session,
        challenge=body.challenge,
        code=body.code,
        client=client,
        settings=settings,
        limiter=limiter,
        mailer=mailer,
        signer=signer,
    )
    return token_pair(issued)


@router.get(
    approvals.APPROVE_PATH.removeprefix("/v1"),
    response_class=HTMLResponse,
    responses=responses(400),
)
async def approve_sign_in_page(
    session: Session,
    token: str = Query(max_length=128, pattern=r"^[A-Za-z0-9_\-]+$"),
) -> HTMLResponse:
    """The link from the approval mail: a button that approves (mail scanners that fetch
    links do not approve anything); for an account with a second factor, with a field for
    the TOTP or a recovery code."""
    try:
        second_factor = await approvals.asks_second_factor(session, token)
    except ParleyError as exc:
        return message_page(exc.status, "This link is invalid, expired or already used.")
    return approval_form(token, second_factor)


def approval_form(token: str, second_factor: bool, error: str | None = None) -> HTMLResponse:
    field = (
        "<p><label>Code from your authenticator app, or a recovery code "
        "<input name=code autocomplete=one-time-code required maxlength=64></label></p>"
        if second_factor
        else ""
    )
    alert = f"<p role=alert>{escape(error)}</p>" if error else ""
    return HTMLResponse(
        "<!doctype html><meta charset=utf-8><title>Parley: approve sign-in</title>"
        f'<form method=post><input type=hidden name=token value="{escape(token)}">'
        f"<p>Approve the sign-in this mail is about?</p>{alert}{field}"
        "<button>Approve</button></form>",
        status_code=400 if error else 200,
    )


@router.post(
    approvals.APPROVE_PATH.removeprefix("/v1"),
    response_class=HTMLResponse,
    responses=responses(400),
)
async def approve_sign_in(
    token: Annotated[str, Form(max_length=128)],
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    code: Annotated[str | None, Form(max_length=64)] = None,
) -> HTMLResponse:
    """Approve the sign-in from the mail: the same client may now sign in once, within the
    code lifetime. A wrong second-factor code shows the form again (tries are counted)."""
    try:
        surface = await approvals.approve(
            session, token, second_factor_code=code, settings=settings, limiter=limiter
        )
    except WrongSecondFactor as exc:
        return approval_form(token, True, exc.message)
    except ParleyError as exc:
        return message_page(exc.status, "This link is invalid, expired or already used.")
    name = approvals.SURFACE_NAMES.get(surface, "your app")
    minutes = settings.code_ttl_seconds // 60
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


def message_page(status: int, text: str) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><meta charset=utf-8><title>Parley</title><p>{escape(text)}</p>",
        status_code=status,
    )
