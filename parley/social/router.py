"""Native friends, friend requests and blocks: /v1/friends, /v1/friend-requests, /v1/blocks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from parley.deps import Session
from parley.identity.accounts.deps import CurrentPrincipal
from parley.kit.ids import CursorId, PathId
from parley.kit.openapi import responses
from parley.social import service
from parley.social.schemas import (
    BlockCreate,
    BlockRead,
    FriendAdd,
    FriendRead,
    FriendRequestCreate,
    FriendRequestRead,
    FriendRequestResult,
    FriendsPage,
    UserBrief,
)
from parley.social.service import PendingRequest

router = APIRouter(tags=["social"])


def request_read(pending: PendingRequest) -> FriendRequestRead:
    return FriendRequestRead(
        id=pending.request.id,
        user=UserBrief.model_validate(pending.user),
        incoming=pending.incoming,
        created_at=pending.request.created_at,
    )


@router.get("/friends", response_model=FriendsPage, responses=responses(401))
async def list_friends(
    principal: CurrentPrincipal,
    session: Session,
    before: CursorId = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> FriendsPage:
    """The caller's friends, newest first, with the direct channel id when there is one."""
    page = await service.list_friends(session, principal.user_id, before=before, limit=limit)
    return FriendsPage(
        items=[
            FriendRead(user=UserBrief.model_validate(e.user), channel_id=e.channel_id)
            for e in page.items
        ],
        next_cursor=page.next_cursor,
    )


@router.post(
    "/friends",
    status_code=201,
    response_model=FriendRequestResult,
    responses=responses(400, 401, 403, 404, 409),
)
async def add_friend(
    body: FriendAdd, principal: CurrentPrincipal, session: Session
) -> FriendRequestResult:
    """Ask someone to be friends: a friend request they accept or decline (no friendship
    without their consent); if they already asked you, you become friends."""
    return await send_friend_request(FriendRequestCreate(user_id=body.user_id), principal, session)


@router.delete("/friends/{user_id}", status_code=204, responses=responses(401, 404))
async def remove_friend(user_id: PathId, principal: CurrentPrincipal, session: Session) -> None:
    """End a friendship (for both)."""
    await service.remove_friend(session, principal.user_id, user_id, missing_ok=False)


@router.get("/friend-requests", response_model=list[FriendRequestRead], responses=responses(401))
async def list_friend_requests(
    principal: CurrentPrincipal, session: Session
) -> list[FriendRequestRead]:
    """Pending requests, incoming and outgoing."""
    return [request_read(p) for p in await service.list_requests(session, principal.user_id)]


@router.post(
    "/friend-requests",
    status_code=201,
    response_model=FriendRequestResult,
    responses=responses(400, 401, 403, 404, 409),
)
async def send_friend_request(
    body: FriendRequestCreate, principal: CurrentPrincipal, session: Session
) -> FriendRequestResult:
    """Ask someone to be friends; if they already asked you, you become friends."""
    pending = await service.send_request(session, principal.user_id, body.user_id)
    return FriendRequestResult(
        request=request_read(pending) if pending else None, friends=pending is None
    )


@router.post(
    "/friend-requests/{request_id}/accept",
    response_model=UserBrief,
    responses=responses(401, 404, 409),
)
async def accept_friend_request(
    request_id: PathId, principal: CurrentPrincipal, session: Session
) -> UserBrief:
    """Accept an incoming request."""
    return UserBrief.model_validate(
        await service.accept_request(session, principal.user_id, request_id)
    )


@router.delete("/friend-requests/{request_id}", status_code=204, responses=responses(401, 404))
async def delete_friend_request(
    request_id: PathId, principal: CurrentPrincipal, session: Session
) -> None:
    """Decline an incoming request or cancel an outgoing one."""
    await service.decline_request(session, principal.user_id, request_id)


@router.get("/blocks", response_model=list[BlockRead], responses=responses(401))
async def list_blocks(principal: CurrentPrincipal, session: Session) -> list[BlockRead]:
    """Users the caller blocked."""
    return [
        BlockRead(user=UserBrief.model_validate(user), created_at=block.created_at)
        for block, user in await service.list_blocks(session, principal.user_id)
    ]


@router.post(
    "/blocks", status_code=201, response_model=UserBrief, responses=responses(400, 401, 404, 409)
)
async def block_user(body: BlockCreate, principal: CurrentPrincipal, session: Session) -> UserBrief:
    """Block a user: ends the friendship; they can no longer reach you."""
    return UserBrief.model_validate(
        await service.block_user(session, principal.user_id, body.user_id)
    )


@router.delete("/blocks/{user_id}", status_code=204, responses=responses(401, 404))
async def unblock_user(user_id: PathId, principal: CurrentPrincipal, session: Session) -> None:
    """Lift a block."""
    await service.unblock_user(session, principal.user_id, user_id)
