"""Dialects: the four seed contracts served at their own paths over the same services."""

from __future__ import annotations

import importlib
import logging

from fastapi import FastAPI

from parley.settings import Settings

log = logging.getLogger("parley.dialects")

# dialect name -> module with a `router`
AVAILABLE = {
    "discordapi": "parley.dialects.discordapi.router",
    "goncord": "parley.dialects.goncord.router",
    "schedule": "parley.dialects.schedule.router",
}


def mount_dialects(app: FastAPI, settings: Settings) -> list[str]:
    mounted = []
    for name in settings.dialect_list:
        module_name = AVAILABLE.get(name)
        if module_name is None:
            log.warning("dialect not available in this build", extra={"dialect": name})
            continue
        app.include_router(importlib.import_module(module_name).router)
        mounted.append(name)
    return mounted
