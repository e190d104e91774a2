"""The public results API: listed competitions, published results matching the page, OpenAPI-valid."""
import json
import re

from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from core.extensions import db
from plugins.competitions import results as service
from plugins.competitions.models import SpecialAwardWinner
from tests.plugins.competitions.test_results import client_for, close_judging, scored_world


def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))


def assert_valid(doc, path, data, status="200"):
    schema = doc["paths"][path]["get"]["responses"][status]["content"]["application/json"]["schema"]
    OAS30Validator({**schema, "components": doc["components"]}).validate(data)


def publish(world, **settings):
    entries = scored_world(world)
    world.competition.special_awards[0].holders.append(SpecialAwardWinner(entry=entries["b2"]))
    for key, value in settings.items():
        setattr(world.competition, key, value)
    db.session.commit()
    close_judging(world)
    service.publish(world.competition, world.manager)
    db.session.commit()
    return entries


def test_list_of_competitions(client, world):
    doc = document(client)
    validate(doc)
    response = client.get("/api/v1/competitions")
    assert response.status_code == 200
    data = response.get_json()
    assert_valid(doc, "/api/v1/competitions", data)
    [item] = data["items"]
    assert item["slug"] == "exchange-2021" and item["year"] == 2021 and item["results_published"] is False
    kinds = [stage["kind"] for stage in item["stages"]]
    assert kinds == ["submission", "screening", "judging", "results"]
    opens = item["stages"][0]["opens_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", opens)
    world.competition.listed = False
    db.session.commit()
    assert client.get("/api/v1/competitions").get_json() == {"items": []}


def test_results_match_the_page_and_the_document(client, world):
    publish(world)
    response = client.get("/api/v1/competitions/exchange-2021/results")
    assert response.status_code == 200
    data = response.get_json()
    doc = document(client)
    assert_valid(doc, "/api/v1/competitions/{slug}/results", data)
    assert [category["name"] for category in data["categories"]] == ["Six Sigma", "Lean management"]
    first = data["categories"][0]["results"]
    assert [(r["title"], r["rank"], r["tier"], r["recommended_onward"]) for r in first] == [
        ("Project a1", 1, "Exemplary", True), ("Project a2", 2, "Professional", False),
        ("Project a3", 3, "Improvement", False)]
    assert "final_score" not in first[0]
    assert data["special_awards"] == [{"name": "Best on-site presentation", "winners": [
        {"category": "Lean management", "number": "LM-005", "organisation": "Nanshan Logistics",
         "title": "Project b2"}]}]
    # The page lists the same entries, in the same order.
    page = client.get("/competitions/exchange-2021/results").get_data(as_text=True)
    titles = [r["title"] for category in data["categories"] for r in category["results"]]
    positions = [page.index(f"<td>{title}</td>") for title in titles]
    assert positions == sorted(positions)


def test_scores_only_when_shared(client, world):
    publish(world, share_scores=True)
    data = client.get("/api/v1/competitions/exchange-2021/results").get_json()
    assert data["categories"][0]["results"][0]["final_score"] == 8.5
    assert_valid(document(client), "/api/v1/competitions/{slug}/results", data)


def test_unknown_unlisted_or_unpublished_is_a_json_404(app, world):
    client = client_for(app, None)
    for slug in ("exchange-2021", "nothing"):
        response = client.get(f"/api/v1/competitions/{slug}/results")
        assert response.status_code == 404
        assert response.get_json()["error"]["status"] == 404
    publish(world)
    world.competition.listed = False
    db.session.commit()
    assert client.get("/api/v1/competitions/exchange-2021/results").status_code == 404
    # The same for every role: the API is public and read-only.
    world.competition.listed = True
    db.session.commit()
    for user in (None, world.members[0], world.judges[1], world.screener, world.manager):
        assert client_for(app, user).get("/api/v1/competitions/exchange-2021/results").status_code == 200
