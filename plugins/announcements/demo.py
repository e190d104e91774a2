"""Demo notices (flask demo load). Safe to run again: a notice whose title exists is skipped."""
from datetime import timedelta

from core.extensions import db
from core.users.models import utcnow
from core.users.service import find_user
from plugins.announcements.models import Announcement

DEMO_AUTHOR = "editor@demo.example.org"

# (title, body, link, pinned, published how many days ago)
NOTICES = [
    (
        "关于征集年度质量创新与技术成果交流项目的通知",
        "各会员单位：\n\n"
        "本年度质量创新与技术成果交流活动开始征集项目，设六西格玛、精益管理、"
        "可靠性管理、质量创新四个类别，以企业为单位申报，同一企业可申报多个类别。\n\n"
        "通过专家初审的项目将按类别进入分会场现场发布，示范级成果推荐参加全国交流。"
        "请有意参加的单位登录网站提交申报材料。",
        None,
        True,
        3,
    ),
    (
        "质量大讲堂下一期开放报名",
        "下一期质量大讲堂将围绕数据驱动的质量改进展开，邀请会员单位的一线质量负责人分享实践。\n\n"
        "名额有限，会员单位员工可登录后报名，额满即止。",
        None,
        False,
        10,
    ),
    (
        "秘书处办公时间安排",
        "秘书处工作日上午9:00至12:00、下午14:00至18:00对外办公。\n\n"
        "会员入会、证书领取和活动咨询请在办公时间内来电或来访，节假日安排另行通知。",
        None,
        False,
        20,
    ),
]


def load():
    """Add the demo notices that are missing (in the caller's transaction)."""
    author = find_user(DEMO_AUTHOR)
    existing = set(db.session.scalars(db.select(Announcement.title)))
    now = utcnow()
    for title, body, link, pinned, days_ago in NOTICES:
        if title in existing:
            continue
        db.session.add(
            Announcement(
                title=title,
                body=body,
                link=link,
                pinned=pinned,
                published_at=now - timedelta(days=days_ago),
                author=author,
                author_name=author.name if author else "秘书处",
            )
        )
    db.session.flush()
