from __future__ import annotations

from parley.errors import Conflict, Forbidden, Invalid, NotFound, TooLarge, Unauthorized


class InvalidAppToken(Unauthorized):
    code = "invalid_app_token"
    default_message = "Missing or unknown x-app-token"


class SuperAppRequired(Forbidden):
    code = "super_app_required"
    default_message = "This needs a super app token"


class AdminRequired(Forbidden):
    code = "admin_required"
    default_message = "This needs the admin role or a super app token"


class RoleNotFound(NotFound):
    code = "role_not_found"
    default_message = "No such role"


class AppNotFound(NotFound):
    code = "app_not_found"
    default_message = "No such app"


class RoleExists(Conflict):
    code = "role_exists"
    default_message = "This role already exists"


class AppExists(Conflict):
    code = "app_exists"
    default_message = "An app with this URL already exists"


class InvalidRoleName(Invalid):
    code = "invalid_role_name"
    default_message = "Role names are 1-64 printable characters"


class InvalidAppUrl(Invalid):
    code = "invalid_app_url"
    default_message = "App URLs are 1-500 characters without spaces"


class PayloadTooLarge(TooLarge):
    code = "payload_too_large"
    default_message = "The app payload is too large"
