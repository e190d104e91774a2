"""Demo content: sections, news, the about pages, pictures, menus and the home page of the demo site.

Every fact comes from /work/shared/DOMAIN.md (the association's 2021 magazine); every sentence
is written for this demo. Safe to run again: sections, pages, pictures and tags are looked up by
slug or name and only what is missing is created; menus and the home layout are only set when
nobody has arranged them yet.
"""
import io
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app, has_request_context
from markupsafe import escape
from werkzeug.datastructures import FileStorage

from core.extensions import db
from core.pages import seo
from core.pages.models import MenuItem, Page, Section, get_setting, set_setting
from core.users.models import Organisation, OrganisationTier, utcnow

SECTIONS = [
    # slug, title, English title, description
    ("yao-wen", "要闻", "Headlines", "协会工作动态与行业要事。"),
    ("feng-mian-guan-zhu", "封面关注", "Cover Focus", "本期会刊封面报道的重点活动与成果。"),
    ("te-bie-guan-zhu", "特别关注", "Special Focus", "值得会员单位特别留意的评选、赛事与项目。"),
    ("hui-yuan-feng-cai", "会员风采", "Member Profiles", "会员单位的实践、项目与合作机会。"),
]

TIER_HEADINGS = {
    OrganisationTier.president: "会长单位",
    OrganisationTier.vice_president: "副会长单位",
    OrganisationTier.standing_council: "常务理事单位",
    OrganisationTier.council: "理事单位",
    OrganisationTier.member: "会员单位",
}

# name (kept as the file's original name, so a second run finds it), colours, label, alt, caption
PICTURES = {
    "exchange": ("demo-exchange.jpg", ("#0b4f8a", "#2f8fd8"), "质量创新 · 成果交流",
                 "成果交流活动现场示意图", "2021年度质量创新与技术成果交流活动分会场（示意图）"),
    "national": ("demo-national.jpg", ("#7a1f2b", "#d0563b"), "全国交流 · 喜报",
                 "全国成果交流喜报示意图", "深圳推荐项目在全国成果交流中获得佳绩（示意图）"),
    "brand": ("demo-brand.jpg", ("#5b2a86", "#b565d8"), "品牌故事 · 深圳赛区",
              "品牌故事大赛决赛舞台示意图", "第九届全国品牌故事大赛深圳赛区决赛现场（示意图）"),
    "youth": ("demo-youth.jpg", ("#1d6b45", "#6cc08b"), "关心下一代 · 青工奋进",
              "关工委成立大会示意图", "深圳市质量创新社会组织关工委成立大会（示意图）"),
    "markets": ("demo-markets.jpg", ("#8a5a0b", "#e3a534"), "十大标杆市场",
                "标杆市场评选示意图", "“十大标杆市场”评选结果发布（示意图）"),
    "partners": ("demo-partners.jpg", ("#0f5e63", "#37b3a8"), "城市合伙人 · 招募",
                 "城市合伙人招募示意图", "环境集团城市合伙人招募宣讲（示意图）"),
    "lecture": ("demo-lecture.jpg", ("#263a5e", "#5a7bb5"), "质量大讲堂 · 第52期",
                "质量大讲堂会场示意图", "第52期质量大讲堂现场，学员认真听讲（示意图）"),
    "call": ("demo-call.jpg", ("#14507a", "#3aa0c8"), "成果征集 · 2021",
             "成果征集启动示意图", "2021年度质量创新与技术成果交流活动启动征集（示意图）"),
    "titles": ("demo-titles.jpg", ("#3d3a8c", "#7b78d6"), "职称评审 · 2020年度",
               "职称评审结果公布示意图", "2020年度质量专业技术职称评审结果公布（示意图）"),
    "story": ("demo-story.jpg", ("#a13d6b", "#e07aa6"), "品牌故事 · 报名启动",
              "品牌故事大赛报名示意图", "第九届全国品牌故事大赛深圳赛区启动报名（示意图）"),
    "credit": ("demo-credit.jpg", ("#0d6b5c", "#3cbf9f"), "质量信用 · AAA",
               "质量信用评价示意图", "首批市场质量信用AAA等级企业名单发布（示意图）"),
    "village": ("demo-village.jpg", ("#4f6b1d", "#9cc24a"), "质量扶贫 · 结对帮扶",
                "质量扶贫结对帮扶示意图", "质量扶贫联盟成员单位走访结对帮扶村（示意图）"),
}

