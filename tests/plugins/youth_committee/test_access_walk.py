"""The core's route walks (access declared, CSRF demanded, no 500 for malformed input, roles
turned away) run again with the committee plugin on, its demo loaded and an event with id 1."""
import pytest

from plugins.youth_committee import demo
from tests.core.test_access import (  # noqa: F401  (collected here with this folder's fixtures)
    check_malformed_urls,
    test_every_endpoint_declares_its_access,
    test_every_permission_route_refuses_roles_without_that_permission,
    test_every_protected_route_turns_away_anonymous_visitors,
    test_malformed_posts_never_produce_a_server_error,
    test_state_changing_form_routes_refuse_requests_without_csrf_token,
)


@pytest.fixture(autouse=True)
def demo_present(app):
    demo.load()


@pytest.mark.parametrize("role", [None, "member", "admin"])
def test_malformed_urls_never_produce_a_server_error(app, users, role):
    check_malformed_urls(app, users, role, endpoint_prefix="youth_committee")
