"""DiscordApi wire models, field names as the seed spells them."""

from __future__ import annotations

from functools import partial
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, EmailStr, Field, computed_field

from parley.dialects.kit import error_responses
from parley.kit.ids import Id

# Text that reaches the database: PostgreSQL refuses NUL characters, so they are a 422 here.
NO_NUL = r"^[^\x00]*$"


class Detail(BaseModel):
    detail: str


class CapitalDetail(BaseModel):
    """The avatar upload answers `{"Detail": "success"}` (capital D, as in the seed)."""

    model_config = ConfigDict(populate_by_name=True)

    detail: str = Field(serialization_alias="Detail", validation_alias="Detail")


class RegisterBody(BaseModel):
    """The original's limits (`CreateUserSchemas`): breaking one is FastAPI's 422."""

    username: str = Field(min_length=4, max_length=20)
    email: EmailStr = Field(max_length=320)
    description: str | None = Field(default=None, max_length=190, pattern=NO_NUL)
    status: str | None = Field(default=None, max_length=30, pattern=NO_NUL)
    password: str = Field(max_length=255)


class LoginBody(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=256)
    client_fingerprint: str = Field(min_length=1, max_length=128, pattern=NO_NUL)


class ConfirmBody(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=256)
    confirmation_code: str = Field(max_length=16)


class Token(BaseModel):
    token: str
    type: Literal["Bearer"] = "Bearer"


class SealedToken(BaseModel):
    token: str


class UserOut(BaseModel):
    id: int
    username: str
    avatar_url: str | None


class StartChatBody(BaseModel):
    recipient_id: Id


class ChatId(BaseModel):
    chat_id: int


class ChatRef(BaseModel):
    id: int


class MessageOut(BaseModel):
    id: int
    text: str | None
    answer: int | None
    chat_id: int
    message_owner: UserOut | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def message_answer_id(self) -> int | None:
        """The same as `answer`, under the original's name."""
        return self.answer


class ChatInfo(BaseModel):
    id: int
    chat_starter: UserOut
    chat_recipient: UserOut


class AddMessageBody(BaseModel):
    text: str = Field(max_length=4000)
    answer: Id | None = Field(
        default=None, validation_alias=AliasChoices("answer", "message_answer_id")
    )


errors = partial(error_responses, Detail)


class YandexUrl(BaseModel):
    yandex_url: str
