from __future__ import annotations

from parley.errors import Conflict


class CannotDisableSelf(Conflict):
    code = "cannot_disable_self"
    default_message = "An administrator cannot disable their own account"
