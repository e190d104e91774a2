"""Demo content: the association, member companies and a few people of each role."""
import secrets

from core.audit import audit
from core.extensions import db
from core.plugins import get_host
from core.users.models import Membership, Organisation, OrganisationTier, count_admins
from core.users.service import create_user, find_user

DEMO_DOMAIN = "demo.example.org"

# Member companies named in the association's 2021 magazine, with their tiers.
ORGANISATIONS = [
    ("深圳市某科技集团有限公司", "某科技集团", OrganisationTier.president),
    ("华为技术有限公司", "华为", OrganisationTier.vice_president),
    ("中兴通讯股份有限公司", "中兴通讯", OrganisationTier.vice_president),
    ("深圳华大基因股份有限公司", "华大基因", OrganisationTier.vice_president),
    ("某财产保险股份有限公司深圳分公司", "财险深圳", OrganisationTier.standing_council),
    ("深圳市某环境服务集团有限公司", "环境集团", OrganisationTier.council),
    ("深圳市某精密制造有限公司", "精密制造", OrganisationTier.member),
]

PEOPLE = [
    ("admin", "王敏", ("admin",), None, False),
    ("editor", "李娜", ("editor",), None, False),
    ("judge", "陈建国", ("judge",), None, False),
    ("member", "张伟", ("member",), "华为技术有限公司", True),
    ("member2", "刘洋", ("member",), "中兴通讯股份有限公司", True),
]


def load_demo():
    """Create what is missing; returns the generated password if accounts were created."""
    for name, short, tier in ORGANISATIONS:
        if db.session.scalar(db.select(Organisation).filter_by(name=name)) is None:
            db.session.add(Organisation(name=name, short_name=short, tier=tier))
    db.session.flush()

    password = None
    if count_admins() == 0:
        password = secrets.token_urlsafe(12)
        for local, display, roles, org_name, org_admin in PEOPLE:
            email = f"{local}@{DEMO_DOMAIN}"
            if find_user(email) is not None:
                continue
            user = create_user(email, display, password, roles=roles, verified=True, check_password=False)
            if org_name:
                org = db.session.scalar(db.select(Organisation).filter_by(name=org_name))
                db.session.add(Membership(user=user, organisation=org, is_admin=org_admin))
        audit("demo.loaded", "core")
    db.session.commit()
    from core.demo_content import load_content

    load_content(author=find_user(f"editor@{DEMO_DOMAIN}"))
    get_host().hook.load_demo_content(app=get_host().app)
    db.session.commit()
    return password