NATIONAL_RESULTS = [
    ("质量创新", [
        ("华为技术有限公司", "端到端质量数据贯通，提升交付一次合格率", "示范级"),
        ("中兴通讯股份有限公司", "基站射频模块自动化测试方法创新", "专业级"),
        ("深圳市某精密制造有限公司", "精密结构件尺寸检测的机器视觉方案", "专业级"),
    ]),
    ("六西格玛(黑带)", [
        ("深圳华大基因股份有限公司", "缩短测序样本周转时间", "示范级"),
        ("深圳市某电子科技有限公司", "降低贴片工序虚焊率", "专业级"),
        ("深圳市某医疗器械有限公司", "提升一次性耗材包装密封合格率", "专业级"),
    ]),
    ("服务创新", [
        ("某财产保险股份有限公司深圳分公司", "车险理赔“线上一站办”服务改进", "示范级"),
        ("深圳市某环境服务集团有限公司", "城市道路保洁质量的网格化管理", "专业级"),
        ("深圳市某物业服务有限公司", "社区报修响应时效提升", "专业级"),
    ]),
]


def beijing(year, month, day, hour=10):
    """A Beijing date and hour as the naive UTC time the database stores."""
    return datetime(year, month, day, hour) - timedelta(hours=8)


def results_table():
    rows, number = [], 0
    for category, entries in NATIONAL_RESULTS:
        rows.append(f'<tr><th colspan="4">{escape(category)}</th></tr>')
        for company, project, award in entries:
            number += 1
            rows.append(
                f"<tr><td>{number}</td><td>{escape(company)}</td><td>{escape(project)}</td><td>{escape(award)}</td></tr>"
            )
    return (
        "<table><caption>全国质量创新与技术成果交流结果（深圳推荐项目）</caption>"
        "<thead><tr><th>序号</th><th>企业名称</th><th>项目名称</th><th>获奖类别</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


# -- news ------------------------------------------------------------------------
# Each item: slug, section, title, summary, body, date (Beijing), and optionally tags, picture (the cover),
# inline_picture and featured. All are published on their date; SCHEDULED and DRAFT below are not.

NEWS = [
    dict(
        slug="2021-cheng-guo-jiao-liu-zheng-ji",
        section="yao-wen",
        title="2021年度质量创新与技术成果交流活动启动征集",
        summary="六西格玛、精益管理、可靠性管理和质量创新四类成果同步征集，欢迎会员单位踊跃申报。",
        date=(2021, 3, 15),
        tags=["质量创新", "六西格玛", "精益管理"],
        picture="call",
        body="""
<p>春季伊始，协会正式启动2021年度质量创新与技术成果交流活动的项目征集。本届活动设四个类别：六西格玛、精益管理、可靠性管理和质量创新，既面向制造企业，也欢迎服务、医疗、环境等领域的团队参加。</p>
<h2>申报要点</h2>
<ul>
<li>每个项目须已完成并取得可验证的成效，数据来源清楚；</li>
<li>以企业为单位申报，同一企业可申报多个类别；</li>
<li>材料经专家初审后，入围项目参加现场发布。</li>
</ul>
<p>协会秘书处提醒各单位提前梳理项目资料，尤其是改进前后的对比数据和推广价值，这往往是专家评审最看重的部分。</p>
""",
    ),
    dict(
        slug="2021-cheng-guo-jiao-liu-yuan-man-luo-mu",
        section="feng-mian-guan-zhu",
        title="156个项目同台交流，2021年度质量创新成果交流活动圆满落幕",
        summary="50家企业申报156个项目，45家企业的103个项目进入现场发布，评出示范级成果19项。",
        date=(2021, 6, 18),
        tags=["质量创新", "六西格玛", "精益管理"],
        picture="exchange",
        featured=True,
        body="""
<p>经过三个月的征集与评审，2021年度质量创新与技术成果交流活动日前落下帷幕。本届共有50家企业申报了156个项目，经专家初审，45家企业的103个项目进入现场发布环节。</p>
<h2>分会场同日发布</h2>
<p>现场发布按六西格玛、精益管理、可靠性管理和质量创新分设多个分会场，在同一天内完成。各项目团队用十余分钟讲清问题、方法和成效，评委当场提问、打分。由于多个项目得分十分接近，评审组依照事先公布的规则逐一裁定并列名次，确保结果经得起推敲。</p>
<h2>评审结果</h2>
<ul>
<li>示范级成果19项；</li>
<li>专业级成果24项；</li>
<li>改进级成果30项；</li>
<li>优秀项目30项；</li>
<li>另评出“最佳现场发布”4项。</li>
</ul>
<p>获评示范级的项目将由协会推荐参加全国质量创新与技术成果交流，与全国同行切磋。</p>
""",
    ),
    dict(
        slug="quan-guo-cheng-guo-jiao-liu-jie-guo",
        section="feng-mian-guan-zhu",
        title="喜报：深圳推荐项目在全国质量创新与技术成果交流中获佳绩",
        summary="九月揭晓的全国交流结果中，协会推荐的项目在质量创新、六西格玛(黑带)和服务创新三类中均有斩获。",
        date=(2021, 9, 28),
        tags=["质量创新", "六西格玛", "成果交流"],
        picture="national",
        featured=True,
        body="""
<p>九月下旬，全国质量创新与技术成果交流活动公布结果。由协会从本市年度交流中择优推荐的项目表现亮眼，在质量创新、六西格玛(黑带)和服务创新三个类别中均获得认可。</p>
<p>以下为获奖名单（按类别排列）：</p>
{table}
<p>协会向获奖单位和项目团队表示祝贺，也感谢各位评审专家的辛勤付出。明年的交流活动将继续把优秀成果推向全国舞台。</p>
""",
    ),
    dict(
        slug="2020-zhi-cheng-ping-shen-jie-guo",
        section="yao-wen",
        title="2020年度专业技术职称评审结果公布，100人通过评审",
        summary="155人提交申报，136人通过资格预审进入专家评审，最终100人获评相应职称。",
        date=(2021, 1, 20),
        tags=["职称评审"],
        picture="titles",
        body="""
<p>2020年度质量专业技术职称评审工作近日完成。本年度共有155人提交申报材料，经资格预审，136人进入专家评审环节，最终100人通过评审。</p>
<h2>各级别人数</h2>
<table><thead><tr><th>级别</th><th>人数</th></tr></thead><tbody>
<tr><td>正高级工程师</td><td>1</td></tr>
<tr><td>高级工程师</td><td>18</td></tr>
<tr><td>工程师</td><td>16</td></tr>
<tr><td>助理工程师/技术员</td><td>65</td></tr>
</tbody></table>
<p>评审按“申报—资格审查—专家评审—确定级别”的流程进行。未通过的申报人可向秘书处了解评审意见，为下一年度做好准备。</p>
""",
    ),
    dict(
        slug="shi-da-biao-gan-shi-chang",
        section="te-bie-guan-zhu",
        title="“十大标杆市场”评选揭晓，网络投票超过550万票",
        summary="各区推荐25家市场参评，公众评选、网络投票与专家评审相结合，选出十家标杆市场。",
        date=(2021, 4, 26),
        tags=["标杆市场"],
        picture="markets",
        body="""
<p>备受市民关注的“十大标杆市场”评选结果日前揭晓。本次评选由各区推荐25家市场参评，采用公众评选、网络投票和专家评审相结合的方式产生最终名单。</p>
<p>网络投票期间，市民参与热情高涨，截至投票结束累计票数超过550万。专家组则从环境卫生、商品质量、诚信经营和服务管理等方面实地打分，与投票结果合并计算。</p>
<blockquote><p>让群众“用脚投票”的同时也“用手投票”，评选本身就是一次质量意识的普及。</p></blockquote>
<p>协会将与获评市场一道总结经验，推动更多市场对标提升。</p>
""",
    ),
    dict(
        slug="pin-pai-gu-shi-da-sai-qi-dong",
        section="yao-wen",
        title="第九届全国品牌故事大赛深圳赛区启动报名",
        summary="征文、演讲、短视频和微电影四个类别同时开放，短视频时长不超过1分钟。",
        date=(2021, 5, 10),
        tags=["品牌故事"],
        picture="story",
        body="""
<p>第九届全国品牌故事大赛深圳赛区即日起接受报名。大赛鼓励企业用真实的人和事讲述自己的品牌，让质量背后的坚持被更多人看见。</p>
<h2>四个参赛类别</h2>
<ol>
<li>征文：以文字讲述品牌成长中的关键时刻；</li>
<li>演讲：现场讲述，决赛中进行；</li>
<li>短视频：时长不超过1分钟；</li>
<li>微电影：以影像完整呈现一个品牌故事。</li>
</ol>
<p>各企业可同时报送多个类别的作品。征文将在决赛前由专家评审排定名次，其余类别在城市决赛中角逐。</p>
""",
    ),
    dict(
        slug="pin-pai-gu-shi-da-sai-jue-sai",
        section="te-bie-guan-zhu",
        title="136件作品角逐，品牌故事大赛深圳赛区决赛精彩上演",
        summary="40余家企业报送作品，36家企业进入城市决赛；直播点赞计入得分，并评出各类别最佳人气奖。",
        date=(2021, 8, 12),
        tags=["品牌故事"],
        picture="brand",
        featured=True,
        body="""
<p>第九届全国品牌故事大赛深圳赛区决赛日前举行。本届赛事共有40余家企业报送136件作品，其中微电影50件、短视频37件、演讲31件、征文45件，36家企业进入城市决赛。</p>
<h2>直播点赞计入成绩</h2>
<p>决赛全程网络直播。主持人按出场顺序逐一宣布每位选手开始和结束展示，观众只能在该选手展示期间为其点赞，所得点赞数按规则折算计入成绩。演讲决赛共有15名选手登台。</p>
<h2>奖项设置</h2>
<ul>
<li>各类别分设一、二、三等奖；</li>
<li>最佳台风奖、最佳故事奖；</li>
<li>各类别的最佳人气奖，授予展示期间获得直播点赞最多的选手。</li>
</ul>
<p>获奖作品将在专家指导下进一步打磨，代表深圳参加全国总决赛。</p>
""",
    ),
    dict(
        slug="guan-gong-wei-cheng-li",
        section="yao-wen",
        title="深圳市质量创新社会组织关心下一代工作委员会成立",
        summary="7月22日，本市质量领域首个社会组织关工委正式成立，“五老”志愿者将走近青少年和青年职工。",
        date=(2021, 7, 22),
        tags=["关工委"],
        picture="youth",
        featured=True,
        body="""
<p>2021年7月22日，深圳市质量创新社会组织关心下一代工作委员会宣告成立。这是本市质量领域社会组织中成立的第一个关工委，由两家协会共同组建联合秘书处，设主任和秘书长。</p>
<p>关工委的志愿者队伍以“五老”为主：退休的企业家、资深质量工作者和劳动模范。他们愿意把几十年积累的经验，讲给年轻人听。</p>
<h2>今年的四项重点工作</h2>
<ul>
<li>青少年教育：走进校园，用身边的质量故事启发学生；</li>
<li>青工素质提升：实施“青工奋进”计划，教青年职工用好PDCA循环和QC工具；</li>
<li>示范基地推广：培育并推介一批关心下一代工作示范基地；</li>
<li>媒体宣传：借助会刊和网站，讲好青年成长的故事。</li>
</ul>
""",
    ),
    dict(
        slug="cheng-shi-he-huo-ren-zhao-mu",
        section="hui-yuan-feng-cai",
        title="会员单位环境集团面向全国招募城市合伙人",
        summary="创立于1997年、员工7万人的环境集团开放品牌与资源，邀请有项目经验和地方资源的伙伴加入。",
        date=(2021, 10, 15),
        tags=["城市合伙人", "会员单位"],
        picture="partners",
        body="""
<p>会员单位深圳市某环境服务集团创立于1997年，现有员工约7万人，于2020年上市。集团近日发布城市合伙人招募计划，希望与各地伙伴一起拓展城市环境服务。</p>
<h2>合作范围</h2>
<p>环卫保洁、市容巡查、市政管养、垃圾收集储运、农村公厕革命、土壤水域治理、园林生态建设、智慧环卫建设、城市管家服务、碳中和碳达峰、垃圾分类等，也欢迎提出其他合作设想。</p>
<h2>基本条件</h2>
<ul>
<li>具备相关项目经验；</li>
<li>在所在城市或区县拥有一定资源；</li>
<li>是有实力的企业或组织。</li>
</ul>
<h2>合作流程</h2>
<ol>
<li>获得品牌使用授权，签订框架协议；</li>
<li>报备项目，签订合作协议；</li>
<li>申请投标支持；</li>
<li>实施项目。</li>
</ol>
<p>有意向的单位可拨打集团招募热线，或扫描宣传资料上的二维码填写申请表。</p>
""",
    ),
    dict(
        slug="shi-chang-zhi-liang-xin-yong-ping-jia",
        section="feng-mian-guan-zhu",
        title="首批10家企业获评市场质量信用AAA等级",
        summary="市场质量信用评价首轮完成，10家企业获评AAA等级，评价结果向社会公开。",
        date=(2021, 11, 5),
        tags=["质量信用"],
        picture="credit",
        body="""
<p>协会组织开展的市场质量信用评价完成首轮工作，10家企业获评AAA等级。评价围绕质量管理体系、产品与服务质量、顾客满意和社会责任等方面展开，既看制度，也看现场。</p>
<p>信用等级不是“终身制”。协会将对获评企业进行跟踪，发现问题及时提醒，必要时调整等级，让这块牌子始终有分量。</p>
""",
    ),
    dict(
        slug="di-52-qi-zhi-liang-da-jiang-tang",
        section="hui-yuan-feng-cai",
        title="第52期质量大讲堂开讲，百名学员聚焦数字化质量管理",
        summary="约100名来自会员单位的质量工作者参加本期讲堂，围绕数据驱动的质量改进交流心得。",
        date=(2021, 11, 25),
        tags=["质量大讲堂", "会员单位"],
        inline_picture="lecture",
        body="""
<p>第52期质量大讲堂日前举行，约100名来自会员单位的质量工作者到场聆听。本期主题是数字化转型中的质量管理，主讲嘉宾结合企业案例，讲解如何用生产数据及早发现质量波动。</p>
<p>互动环节中，学员们就数据采集的成本、质量数据与业务系统的衔接等问题踊跃提问。协会将持续举办质量大讲堂，欢迎会员单位推荐选题和讲者。</p>
""",
    ),
    dict(
        slug="zhi-liang-fu-pin-lian-meng",
        section="te-bie-guan-zhu",
        title="质量扶贫联盟22家单位结对帮扶9个村",
        summary="联盟成员发挥各自专长，从农产品质量、品牌和销售渠道入手帮助结对村增收。",
        date=(2021, 12, 10),
        tags=["质量扶贫"],
        picture="village",
        body="""
<p>由协会牵头的质量扶贫联盟目前已有22家成员单位，与9个村建立结对帮扶关系。联盟成员各展所长：有的帮助制定农产品分级标准，有的指导包装和品牌设计，还有的打通了企业食堂和线上销售渠道。</p>
<p>联盟负责人表示，帮扶不只是“送东西”，更要把质量管理的方法带到田间地头，让好产品卖出好价钱。</p>
""",
    ),
]

SCHEDULED = dict(
    slug="2022-cheng-guo-jiao-liu-yu-gao",
    section="yao-wen",
    title="预告：2022年度质量创新与技术成果交流活动即将启动",
    summary="新一届成果交流活动的征集通知将于近日发布，请各会员单位提前准备。",
    tags=["质量创新"],
    body="""
<p>新一届质量创新与技术成果交流活动的征集通知即将发布。协会建议各会员单位提前盘点本年度完成的改进项目，整理好过程数据和成效证明。</p>
<p>详细的申报类别、时间安排和材料要求以正式通知为准。</p>
""",
)

DRAFT = dict(
    slug="qing-gong-fen-jin-nian-du-zong-jie",
    section="hui-yuan-feng-cai",
    title="“青工奋进”计划年度回顾（草稿）",
    summary="关工委“青工奋进”计划一年来的做法与收获，待补充数据后发布。",
    tags=["关工委"],
    body="<p>本文为草稿，编辑完善后再发布。一年来，“五老”志愿者走进多家会员单位，带领青年职工开展QC小组活动……</p>",
)

# -- fixed pages ---------------------------------------------------------------------


def members_body():
    """The member organisations grouped by tier, from the organisations the site knows."""
    organisations = db.session.scalars(
        db.select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name)
    ).all()
    parts = ["<p>协会会员按会长单位、副会长单位、常务理事单位、理事单位和会员单位分级。以下为部分会员单位名单：</p>"]
    for tier in OrganisationTier:
        names = [org.name for org in organisations if org.tier == tier]
        if names:
            items = "".join(f"<li>{escape(name)}</li>" for name in names)
            parts.append(f"<h2>{TIER_HEADINGS[tier]}</h2><ul>{items}</ul>")
    parts.append('<p>希望加入协会的单位，请阅读<a href="/about/join">入会指南</a>。</p>')
    return "".join(parts)


