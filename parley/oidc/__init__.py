"""Parley as an OpenID Connect provider for its apps (Authlib's server components)."""
