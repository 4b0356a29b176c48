"""The message writer (batched sends) as a dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from parley.messaging.writer import MessageWriter


async def get_message_writer(conn: HTTPConnection) -> MessageWriter:
    writer: MessageWriter = conn.app.state.runtime.messages
    return writer


MessagesDep = Annotated[MessageWriter, Depends(get_message_writer)]
