"""The Schedule dialect signs in through the fake providers: reuse their fixtures."""

from tests.providers.conftest import (  # noqa: F401 - fixtures
    fakes,
    google_app,
    own_google,
    pclient,
    provider_app,
    rt,
    slow_app,
    slow_client,
)
