"""The core's route walks (access declared, CSRF demanded, no 500 for malformed input, roles
turned away) again with brand_stories on and a final with sessions, slots and entries present
(ids 1 and up), so that the sample URLs reach real objects."""
import pytest

from tests.core.test_access import (  # noqa: F401  (collected here with this folder's fixtures)
    check_malformed_urls,
    test_every_endpoint_declares_its_access,
    test_every_permission_route_refuses_roles_without_that_permission,
    test_every_protected_route_turns_away_anonymous_visitors,
    test_malformed_posts_never_produce_a_server_error,
    test_state_changing_form_routes_refuse_requests_without_csrf_token,
)


@pytest.fixture(autouse=True)
def final_present(world):
    assert world.final.id == 1 and world.speech.id == 1


@pytest.mark.parametrize("role", [None, "member", "admin"])
def test_malformed_urls_never_produce_a_server_error(app, users, role):
    """The plugin's own routes only: the core's are walked in tests/core/test_access.py."""
    check_malformed_urls(app, users, role, endpoint_prefix="brand_stories")