FIXED_PAGES = [
    # slug, parent slug, title, summary, body
    ("about", None, "关于我们", "深圳市质量协会的简介、组织架构、会员与联系方式。", """
<p>深圳市质量协会（简称“深圳质协”）成立于1987年，是服务质量事业的5A级社会组织，长期在政府与企业之间发挥桥梁作用。</p>
<p>协会会员涵盖通信、生物科技、金融保险、环境服务和精密制造等行业。我们组织质量创新与技术成果交流、专业技术职称评审、品牌故事大赛和质量大讲堂，推动质量管理方法在企业落地。</p>
<p>想进一步了解协会，请浏览下列栏目；有意入会的单位可先阅读<a href="/about/join">入会指南</a>。</p>
"""),
    ("profile", "about", "协会简介", "一家成立34年的5A级社会组织。", """
<p>深圳市质量协会成立于1987年，到2021年已走过34个年头，是被评为5A等级的社会组织。</p>
<p>协会团结本市各行业重视质量的企业和质量工作者，组织成果交流、专业技术职称评审、品牌故事大赛、质量大讲堂、质量信用评价等活动，把政府的质量政策带给企业，也把企业的声音反映给政府。</p>
<h2>我们做的事</h2>
<ul>
<li>搭建交流平台：质量创新与技术成果交流、质量大讲堂；</li>
<li>评价与评选：职称评审、质量信用评价、标杆市场评选；</li>
<li>培养人才：关心下一代工作委员会与“青工奋进”计划；</li>
<li>服务会员：信息发布、合作对接与品牌推广。</li>
</ul>
"""),
    ("structure", "about", "组织架构", "协会领导与秘书处的分工。", """
<p>协会实行会员代表大会制度，理事会和常务理事会在大会闭会期间领导协会工作，秘书处负责日常运行。</p>
<h2>协会领导与秘书处</h2>
<table><thead><tr><th>职务</th><th>主要职责</th></tr></thead><tbody>
<tr><td>会长</td><td>主持理事会，决定协会发展方向</td></tr>
<tr><td>执行会长</td><td>协助会长，统筹重大活动的组织实施</td></tr>
<tr><td>秘书长</td><td>主持秘书处工作，负责日常运营</td></tr>
<tr><td>副秘书长</td><td>分管会员服务、活动组织和对外联络</td></tr>
<tr><td>党支部书记</td><td>负责协会党建工作</td></tr>
</tbody></table>
<p>此外，协会设有关心下一代工作委员会等专门机构，由秘书处提供日常支持。</p>
"""),
    ("members", "about", "会员单位", "按会员等级排列的会员单位名单。", None),  # built from the organisations
    ("join", "about", "入会指南", "哪些单位可以入会、如何申请以及会员能获得的服务。", """
<p>凡在本市依法登记、认同协会章程、重视质量管理的企事业单位和社会组织，均可申请成为会员单位。</p>
<h2>申请步骤</h2>
<ol>
<li>在本网站注册账号并填写单位信息；</li>
<li>提交入会申请和营业执照等证明材料；</li>
<li>秘书处审核后报理事会确认；</li>
<li>缴纳会费，领取会员证书。</li>
</ol>
<h2>会员等级</h2>
<p>会员分为会长单位、副会长单位、常务理事单位、理事单位和会员单位，不同等级享有相应的权利和义务。</p>
<h2>会员服务</h2>
<ul>
<li>优先参加成果交流、质量大讲堂等活动；</li>
<li>在网站和会刊上展示单位风采；</li>
<li>获得政策解读和合作对接信息。</li>
</ul>
<p>如有疑问，请通过<a href="/about/contact">联系我们</a>页面咨询秘书处。</p>
"""),
    ("contact", "about", "联系我们", "秘书处的地址、电话与办公时间。", """
<p>欢迎会员单位和社会各界与协会秘书处联系。</p>
<ul>
<li>地址：深圳市福田区（示例地址）</li>
<li>电话：0755-0000 0000（示例号码）</li>
<li>邮箱：info@demo.example.org</li>
<li>办公时间：周一至周五 9:00–12:00，14:00–18:00</li>
</ul>
<p>本演示站点的联系方式均为示例，请勿拨打。</p>
"""),
    ("privacy", None, "隐私政策", "本网站如何收集和使用您的个人信息。", """
<p>我们只收集提供服务所必需的信息：注册时的姓名、电子邮箱和所属单位，以及您在参加活动时主动提交的材料。</p>
<ul>
<li>这些信息仅用于会员服务和活动组织，不会出售给任何第三方；</li>
<li>网站使用必要的 Cookie 保存登录状态和语言选择；</li>
<li>您可以随时在个人账户中查看和修改自己的资料，或联系秘书处注销账户。</li>
</ul>
"""),
]

