"""DiscordApi (seed 000): the Discord-like API's paths, shapes and status codes."""

from __future__ import annotations

from fastapi import APIRouter, Response

from parley.accounts import signup as accounts
from parley.deps import Client, LimiterDep, MailerDep, Session, SettingsDep
from parley.dialects.discordapi import auth, private, qr_socket, users, yandex
from parley.dialects.discordapi.deps import Country, GatewayPrincipal
from parley.dialects.discordapi.errors import render
from parley.dialects.discordapi.schemas import Detail, RegisterBody
from parley.dialects.kit import dialect_router
from parley.errors import Invalid
from parley.identity.accounts.deps import PasswordsDep

core = dialect_router(render, tag="dialect: DiscordApi")

SUCCESS = Detail(detail="success")


@core.post("/auth/register/", response_model=Detail, responses={400: {"model": Detail}})
async def register(
    body: RegisterBody,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    mailer: MailerDep,
    passwords: PasswordsDep,
    client: Client,
    country: Country,
) -> Detail:
    """4. Register: country from X-Forwarded-For (GeoIP), else from Accept-Language."""
    if country is None:
        raise Invalid("Could not determine the country: send X-Forwarded-For or Accept-Language")
    profile = {"bio": body.description, "status": body.status, "country": country}
    account = accounts.NewAccount(body.username, body.password, body.email, profile)
    await accounts.sign_up(
        session,
        account,
        client=client,
        settings=settings,
        limiter=limiter,
        mailer=mailer,
        passwords=passwords,
    )
    return SUCCESS


@core.get("/gateway/get-token/", response_model=Detail, responses={403: {"model": Detail}})
async def gateway_check(principal: GatewayPrincipal, response: Response) -> Detail:
    """7. Token check for the nginx gateway (`auth_request`): 200 or 403."""
    response.headers["X-User-Id"] = str(principal.user_id)
    response.headers["X-Session-Id"] = str(principal.session_id)
    return SUCCESS


# The dialect as mounted: each part keeps its route class (both slash forms, seed errors).
router = APIRouter()
for part in (core, users.router, auth.router, yandex.router, private.router, qr_socket.router):
    router.include_router(part)
