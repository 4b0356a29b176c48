"""SQL for friendships, friend requests and blocks."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.models import Block, Channel, FriendRequest, Friendship, User


async def are_friends(session: AsyncSession, user_id: int, other_id: int) -> bool:
    found = await session.scalar(
        select(Friendship.id).where(Friendship.user_id == user_id, Friendship.friend_id == other_id)
    )
    return found is not None


async def add_friendship(session: AsyncSession, user_id: int, other_id: int) -> None:
    session.add_all(
        [
            Friendship(user_id=user_id, friend_id=other_id),
            Friendship(user_id=other_id, friend_id=user_id),
        ]
    )
    await session.flush()


async def delete_friendship(session: AsyncSession, user_id: int, other_id: int) -> bool:
    result = await session.execute(
        delete(Friendship).where(
            or_(
                and_(Friendship.user_id == user_id, Friendship.friend_id == other_id),
                and_(Friendship.user_id == other_id, Friendship.friend_id == user_id),
            )
        )
    )
    return bool(getattr(result, "rowcount", 0))


async def friend_ids(session: AsyncSession, user_id: int) -> list[int]:
    rows = await session.scalars(
        select(Friendship.friend_id).where(Friendship.user_id == user_id).order_by(Friendship.id)
    )
    return list(rows.all())


async def list_friends(
    session: AsyncSession, user_id: int, *, before: int | None, limit: int
) -> Sequence[tuple[int, User, int | None]]:
    """(cursor, friend, direct channel id or None), newest friendship first."""
    low = Channel.dm_low_id
    high = Channel.dm_high_id
    stmt = (
        select(Friendship.id, User, Channel.id)
        .join(User, User.id == Friendship.friend_id)
        .outerjoin(
            Channel,
            or_(
                and_(low == Friendship.user_id, high == Friendship.friend_id),
                and_(low == Friendship.friend_id, high == Friendship.user_id),
            ),
        )
        .where(Friendship.user_id == user_id)
        .order_by(Friendship.id.desc())
        .limit(limit)
    )
    if before is not None:
        stmt = stmt.where(Friendship.id < before)
    rows = await session.execute(stmt)
    return [(row[0], row[1], row[2]) for row in rows.all()]


async def get_request(session: AsyncSession, request_id: int) -> FriendRequest | None:
    return await session.get(FriendRequest, request_id)


async def get_request_between(
    session: AsyncSession, from_id: int, to_id: int
) -> FriendRequest | None:
    return await session.scalar(
        select(FriendRequest).where(
            FriendRequest.from_user_id == from_id, FriendRequest.to_user_id == to_id
        )
    )


async def add_request(session: AsyncSession, from_id: int, to_id: int) -> FriendRequest:
    request = FriendRequest(from_user_id=from_id, to_user_id=to_id)
    session.add(request)
    await session.flush()
    return request


async def delete_request(session: AsyncSession, request: FriendRequest) -> None:
    await session.delete(request)
    await session.flush()


async def delete_requests_between(session: AsyncSession, a: int, b: int) -> None:
    await session.execute(
        delete(FriendRequest).where(
            or_(
                and_(FriendRequest.from_user_id == a, FriendRequest.to_user_id == b),
                and_(FriendRequest.from_user_id == b, FriendRequest.to_user_id == a),
            )
        )
    )


async def list_requests(
    session: AsyncSession, user_id: int, *, incoming: bool
) -> Sequence[tuple[FriendRequest, User]]:
    own = FriendRequest.to_user_id if incoming else FriendRequest.from_user_id
    other = FriendRequest.from_user_id if incoming else FriendRequest.to_user_id
    rows = await session.execute(
        select(FriendRequest, User)
        .join(User, User.id == other)
        .where(own == user_id)
        .order_by(FriendRequest.id.desc())
        .limit(500)
    )
    return [(row[0], row[1]) for row in rows.all()]


async def is_blocked_between(session: AsyncSession, a: int, b: int) -> bool:
    found = await session.scalar(
        select(
            exists().where(
                or_(
                    and_(Block.blocker_id == a, Block.blocked_id == b),
                    and_(Block.blocker_id == b, Block.blocked_id == a),
                )
            )
        )
    )
    return bool(found)


async def get_block(session: AsyncSession, blocker_id: int, blocked_id: int) -> Block | None:
    return await session.get(Block, (blocker_id, blocked_id))


async def add_block(session: AsyncSession, blocker_id: int, blocked_id: int) -> Block:
    block = Block(blocker_id=blocker_id, blocked_id=blocked_id)
    session.add(block)
    await session.flush()
    return block


async def delete_block(session: AsyncSession, block: Block) -> None:
    await session.delete(block)
    await session.flush()


async def list_blocks(session: AsyncSession, user_id: int) -> Sequence[tuple[Block, User]]:
    rows = await session.execute(
        select(Block, User)
        .join(User, User.id == Block.blocked_id)
        .where(Block.blocker_id == user_id)
        .order_by(Block.created_at.desc())
        .limit(1000)
    )
    return [(row[0], row[1]) for row in rows.all()]


async def block_partners(session: AsyncSession, user_id: int, among: Sequence[int]) -> set[int]:
    """The users in `among` who blocked `user_id` or whom `user_id` blocked."""
    if not among:
        return set()
    rows = await session.execute(
        select(Block.blocker_id, Block.blocked_id).where(
            or_(
                and_(Block.blocker_id == user_id, Block.blocked_id.in_(among)),
                and_(Block.blocked_id == user_id, Block.blocker_id.in_(among)),
            )
        )
    )
    return {b if a == user_id else a for a, b in rows.all()}
