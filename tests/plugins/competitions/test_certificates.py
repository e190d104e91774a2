"""Certificates: a PDF per awarded entry for its organisation's members and managers, nobody else."""
import pytest

from core.extensions import db
from plugins.competitions import results as service
from plugins.competitions.models import SpecialAwardWinner
from tests.conftest import login
from tests.plugins.competitions.test_results import add_entry, client_for, close_judging, score, scored_world


@pytest.fixture
def published(world):
    entries = scored_world(world)
    world.competition.title = "2021年质量创新与技术成果交流"
    world.competition.special_awards[0].holders.append(SpecialAwardWinner(entry=entries["a2"]))
    world.competition.tiers[-1].quota = 0  # a3 and b3 get no tier
    db.session.commit()
    close_judging(world)
    service.publish(world.competition, world.manager)
    db.session.commit()
    world.extra.update(entries)
    return world


def cert_url(world, entry):
    return f"/competitions/{world.competition.slug}/certificates/{entry.id}.pdf"


def test_member_of_the_organisation_gets_the_certificate(client, published):
    login(client, published.members[0])
    response = client.get(cert_url(published, published.extra["a1"]))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.get_data().startswith(b"%PDF")
    assert b"STSong-Light" in response.get_data()


def pages(pdf):
    return pdf.count(b"/Type /Page\n")


def test_one_page_per_award(client, published):
    login(client, published.manager)
    single = client.get(cert_url(published, published.extra["a2"])).get_data()
    assert single.startswith(b"%PDF") and pages(single) == 2  # its tier and the special award
    everything = client.get(f"/admin/competitions/{published.competition.id}/results/certificates.pdf")
    assert everything.status_code == 200 and everything.get_data().startswith(b"%PDF")
    # Four tier awards (two per category, the last tier is full) plus one special award: five pages.
    assert pages(everything.get_data()) == 5


def test_refused_for_others(app, published):
    a1, a3 = published.extra["a1"], published.extra["a3"]
    assert client_for(app, None).get(cert_url(published, a1)).status_code == 302  # anonymous: sign in first
    for user in (published.members[1], published.judges[1], published.screener):
        assert client_for(app, user).get(cert_url(published, a1)).status_code == 404
    client = client_for(app, published.members[2])
    assert client.get(cert_url(published, a3)).status_code == 404  # no award, even for its own member
    assert client.get(f"/competitions/{published.competition.slug}/certificates/{2**40}.pdf").status_code == 404
    assert client.get(f"/admin/competitions/{published.competition.id}/results/certificates.pdf").status_code == 403
    assert client_for(app, published.manager).get(cert_url(published, a1)).status_code == 200


def test_no_certificate_before_publication(client, world):
    entries = scored_world(world)
    login(client, world.manager)
    assert client.get(cert_url(world, entries["a1"])).status_code == 404
    assert client.get(f"/admin/competitions/{world.competition.id}/results/certificates.pdf").status_code == 404
    # An unscored, unpublished entry of the member's own organisation: nothing either.
    lonely = add_entry(world, "Lonely")
    score(world, lonely, world.judges[1], 5, submitted=False)
    assert client_for(client.application, world.members[0]).get(cert_url(world, lonely)).status_code == 404
