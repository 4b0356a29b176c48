"""Passkeys (WebAuthn, py_webauthn): registration and passwordless sign-in."""