MAIN_MENU = [
    # label, English label, target kind, target
    ("首页", "Home", "url", "/"),
    ("新闻", "News", "url", "/news/"),
    ("", "", "section", "yao-wen"),
    ("", "", "section", "feng-mian-guan-zhu"),
    ("", "", "section", "te-bie-guan-zhu"),
    ("", "", "plugin", "announcements.index"),
    ("", "About us", "page", "about"),
    ("", "Contact", "page", "contact"),
]
FOOTER_MENU = [
    ("", "About us", "page", "about"),
    ("", "Contact", "page", "contact"),
    ("", "Membership", "page", "join"),
    ("", "Privacy", "page", "privacy"),
]
HOME_BLOCKS = [
    "core.featured",
    "core.section.yao-wen",
    "core.section.feng-mian-guan-zhu",
    "core.section.te-bie-guan-zhu",
    "core.section.hui-yuan-feng-cai",
    "announcements.latest",
]
SITE_DESCRIPTION = "成立于1987年的5A级社会组织，连接政府、企业与质量工作者。"
SITE_CONTACT = {"address": "深圳市福田区（示例地址）", "phone": "0755-0000 0000（示例号码）", "email": "info@demo.example.org"}


# -- loading ---------------------------------------------------------------------


def load_content(author=None):
    """Create whatever of the demo site is missing; returns the number of things created."""
    if has_request_context():
        return _load(author)
    with current_app.test_request_context("/"):  # url_for (media URLs, page URLs) needs one
        return _load(author)


