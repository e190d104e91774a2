"""Demo: a member company's city-partner programme (flask demo load).

Built from the facts: an environmental-services group recruiting city partners, three
platform advantages, the basic conditions, twelve cooperation areas, a four-step process,
a hotline and the QR code to the form; five applications at different steps. The text is
written for the demo. Safe to run again: nothing is added once the slug exists.
"""
import secrets
from datetime import timedelta

from core.extensions import db
from core.users.models import utcnow
from core.users.service import find_user
from plugins.partner_recruitment import builder
from plugins.partner_recruitment.models import Application, ApplicationEvent, Programme

SLUG = "city-partners"
AREAS = ["环卫保洁", "市容巡查", "市政管养", "垃圾收集储运", "农村公厕革命", "土壤水域治理", "园林生态建设",
         "智慧环卫建设", "城市管家服务", "碳中和碳达峰", "垃圾分类", "其他"]
STEPS = [
    ("品牌授权，签订框架协议", "通过资格审核后获得品牌使用授权，双方签订城市合伙人框架协议。"),
    ("项目报备，签订合作协议", "合伙人报备当地项目信息，经评估后就具体项目签订合作协议。"),
    ("申请投标支持", "集团为报备项目提供资质、方案、报价等投标支持。"),
    ("项目落地实施", "中标后由双方按合作协议组建团队，共同推进项目运营。"),
]
# (organisation, contact, mobile, areas, region codes, status, days ago)
APPLICATIONS = [
    ("粤东环境服务有限公司", "陈先生", "13800138001", ["环卫保洁", "垃圾分类"], ("44", "4405", "440507"),
     "submitted", 2),
    ("清源市政工程有限公司", "林女士", "13900139002", ["市政管养", "园林生态建设"], ("44", "4413", "441302"),
     "under_review", 9),
    ("湘南城乡环境科技有限公司", "周先生", "13700137003", ["农村公厕革命", "其他"], ("43", "4310", "431002"),
     "framework_signed", 30),
    ("蓉城智慧环卫科技有限公司", "刘女士", "15800158004", ["智慧环卫建设", "城市管家服务"], ("51", "5101", "510104"),
     "bid_support", 60),
    ("滨海碳汇生态有限公司", "吴先生", "18600186005", ["碳中和碳达峰", "土壤水域治理"], ("44", "4403", "440306"),
     "declined", 45),
]


def _programme():
    programme = Programme(
        slug=SLUG, title="城市合伙人招募计划",
        summary="一家深耕环境服务二十余年的会员企业（1997年创立，员工约七万人，2020年上市）面向全国招募城市合伙人，"
                "携手拓展城乡环境服务项目。\n欢迎在当地拥有项目资源的企业和团队加入。",
        advantages="品牌背书：上市企业品牌授权，合伙人以集团名义开拓市场\n"
                   "全链支持：从项目评估、投标方案到运营管理的全流程支持\n"
                   "收益共享：按项目贡献分配收益，合作机制灵活透明",
        conditions="具有环境服务或市政项目经验\n在目标城市或县域拥有客户与项目资源\n"
                   "具备一定实力的企业或组织，认同集团的服务理念",
        contact="城市合伙人招募办公室\n工作日 9:00–18:00",
        hotline="400-000-0000", published=True, open_for_applications=True, allow_anonymous=True,
        one_per_organisation=False, retention_days=730,
    )
    builder.add_default_statuses(programme)
    labels = {"submitted": "已提交", "under_review": "审核中", "framework_signed": "已签框架协议",
              "cooperation_signed": "已签合作协议", "bid_support": "投标支持中", "in_progress": "项目实施中",
              "declined": "未通过"}
    for status in programme.statuses:
        status.label = labels[status.key]
    programme.steps = []
    builder.set_steps(programme, "\n".join(f"{title} | {text}" for title, text in STEPS))
    add = builder.new_field
    add(programme, "text", "单位名称", key="organisation", required=True, max_length=200)
    add(programme, "text", "联系人", key="contact_name", required=True, max_length=50)
    add(programme, "phone", "手机号码", key="mobile", required=True)
    add(programme, "email", "电子邮箱", key="email", required=False, help="用于接收申请进度通知")
    add(programme, "region", "所在地区", key="region", required=True)
    add(programme, "multiple", "意向合作范围", key="areas", required=True, options=AREAS)
    add(programme, "text", "其他合作内容", key="areas_other", required=True,
        show_if={"field": "areas", "value": "其他"}, help="请简要说明")
    add(programme, "single", "单位类型", key="org_type", required=True, options=["企业", "社会组织", "个人团队"])
    add(programme, "number", "近三年相关项目数量", key="projects", required=False, min="0", max="1000")
    add(programme, "date", "计划启动日期", key="start_date", required=False)
    add(programme, "textarea", "资源与项目情况", key="resources", required=False, max_length=2000)
    add(programme, "file", "营业执照或资质证明", key="licence", required=False, kinds=["pdf", "image"],
        help="PDF 或图片")
    add(programme, "consent", "我同意协会与招募单位为审核本申请处理上述信息", key="consent", required=True)
    add(programme, "hidden", "来源", key="source", default="web")
    db.session.add(programme)
    db.session.flush()
    builder.publish(programme)
    return programme


def load():
    if db.session.scalar(db.select(Programme).where(Programme.slug == SLUG)) is not None:
        return
    programme = _programme()
    manager = find_user("admin@demo.example.org")
    editor = find_user("editor@demo.example.org")
    programme.managers = [user for user in (manager, editor) if user is not None]
    db.session.flush()
    from plugins.partner_recruitment.regions import resolve

    version = programme.current_version
    order = [status.key for status in programme.statuses]
    now = utcnow()
    for organisation, contact, mobile, areas, codes, status, days in APPLICATIONS:
        names, _error = resolve(*codes)
        created = now - timedelta(days=days)
        data = {"organisation": organisation, "contact_name": contact, "mobile": mobile,
                "region": {"codes": list(codes), "names": names}, "areas": areas, "org_type": "企业",
                "consent": True, "source": "qr"}
        if "其他" in areas:
            data["areas_other"] = "乡镇污水处理站运维"
        application = Application(programme=programme, form_version=version,
                                  reference=f"{created:%y%m}-{secrets.token_hex(3).upper()}",
                                  token=secrets.token_urlsafe(24), title=organisation, contact_email=None,
                                  data=data, status_key=status, created_at=created, updated_at=created,
                                  assignee=manager if status != "submitted" else None)
        application.events = [ApplicationEvent(kind="submitted", to_status="submitted", shared=True,
                                               created_at=created)]
        path = order[:order.index(status) + 1] if status != "declined" else ["submitted", "under_review", "declined"]
        for step, (previous, key) in enumerate(zip(path, path[1:]), start=1):
            application.events.append(ApplicationEvent(
                kind="status", from_status=previous, to_status=key, shared=True, actor_id=getattr(manager, "id", None),
                actor_label=getattr(manager, "email", None), created_at=created + timedelta(days=step)))
        db.session.add(application)
    db.session.flush()
