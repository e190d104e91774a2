"""Demo content from the committee's facts (flask demo load). Idempotent: everything is looked
up by its slug or title first, so a second run adds nothing."""
import io
from datetime import date, datetime, timedelta, timezone

from flask import current_app, has_request_context
from werkzeug.datastructures import FileStorage

from core.extensions import db
from core.pages.models import Page
from core.pages.service import save_page
from core.users.models import Role, RolePermission, utcnow
from core.users.service import find_user
from plugins.youth_committee import content
from plugins.youth_committee.models import Base, BasePhoto, Event

AUTHOR = "editor@demo.example.org"
EDITOR_ROLE = "youth-committee-editor"
SHENZHEN = timezone(timedelta(hours=8))

MISSION = (
    "<p>深圳市质量创新社会组织关心下一代工作委员会（关工委）于2021年7月22日成立，"
    "是本市质量领域社会组织中成立的第一个关工委。</p>"
    "<p>我们联合退休企业家、老质量工作者和劳动模范等“五老”志愿者，把质量管理的经验和方法带给青少年和青年职工："
    "在课堂和企业里讲授PDCA循环与QC工具，组织走进示范基地的参观学习，推动“青工奋进”计划。</p>"
)
STRUCTURE = (
    "<h2>主任</h2><p>主持委员会全面工作，牵头制定年度工作计划。</p>"
    "<h2>秘书长</h2><p>负责日常工作的组织协调、志愿者联络和活动安排。</p>"
    "<h2>联合秘书处</h2><p>由两家协会共同组成，分工承担活动组织、宣传报道和示范基地联络。</p>"
    "<h2>五老志愿者</h2><p>退休企业家、老质量工作者和劳动模范，以授课、带教和参观讲解的方式参与工作。</p>"
)
AREA_TEXT = {
    "education": "<p>走进中小学和职业院校，用生活中的例子讲解质量意识，带学生动手体验PDCA循环和QC工具。</p>",
    "young-workers": "<p>面向企业青年职工开展质量技能培训和QC小组辅导，“青工奋进”计划帮助青工把改进想法做成成果。</p>",
    "bases": "<p>在会员企业中认定青少年质量教育示范基地，组织参观、现场教学和经验交流，推广好的做法。</p>",
    "publicity": "<p>通过网站、报刊和新媒体报道关工委的活动和青少年的质量故事，营造关心下一代的氛围。</p>",
}
YEARLY = [
    (content.PLAN_PREFIX + "2021", "2021年工作计划",
     "<p>围绕青少年教育、青工素质提升、示范基地推广和媒体宣传四个方面开展工作；"
     "启动“青工奋进”计划；组建“五老”志愿者队伍。</p>"),
    (content.REPORT_PREFIX + "2021", "2021年工作总结",
     "<p>7月22日委员会成立；下半年在四个工作方面开展活动，认定首批示范基地，"
     "面向青年职工举办QC工具培训。</p>"),
    (content.PLAN_PREFIX + "2022", "2022年工作计划",
     "<p>扩大进校园活动覆盖面，新增示范基地，完善志愿者服务记录。</p>"),
]
ACTIVITIES = [
    ("youth-pdca-classroom", "“五老”志愿者走进中学课堂讲PDCA", "education",
     "老质量工作者用一次校园义卖的例子，带同学们走了一遍计划、执行、检查、处理。",
     "<p>志愿者把一次校园义卖活动拆成计划、执行、检查、处理四步，同学们分组讨论怎样减少排队时间。</p>", 20),
    ("youth-qc-tools-training", "青工QC工具培训班结业", "young-workers",
     "“青工奋进”计划的第一期培训班，青年职工学习鱼骨图、排列图和控制图。",
     "<p>培训班采用案例教学，学员带着本岗位的问题来，用鱼骨图和排列图找出主要原因。</p>", 12),
    ("youth-base-visit", "示范基地迎来首批参观学生", "bases",
     "职业院校学生走进示范基地，看质量管理在生产线上怎样落地。",
     "<p>基地的班组长讲解了首件检验和防错装置，学生们在现场记录并提出了自己的改进建议。</p>", 6),
    ("youth-media-report", "关工委成立的报道", "publicity",
     "委员会成立当天，多家媒体报道了质量领域第一个关工委的成立。",
     "<p>成立大会介绍了委员会的组织架构和四个方面的工作安排。</p>", 30),
]
BASES = [
    ("youth-base-precision", "青少年质量教育示范基地（精密制造）", "鹏程精密制造有限公司", "深圳市光明区",
     "精密制造, 防错, 首件检验", date(2021, 10, 15), "active",
     "生产线开放参观，班组长现场讲解质量控制点，适合职业院校学生。", ("#1d4e89", "#3f8efc")),
    ("youth-base-electronics", "青工质量技能示范基地（电子装配）", "深蓝电子科技有限公司", "深圳市宝安区",
     "电子装配, QC小组, 精益生产", date(2021, 12, 1), "active",
     "QC小组活动室向青年职工开放，提供QC工具的实训项目。", ("#0b6e4f", "#38b000")),
]
# Activities that show the bases' demo photos as a photo gallery: (base slug, caption override).
GALLERIES = {
    "youth-base-visit": [("youth-base-precision", "学生们在生产线旁听班组长讲解首件检验"),
                         ("youth-base-electronics", "同行的青工介绍QC小组活动室的实训项目")],
    "youth-qc-tools-training": [("youth-base-electronics", "")],
}
EVENTS = [
    ("PDCA入门：中学生质量课堂", "talk", "education", "深圳市某中学报告厅", 14, 2, 60,
     "“五老”志愿者讲授PDCA循环，学生分组完成一个小改进练习。", None),
    ("走进精密制造示范基地", "base_visit", "bases", "深圳市光明区", 21, 3, 30,
     "参观生产线，了解首件检验和防错装置。", "youth-base-precision"),
    ("青工QC工具实训（第二期）", "training", "young-workers", "协会培训室", 28, 4, 40,
     "排列图、鱼骨图和控制图的实操训练，带本岗位问题参加。", None),
]


