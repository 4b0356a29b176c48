"""Cross-contract tests sign in through the fake providers too: reuse their fixtures."""

from tests.providers.conftest import fakes, provider_app  # noqa: F401 - fixtures
