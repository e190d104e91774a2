"""Admin organisations page: tiers, create/edit with a unique name, members, confirmed deletion."""
import pytest

from core.audit import AuditEntry
from core.extensions import db
from core.users.models import Membership, Organisation, OrganisationTier, User
from tests.core.test_admin_access import signed_in

HUAWEI = "华为技术有限公司"


@pytest.fixture
def admin(app, users):
    return signed_in(app, users["admin"])


@pytest.fixture
def huawei(app):
    org = Organisation(name=HUAWEI, short_name="华为", tier=OrganisationTier.vice_president)
    db.session.add(org)
    db.session.commit()
    return org


def form(**fields):
    data = {"name": "深圳市某精密制造有限公司", "short_name": "精密制造", "tier": "member",
            "website": "https://precision.example", "description": "", "active": "y"}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def count():
    return db.session.scalar(db.select(db.func.count()).select_from(Organisation))


def test_admin_creates_an_organisation(admin):
    response = admin.post("/admin/organisations/new", data=form(tier="standing_council"))
    assert response.status_code == 302
    org = db.session.scalar(db.select(Organisation))
    assert org.name == "深圳市某精密制造有限公司"
    assert org.tier is OrganisationTier.standing_council
    assert org.website == "https://precision.example" and org.active is True
    assert response.headers["Location"].endswith(f"/admin/organisations/{org.id}")


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"name": HUAWEI}, "An organisation with this name already exists."),
        ({"name": "  "}, "This field is required."),
        ({"tier": "gold"}, "Not a valid choice"),
        ({"website": "javascript:alert(1)"}, "Enter a full address starting with https://"),
        ({"name": "x" * 201}, "Field cannot be longer than 200 characters."),
    ],
)
def test_bad_organisation_input_re_renders_and_saves_nothing(admin, huawei, fields, message):
    response = admin.post("/admin/organisations/new", data=form(**fields))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count() == 1


def test_renaming_to_a_taken_name_is_refused(admin, huawei):
    other = Organisation(name="中兴通讯股份有限公司")
    db.session.add(other)
    db.session.commit()
    response = admin.post(f"/admin/organisations/{other.id}", data=form(name=HUAWEI))
    assert "An organisation with this name already exists." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Organisation, other.id).name == "中兴通讯股份有限公司"


def test_editing_keeps_its_own_name_and_changes_the_rest(admin, huawei):
    response = admin.post(f"/admin/organisations/{huawei.id}", data=form(name=HUAWEI, tier="council", active=None))
    assert response.status_code == 302
    db.session.expire_all()
    org = db.session.get(Organisation, huawei.id)
    assert org.tier is OrganisationTier.council and org.active is False


def test_list_filters_by_tier(admin, huawei):
    db.session.add(Organisation(name="深圳市某环境服务集团有限公司", tier=OrganisationTier.council))
    db.session.commit()
    vice = admin.get("/admin/organisations?tier=vice_president").get_data(as_text=True)
    assert HUAWEI in vice and "环境服务" not in vice
    everything = admin.get("/admin/organisations?tier=nonsense").get_data(as_text=True)
    assert HUAWEI in everything and "环境服务" in everything


def test_members_are_added_by_email_flagged_and_removed(admin, users, huawei):
    member = users["member"]
    url = f"/admin/organisations/{huawei.id}/members"
    assert admin.post(url, data={"email": "MEMBER@example.org", "is_admin": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Membership, (member.id, huawei.id)).is_admin is True
    page = admin.get(f"/admin/organisations/{huawei.id}").get_data(as_text=True)
    assert "member@example.org" in page

    admin.post(f"{url}/{member.id}/toggle-admin")
    db.session.expire_all()
    assert db.session.get(Membership, (member.id, huawei.id)).is_admin is False

    admin.post(f"{url}/{member.id}/remove")
    db.session.expire_all()
    assert db.session.get(Membership, (member.id, huawei.id)) is None


@pytest.mark.parametrize(
    "email, message",
    [
        ("nobody@example.org", "There is no user with the e-mail address nobody@example.org."),
        ("not an address", "Invalid email address."),
    ],
)
def test_adding_an_unknown_member_is_refused(admin, users, huawei, email, message):
    response = admin.post(f"/admin/organisations/{huawei.id}/members", data={"email": email})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Membership)) == 0


def test_adding_a_member_twice_is_refused(admin, users, huawei):
    url = f"/admin/organisations/{huawei.id}/members"
    admin.post(url, data={"email": "member@example.org"})
    response = admin.post(url, data={"email": "member@example.org", "is_admin": "y"})
    assert "already a member" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Membership, (users["member"].id, huawei.id)).is_admin is False


def test_toggling_a_missing_membership_is_404(admin, users, huawei):
    assert admin.post(f"/admin/organisations/{huawei.id}/members/{users['judge'].id}/toggle-admin").status_code == 404


def test_deleting_needs_confirmation_keeps_people_and_is_audited(admin, users, huawei):
    db.session.add(Membership(user=users["member"], organisation=huawei))
    db.session.commit()
    url = f"/admin/organisations/{huawei.id}/delete"
    page = admin.get(url)
    assert page.status_code == 200 and 'id="confirm-delete"' in page.get_data(as_text=True)
    assert count() == 1

    assert admin.post(url).status_code == 302
    db.session.expire_all()
    assert count() == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Membership)) == 0
    assert db.session.get(User, users["member"].id) is not None
    entry = db.session.scalar(db.select(AuditEntry).filter_by(action="organisation.deleted"))
    assert entry.target == HUAWEI and entry.detail == {"members": 1}
