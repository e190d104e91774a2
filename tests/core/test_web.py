"""Headers, cookies, error pages and the language switch."""
from tests.conftest import login


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "<script>" not in response.get_data(as_text=True)  # no inline script


def test_session_cookie_is_httponly_samesite_and_secure_when_configured(app_factory, users):
    app = app_factory(SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    response = login(client, users["member"])
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_member_pages_are_not_cached_by_shared_caches(client, users):
    login(client, users["member"])
    assert "no-store" in client.get("/me").headers["Cache-Control"]


def test_custom_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert 'class="error-page"' in response.get_data(as_text=True)


def test_custom_405_page_lists_allowed_methods(client):
    response = client.delete("/")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert 'class="error-page"' in response.get_data(as_text=True)


def test_unhandled_error_gives_custom_500_page(app):
    from core.permissions import public

    @app.route("/__boom")
    @public
    def boom():
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/__boom")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert 'class="error-page"' in text and "RuntimeError" not in text


def test_csrf_failure_gives_custom_400_page(app_factory):
    client = app_factory(WTF_CSRF_ENABLED=True).test_client()
    response = client.post("/login", data={"email": "a@b.cn", "password": "x"})
    assert response.status_code == 400
    assert 'class="error-page"' in response.get_data(as_text=True)


def test_language_switch_changes_the_interface_language(client):
    chinese = client.get("/").get_data(as_text=True)
    assert 'lang="zh-CN"' in chinese
    response = client.post("/language", data={"lang": "en", "next": "/"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    english = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in english and "Sign in" in english


def test_language_switch_refuses_unknown_language_and_foreign_redirects(client):
    response = client.post("/language", data={"lang": "xx", "next": "//evil.example/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert 'lang="zh-CN"' in client.get("/").get_data(as_text=True)
