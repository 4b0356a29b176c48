"""Native wire models of two-factor enrolment and sign-in."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, model_validator


class PasskeyAnswerBody(BaseModel):
    challenge_id: str = Field(min_length=1, max_length=64, description="`passkey.challenge_id`")
    credential: dict[str, Any] = Field(description="The PublicKeyCredential as JSON")


class SecondFactorLogin(BaseModel):
    challenge: str = Field(min_length=1, max_length=64, description="From the 401 of the login")
    code: str | None = Field(
        default=None, min_length=1, max_length=32, description="A TOTP code or a recovery code"
    )
    passkey: PasskeyAnswerBody | None = Field(
        default=None, description="Or a passkey's answer to the login's `passkey.options`"
    )
    device_id: str | None = Field(default=None, max_length=128)

    @model_validator(mode="after")
    def _one_answer(self) -> SecondFactorLogin:
        if (self.code is None) == (self.passkey is None):
            raise ValueError("send either `code` or `passkey`")
        return self


class TwoFactorStatusRead(BaseModel):
    totp: bool
    passkeys: int
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
