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
        "关于征集2021年质量创新与技术成果交流项目的通知",
        "各会员单位：\n\n"
        "本年度质量创新与技术成果交流活动现已开始征集项目，设六西格玛、精益管理、"
        "可靠性管理、质量创新四个类别。\n\n"
        "通过专家初审的项目将按类别进入分会场进行现场发布，示范级成果将推荐参加全国交流。"
        "请有意参加的单位在网站上提交申报材料。",
        None,
        True,
        3,
    ),
    (
        "2020年度专业技术职称评审结果公示",
        "2020年度职称评审共收到155份申报材料，经资格预审，136人进入专家评审。\n\n"
        "最终评出正高级工程师1名、高级工程师18名、工程师16名、助理工程师及技术员65名，"
        "共计100人。名单公示期间如有异议，请与秘书处联系。",
        None,
        False,
        10,
    ),
    (
        "市质量创新社会组织关工委正式成立",
        "2021年7月22日，深圳市质量创新社会组织关心下一代工作委员会正式成立，"
        "这是本市质量领域社会组织中的第一个关工委。\n\n"
        "关工委将围绕青少年教育、青工素质提升、示范基地推广和媒体宣传四个方面开展工作，"
        "欢迎退休企业家、资深质量工作者和劳动模范报名担任志愿者。",
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