def _load(author):
    created = 0
    sections = {}
    for position, (slug, title, title_en, description) in enumerate(SECTIONS, start=1):
        section = db.session.scalar(db.select(Section).filter_by(slug=slug))
        if section is None:
            section = Section(slug=slug, title=title, title_en=title_en, description=description, position=position)
            db.session.add(section)
            created += 1
        sections[slug] = section
    db.session.commit()

    pictures = {name: _picture(*spec) for name, spec in PICTURES.items()}
    created += sum(1 for media, new in pictures.values() if new)

    pages = {}
    for slug, parent, title, summary, body in FIXED_PAGES:
        data = dict(kind="page", title=title, slug=slug, summary=summary, status="published",
                    parent_id=pages[parent].id if parent else None, body=body if body is not None else members_body())
        pages[slug], new = _page(slug, data, author)
        created += new

    stories = [(item, dict(status="published", publish_at=beijing(*item["date"]))) for item in NEWS]
    stories += [
        (SCHEDULED, dict(status="scheduled", publish_at=(utcnow() + timedelta(days=30)).replace(microsecond=0))),
        (DRAFT, dict(status="draft")),
    ]
    for item, state in stories:
        created += _page(item["slug"], _news_data(item, sections, pictures) | state, author)[1]

    created += _menu("main", MAIN_MENU, sections, pages)
    created += _menu("footer", FOOTER_MENU, sections, pages)
    if get_setting("home_blocks") is None:
        set_setting("home_blocks", HOME_BLOCKS)
        created += 1
    for key, value in ((seo.DESCRIPTION_SETTING, SITE_DESCRIPTION), (seo.CONTACT_SETTING, SITE_CONTACT)):
        if get_setting(key) is None:  # the footer and the meta description show them
            set_setting(key, value)
            created += 1
    db.session.commit()
    return created


