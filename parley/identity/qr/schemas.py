"""Native wire models for QR-code sign-in."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class QrTicketInfo(BaseModel):
    """What the phone shows before approving."""

    model_config = ConfigDict(from_attributes=True)

    status: str
    ip: str | None
    country: str | None
    user_agent: str | None
    created_at: datetime
    expires_at: datetime


class ApproveRequest(BaseModel):
    check_code: str = Field(min_length=1, max_length=16)


class ConfirmRequest(BaseModel):
    code: str = Field(min_length=1, max_length=12)


class QrApproval(BaseModel):
    status: str = Field(description="`approved`, or `code_required` (a code was mailed)")
    sent_to: str | None = None


class ExchangeRequest(BaseModel):
    ticket: str = Field(min_length=1, max_length=64)
    exchange_code: str = Field(min_length=1, max_length=64)
    device_id: str | None = Field(default=None, max_length=128)
