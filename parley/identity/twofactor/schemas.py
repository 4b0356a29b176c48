"""Native wire models of two-factor enrolment and sign-in."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SecondFactorLogin(BaseModel):
    challenge: str = Field(min_length=1, max_length=64, description="From the 401 of the login")
    code: str = Field(min_length=1, max_length=32, description="A TOTP code or a recovery code")
    device_id: str | None = Field(default=None, max_length=128)


class TwoFactorStatusRead(BaseModel):
    totp: bool
    recovery_codes_left: int


class TotpEnrolment(BaseModel):
    secret: str = Field(description="Base32, for typing into an authenticator app")
    otpauth_uri: str
    qr_png: str = Field(description="The otpauth URI as a QR code: a data:image/png URI")


class TotpCode(BaseModel):
    code: str = Field(min_length=1, max_length=16)


class PasswordCheck(BaseModel):
    password: str = Field(min_length=1, max_length=256)


class RecoveryCodes(BaseModel):
    recovery_codes: list[str] = Field(description="Each works once; shown only now")
