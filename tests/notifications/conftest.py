import pytest

from notifications.management.commands.vapid_keys import new_vapid_keys
from tests.notifications.fakes import FakePushService, FakeTwilio


@pytest.fixture
def fake_twilio(settings):
    """Texts switched on, through Twilio's client, to a local stand-in."""
    with FakeTwilio() as fake:
        fake.configure(settings)
        yield fake


@pytest.fixture
def vapid_keys() -> tuple[str, str]:
    return new_vapid_keys()


@pytest.fixture
def fake_push(settings, vapid_keys):
    """Push switched on with a fresh VAPID pair, to a local push service."""
    with FakePushService() as fake:
        private, public = vapid_keys
        fake.configure(settings, private_key=private, public_key=public)
        yield fake