def _news_data(item, sections, pictures):
    body = item["body"].replace("{table}", results_table()) if "{table}" in item["body"] else item["body"]
    data = dict(
        kind="news",
        title=item["title"],
        slug=item["slug"],
        summary=item["summary"],
        section_id=sections[item["section"]].id,
        tags=item.get("tags", []),
        featured=item.get("featured", False),
        byline="深圳质协秘书处",
    )
    if item.get("picture"):  # the cover: shown above the body by the news template
        data["cover_id"] = pictures[item["picture"]][0].id
    if item.get("inline_picture"):  # a photo inside the text, as editors insert from the media library
        body = _figure(pictures[item["inline_picture"]][0]) + body
    data["body"] = body
    return data


def _figure(media):
    from core.storage import media_url

    return (
        f'<figure><img src="{media_url(media)}" alt="{escape(media.alt)}" width="{media.width}" '
        f'height="{media.height}"><figcaption>{escape(media.caption)}</figcaption></figure>'
    )


def _page(slug, data, author):
    """(page, 1) after creating it, or (the existing page, 0)."""
    from core.pages.service import save_page

    page = db.session.scalar(db.select(Page).filter_by(slug=slug))
    if page is not None:
        return page, 0
    return save_page(Page(), data, author, note="demo", allow_past_schedule=True), 1


