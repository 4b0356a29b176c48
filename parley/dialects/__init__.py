"""Dialects: the four seed contracts served at their own paths over the same services."""

from __future__ import annotations

import importlib

from fastapi import FastAPI

from parley.settings import Settings

# dialect name (PARLEY_DIALECTS) -> module with a `router`
AVAILABLE = {
    "discordapi": "parley.dialects.discordapi.router",
    "goncord": "parley.dialects.goncord.router",
    "whisper": "parley.dialects.whisper.router",
    "schedule": "parley.dialects.schedule.router",
}


def mount_dialects(app: FastAPI, settings: Settings) -> list[str]:
    for name in settings.dialect_list:
        app.include_router(importlib.import_module(AVAILABLE[name]).router)
    return settings.dialect_list