def load():
    if has_request_context():
        return _load()
    with current_app.test_request_context("/"):
        return _load()


def _load():
    author = find_user(AUTHOR)
    _editor_role()
    content.ensure_structure()  # the section and the pages, with the committee's edit permission
    section = content.section()
    if not section.description:
        section.description = "关心下一代工作委员会的活动报道。"
        db.session.commit()
    root = _page(content.root_slug(), dict(title=content.ROOT_TITLE, body=MISSION, parent_id=None), author)
    structure = db.session.scalar(db.select(Page).where(Page.slug == content.STRUCTURE_SLUG))
    if structure is None or content.is_untouched_draft(structure):
        _page(content.STRUCTURE_SLUG, dict(title=content.STRUCTURE_TITLE, body=_structure_body(), parent_id=root.id),
              author)
    for key, area in content.AREAS.items():
        _page(content.AREA_PAGE_PREFIX + key, dict(title=area.tag, body=AREA_TEXT[key], parent_id=root.id), author)
    for slug, title, body in YEARLY:
        _page(slug, dict(title=title, body=body, parent_id=root.id), author)
    for slug, title, area, summary, body, days_ago in ACTIVITIES:
        if db.session.scalar(db.select(Page.id).where(Page.slug == slug)) is None:
            save_page(Page(), dict(kind="news", title=title, slug=slug, summary=summary, body=body,
                                   section_id=section.id, tags=[content.AREAS[area].tag], status="published",
                                   publish_at=utcnow() - timedelta(days=days_ago), byline="关工委秘书处"),
                      author, note="demo", allow_past_schedule=True)
    bases = {}
    for slug, name, host, address, themes, designated, status, description, colours in BASES:
        base = db.session.scalar(db.select(Base).where(Base.slug == slug))
        if base is None:
            base = Base(slug=slug, name=name, host_organisation=host, address=address, themes=themes,
                        designated_on=designated, status=status, description=description)
            base.photos.append(BasePhoto(media=_photo(slug, colours, name), position=0))
            db.session.add(base)
            db.session.commit()
        bases[slug] = base
    _galleries(bases)
    today = datetime.now(SHENZHEN).replace(minute=0, second=0, microsecond=0)
    for title, kind, area, location, in_days, hours, capacity, description, base_slug in EVENTS:
        if db.session.scalar(db.select(Event.id).where(Event.title == title)) is None:
            starts = (today + timedelta(days=in_days)).replace(hour=14).astimezone(timezone.utc).replace(tzinfo=None)
            db.session.add(Event(title=title, kind=kind, area=area, location=location, starts_at=starts,
                                 ends_at=starts + timedelta(hours=hours), capacity=capacity, seats_taken=0,
                                 description=description, base=bases.get(base_slug)))
    db.session.commit()


def _galleries(bases):
    """Give the activities in GALLERIES their photos, once: a gallery already there is left alone."""
    from core.pages.gallery import apply

    for slug, pictures in GALLERIES.items():
        post = db.session.scalar(db.select(Page).where(Page.slug == slug))
        if post is None or post.gallery:
            continue
        images = [(photo.media, caption) for base_slug, caption in pictures
                  for photo in bases[base_slug].photos[:1] if photo.media is not None]
        apply(post, images)
    db.session.commit()


def _structure_body():
    """The structure text with a picture per leading role, as an editor would insert from the media library."""
    from markupsafe import escape

    from core.storage import media_url

    figures = ""
    for slug, role, colours in (("youth-director", "主任", ("#7b2cbf", "#c77dff")),
                                ("youth-secretary-general", "秘书长", ("#d00000", "#ffba08"))):
        media = _photo(slug, colours, role)
        figures += (f'<figure><img src="{media_url(media)}" alt="{escape(role)}" width="{media.width}" '
                    f'height="{media.height}"><figcaption>{escape(role)}</figcaption></figure>')
    return figures + STRUCTURE


def _page(slug, data, author):
    """The page with this slug; created, or filled if it is still the empty draft init made."""
    page = db.session.scalar(db.select(Page).where(Page.slug == slug))
    if page is not None and not content.is_untouched_draft(page):
        return page
    data = dict(kind="page", slug=slug, status="published", summary="", **data)
    return save_page(page or Page(), data, author, note="demo", allow_past_schedule=True)


def _photo(slug, colours, label):
    from core.demo_content import banner_jpeg
    from core.storage import save_upload
    from core.storage.models import Media

    filename = f"{slug}.jpg"
    media = db.session.scalar(db.select(Media).filter_by(original_name=filename, private=False))
    if media is None:
        upload = FileStorage(io.BytesIO(banner_jpeg(colours, label[:8])), filename=filename,
                             content_type="image/jpeg")
        media = save_upload(upload, kinds=["image"])
        media.alt = label
    return media


def _editor_role():
    """A role for committee editors: the committee's permission and the admin area, nothing site-wide."""
    if db.session.scalar(db.select(Role).filter_by(name=EDITOR_ROLE)) is None:
        db.session.add(Role(name=EDITOR_ROLE, title="关工委编辑", grants=[
            RolePermission(permission=content.EDIT, granted=True),
            RolePermission(permission="admin.access", granted=True),
        ]))
        db.session.commit()