def _menu(menu, entries, sections, pages):
    if db.session.scalar(db.select(MenuItem.id).filter_by(menu=menu).limit(1)) is not None:
        return 0  # an editor (or an earlier run) arranged this menu
    for position, (label, label_en, kind, target) in enumerate(entries, start=1):
        item = MenuItem(menu=menu, position=position, label=label, label_en=label_en)
        if kind == "url":
            item.url = target
        elif kind == "section":
            item.section = sections[target]
        elif kind == "page":
            item.page = pages[target]
        else:
            item.plugin_entry = target
        db.session.add(item)
    return len(entries)


# -- pictures --------------------------------------------------------------------


def _picture(filename, colours, label, alt, caption):
    """(Media, created): a generated banner stored through the media library."""
    from core.storage import save_upload
    from core.storage.models import Media

    media = db.session.scalar(db.select(Media).filter_by(original_name=filename, private=False))
    if media is not None:
        return media, False
    data = banner_jpeg(colours, label)
    media = save_upload(FileStorage(io.BytesIO(data), filename=filename, content_type="image/jpeg"), kinds=["image"])
    media.alt, media.caption = alt, caption
    db.session.commit()
    return media, True


FONT_CANDIDATES = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
]


def _font(size):
    from PIL import ImageFont

    for path in FONT_CANDIDATES:
        if Path(path).exists():
            return ImageFont.truetype(path, size), True
    return ImageFont.load_default(size=size), False


def banner_jpeg(colours, label, size=(1200, 800)):
    """A simple banner: a two-colour gradient, a few soft circles and the label if a CJK font exists."""
    from PIL import Image, ImageColor, ImageDraw

    width, height = size
    start, end = ImageColor.getrgb(colours[0]), ImageColor.getrgb(colours[1])
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for x in range(width):
        share = x / (width - 1)
        draw.line([(x, 0), (x, height)], fill=tuple(round(a + (b - a) * share) for a, b in zip(start, end)))
    overlay = Image.new("RGBA", size, (0, 0, 0, 0))
    shapes = ImageDraw.Draw(overlay)
    for cx, cy, radius, alpha in ((980, 140, 280, 40), (1100, 680, 200, 55), (160, 720, 240, 30)):
        shapes.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=(255, 255, 255, alpha))
    image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    draw = ImageDraw.Draw(image)
    font, cjk = _font(64)
    small, _ = _font(30)
    if cjk:
        draw.text((80, height // 2 - 60), label, font=font, fill="white")
    draw.text((82, height // 2 + 40), "SHENZHEN QUALITY ASSOCIATION · 2021", font=small, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()
