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
    wrong = login(client, users["member"], password="not the password", follow=True)
    unknown = login(client, "nobody@example.org", follow=True)
    assert wrong.status_code == unknown.status_code == 200
    assert client.get("/me").status_code == 302
    text = wrong.get_data(as_text=True)
    assert text.count("error") == unknown.get_data(as_text=True).count("error")
