"""Spam measures: honeypot, the signed challenge (answer, speed, age), the rate limit."""
import time

from core.extensions import db
from plugins.partner_recruitment import spam
from plugins.partner_recruitment.models import Application
from tests.plugins.partner_recruitment.conftest import answer_of, good_values, make_programme, with_challenge

URL = "/partners/city-partners/apply"


def count():
    return db.session.scalar(db.select(db.func.count(Application.id)))


def test_the_honeypot_refuses(app, client, world):
    data = with_challenge(app, good_values())
    data[spam.HONEYPOT] = "http://spam.example"
    assert client.post(URL, data=data).status_code == 400
    assert count() == 0


def test_a_wrong_or_missing_answer_is_refused(app, client, world):
    data = with_challenge(app, good_values())
    data["challenge_answer"] = str(int(data["challenge_answer"]) + 1)
    response = client.post(URL, data=data)
    assert response.status_code == 400 and "The answer to the question is not right." in response.get_data(as_text=True)
    data.pop("challenge_token")
    assert client.post(URL, data=data).status_code == 400
    assert count() == 0


def test_a_forged_token_is_refused(app, client, world):
    data = with_challenge(app, good_values())
    data["challenge_token"] = data["challenge_token"][:-2] + "xx"
    assert client.post(URL, data=data).status_code == 400
    assert count() == 0


def test_too_fast_and_too_old_are_refused(app_factory):
    app = app_factory(PARTNER_RECRUITMENT_MIN_SECONDS=3)
    with app.test_request_context():
        issued = int(time.time())
        token, question = spam.new_challenge(now=issued)
        form = {"challenge_token": token, "challenge_answer": answer_of(question)}
        assert "very fast" in spam.refusal(form, now=issued + 1)
        assert "expired" in spam.refusal(form, now=issued + spam.MAX_AGE + 1)
        assert spam.refusal(form, now=issued + 5) is None
        db.session.rollback()


def test_the_rate_limit_stops_a_flood(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, PARTNER_RECRUITMENT_RATE_LIMIT="2 per hour")
    with app.app_context():
        make_programme()
        client = app.test_client()
        codes = [client.post(URL, data=with_challenge(app, good_values())).status_code for _ in range(3)]
        assert codes == [302, 302, 429]
        assert count() == 2
        assert client.get(URL).status_code == 200  # reading the form is not limited
        db.session.remove()


def test_the_form_page_is_never_cached(app, client, world):
    first = client.get(URL).get_data(as_text=True)
    second = client.get(URL).get_data(as_text=True)
    token = lambda text: text.split('name="challenge_token" value="')[1].split('"')[0]  # noqa: E731
    assert token(first) != token(second)


def test_a_wrong_answer_also_shows_the_field_errors(app, client, world):
    data = with_challenge(app, good_values(**{"f-mobile": "123"}))
    data["challenge_answer"] = "-1"
    text = client.post(URL, data=data).get_data(as_text=True)
    assert "The answer to the question is not right." in text
    assert "Enter an 11-digit mainland mobile number starting with 1." in text
    assert count() == 0


def test_the_token_does_not_reveal_the_numbers(app, monkeypatch):
    from itsdangerous import URLSafeSerializer

    monkeypatch.setattr(spam.secrets, "randbelow", lambda _n: 6)  # 7 plus 7
    with app.test_request_context():
        token, question = spam.new_challenge(now=1_700_000_000)
        _valid, payload = URLSafeSerializer("any key").loads_unsafe(token)  # what anyone can read
    assert question == "What is 7 plus 7?"
    assert 1_700_000_000 in payload
    assert not {7, 14, "7", "14"} & {item for item in payload if not isinstance(item, list)}


def test_a_replayed_token_is_refused_and_the_form_kept(app, client, world):
    data = with_challenge(app, good_values(**{"f-organisation": "Replay Co."}))
    assert client.post(URL, data=data).status_code == 302
    response = client.post(URL, data=data)
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "This form has already been sent." in text
    assert 'value="Replay Co."' in text  # nothing typed is lost
    assert f'value="{data["challenge_token"]}"' not in text  # a new question comes with it
    assert count() == 1


def test_a_double_submit_creates_one_application(app, world):
    data = with_challenge(app, good_values())
    codes = [app.test_client().post(URL, data=data).status_code for _ in range(2)]
    assert sorted(codes) == [302, 400]
    assert count() == 1


def test_used_nonces_are_forgotten_after_max_age(app, world):
    from datetime import timedelta

    from core.users.models import utcnow
    from plugins.partner_recruitment.models import UsedChallenge

    db.session.add(UsedChallenge(nonce="old", used_at=utcnow() - timedelta(seconds=spam.MAX_AGE + 60)))
    db.session.commit()
    assert app.test_client().post(URL, data=with_challenge(app, good_values())).status_code == 302
    assert db.session.scalars(db.select(UsedChallenge.nonce)).all() != ["old"]
    assert db.session.scalar(db.select(UsedChallenge).where(UsedChallenge.nonce == "old")) is None
