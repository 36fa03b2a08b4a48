import pytest


@pytest.fixture
def admin(make_api):
    """An administrator's API client."""
    return make_api("admin")
