from __future__ import annotations

from parley.errors import Forbidden


class RoleChangeForbidden(Forbidden):
    """Users cannot give themselves DEV or AWARDED; a super app sets the role."""

    code = "role_change_forbidden"
    default_message = "The role is set by the Schedule app's administrators"


class NotYourProfile(Forbidden):
    code = "not_your_profile"
    default_message = "Only the profile's owner may change it"
