"""Errors of OpenID Connect client registration and the authorize step."""

from __future__ import annotations

from parley.errors import Conflict, Invalid, NotFound


class InvalidRedirectUri(Invalid):
    code = "invalid_redirect_uri"
    default_message = (
        "Redirect URIs are absolute https URIs (http only on localhost or a loopback address)"
        " or a native app's private-use scheme, with no fragment"
    )


class ClientExists(Conflict):
    code = "oidc_client_exists"
    default_message = "This app is already an OpenID Connect client"


class ClientNotFound(NotFound):
    code = "oidc_client_not_found"
    default_message = "This app is not an OpenID Connect client"


class PublicClient(Invalid):
    code = "public_client"
    default_message = "Public clients have no secret"


class AuthorizationRefused(Invalid):
    """The authorization request itself is bad (unknown client, unregistered redirect URI):
    there is nowhere safe to send the browser, so it is answered here."""

    code = "invalid_authorization_request"
    default_message = "Invalid authorization request"
