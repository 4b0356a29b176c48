"""Ids are 64-bit: larger numbers are a validation error (422), never a database error."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import Field

MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
CursorId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
