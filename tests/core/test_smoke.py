from tests.conftest import login


def test_home_page_renders(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "深圳市质量协会" in response.get_data(as_text=True)


def test_member_signs_in_and_sees_dashboard(client, users):
    response = login(client, users["member"])
    assert response.status_code == 302
    page = client.get("/me")
    assert page.status_code == 200


def test_wrong_password_is_refused_without_telling_which_part(client, users):
    import re

    def flashed(response):
        return re.findall(r'<div class="flash flash-error"[^>]*>(.*?)</div>', response.get_data(as_text=True))

    wrong = login(client, users["member"], password="not the password", follow=True)
    unknown = login(client, "nobody@example.org", follow=True)
    assert wrong.status_code == unknown.status_code == 200
    assert flashed(wrong) and flashed(wrong) == flashed(unknown)
    assert client.get("/me").status_code == 302
