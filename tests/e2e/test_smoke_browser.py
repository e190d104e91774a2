import pytest

pytestmark = pytest.mark.e2e


def test_home_page_in_chromium_loads_without_csp_violations(live_server, page):
    base_url, _app = live_server
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(base_url + "/")
    assert page.locator("a.brand").inner_text() == "深圳市质量协会"
    assert problems == []
