"""Native moderation: reporting messages, and the admin routes under /v1/admin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from parley.access.deps import Admin
from parley.deps import Session
from parley.identity.accounts.deps import CurrentPrincipal
from parley.kit.ids import CursorId, PathId
from parley.kit.openapi import responses
from parley.messaging.schemas import MessageRead
from parley.moderation import service
from parley.moderation.schemas import (
    ReportCreate,
    ReportCreated,
    ReportRead,
    ReportsPage,
)
from parley.social.schemas import UserBrief

router = APIRouter(tags=["moderation"])
admin = APIRouter(prefix="/admin", tags=["moderation admin"], dependencies=[Admin])


@router.post(
    "/channels/{channel_id}/messages/{message_id:int}/reports",
    status_code=201,
    response_model=ReportCreated,
    responses=responses(400, 401, 404, 409),
)
async def report_message(
    channel_id: PathId,
    message_id: PathId,
    body: ReportCreate,
    principal: CurrentPrincipal,
    session: Session,
) -> ReportCreated:
    """Report a message of one of your channels to the administrators (once)."""
    report = await service.report_message(
        session, principal.user_id, channel_id, message_id, body.reason
    )
    return ReportCreated(
        id=report.id, message_id=message_id, reason=report.reason, created_at=report.created_at
    )


@admin.get("/reports", response_model=ReportsPage, responses=responses(401, 403))
async def list_reports(
    session: Session,
    before: CursorId = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> ReportsPage:
    """Reported messages, newest report first (admin)."""
    page = await service.list_reports(session, before=before, limit=limit)
    return ReportsPage(
        items=[
            ReportRead(
                id=view.report.id,
                reason=view.report.reason,
                created_at=view.report.created_at,
                reporter=UserBrief.model_validate(view.reporter),
                message=MessageRead.model_validate(view.message),
            )
            for view in page.items
        ],
        next_cursor=page.next_cursor,
    )
