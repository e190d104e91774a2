"""Demo competitions (flask demo load), generated from the association's real figures.

- The 2021 quality innovation and technology results exchange: 50 companies
  enter 156 projects in four categories; screening admits 103 projects of 45
  companies; five judges per category session score them; tiers 19/24/30/30
  and four best on-site presentations; exemplary projects go on to the
  national exchange.
- The 2020 professional title review: 155 applicants, 136 past eligibility,
  100 awarded at four levels (1/18/16/65).
- The 2021 "ten model markets" selection: 25 nominations, a public vote
  combined with expert review into a top ten.
- This year's exchange, copied from 2021, open for entries, so that the demo
  member can submit one; and this year's title review in its judging stage,
  with score sheets waiting for the demo judge.

Names, titles and scores are generated (seeded, so every load is the same);
only the figures come from the facts. Safe to run again: a competition whose
slug exists is skipped.
"""
import random
from datetime import date, datetime, timedelta

from core.extensions import db
from core.users.models import Organisation, User, utcnow
from core.users.service import find_user
from plugins.competitions.models import (
    JUDGING,
    PASSED,
    REJECTED,
    RESULTS,
    SCREENING,
    SUBMISSION,
    SUBMITTED,
    VOTING,
    Assignment,
    AwardTier,
    Category,
    Competition,
    Criterion,
    Entry,
    Panel,
    PanelJudge,
    Score,
    SpecialAward,
    SpecialAwardWinner,
    Stage,
    Vote,
)

DEMO_DOMAIN = "demo.example.org"
UNUSABLE_PASSWORD = "!demo-account-without-password"

EXCHANGE_CATEGORIES = [
    # (name, code, entries, admitted)
    ("六西格玛", "LX", 48, 32),
    ("精益管理", "JY", 42, 28),
    ("可靠性管理", "KK", 26, 17),
    ("质量创新", "ZC", 40, 26),
]
EXCHANGE_TIERS = [("示范级", 19, True), ("专业级", 24, False), ("改进级", 30, False), ("优秀项目", 30, False)]
TITLE_TIERS = [("正高级工程师", 1), ("高级工程师", 18), ("工程师", 16), ("助理工程师/技术员", 65)]

PLACES = ["鹏程", "南山", "福田", "前海", "蛇口", "光明", "龙华", "坪山", "宝安", "龙岗", "盐田", "大鹏", "华强",
          "科兴", "梅林", "西丽", "沙井", "松岗", "观澜", "布吉", "横岗", "石岩", "公明", "平湖", "坂田", "民治",
          "沙头角", "福永", "西乡", "新安", "葵涌", "南澳", "深湾", "后海", "车公庙", "香蜜", "莲花", "笋岗",
          "清水河", "翠竹", "东湖", "银湖", "梧桐", "大梅沙", "红树林"]
TRADES = ["电子", "精密制造", "物流", "水务", "电力", "医疗器械", "通信设备", "新能源", "半导体", "检测认证",
          "建设工程", "燃气", "轨道交通", "智能装备", "汽车零部件"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏宇浩凯晨思雨欣怡嘉俊博文斌志"
SUBJECTS = {
    "六西格玛": ["降低{p}焊接不良率", "提升{p}一次交验合格率", "减少{p}来料检验漏检", "缩小{p}尺寸波动", "降低{p}返修率", "提高{p}测试直通率"],
    "精益管理": ["{p}生产线精益布局改善", "缩短{p}订单交付周期", "{p}仓储拣选效率提升", "{p}换线时间压缩", "{p}装配工时降低", "{p}在制品库存压降"],
    "可靠性管理": ["{p}加速寿命试验与改进", "{p}失效模式分析与预防", "{p}现场故障率降低", "{p}可靠性增长管理", "{p}环境适应性提升", "{p}早期失效筛选优化"],
    "质量创新": ["基于数据分析的{p}质量预警", "{p}全流程质量追溯平台", "{p}智能视觉检测应用", "{p}质量成本优化", "{p}数字化检验系统", "{p}供应商质量协同管理"],
}
PRODUCTS = ["电源模块", "光模块", "基站天线", "电池包", "精密齿轮", "注塑外壳", "PCB组件", "传感器", "伺服电机",
            "医用导管", "水表", "燃气表", "变压器", "连接器", "显示模组", "服务器主板"]
MARKET_DISTRICTS = ["福田", "罗湖", "南山", "盐田", "宝安", "龙岗", "龙华", "坪山", "光明", "大鹏"]
MARKET_FEATURES = [
    "市场实行进货查验和摊位信用公示，设有食品快检室。",
    "推行明码标价和电子秤统一校准，投诉当日处理。",
    "改造后通风排水良好，生鲜区与熟食区分区经营。",
    "设立公平秤和消费者服务站，每周公布抽检结果。",
    "引入电子追溯，肉菜来源扫码可查。",
]
MARKET_KINDS = ["农产品批发市场", "农贸市场", "综合市场", "肉菜市场", "生鲜市场"]


def load():
    """Add the demo competitions that are missing (the caller commits)."""
    existing = set(db.session.scalars(db.select(Competition.slug)))
    rng = random.Random(2021)
    companies = _companies(rng)
    judges = _judges(rng)
    manager = find_user(f"admin@{DEMO_DOMAIN}")
    built = []
    if "exchange-2021" not in existing:
        built.append(_exchange_2021(rng, companies, judges))
    if "title-review-2020" not in existing:
        built.append(_title_review_2020(rng, companies, judges))
    if "model-markets-2021" not in existing:
        built.append(_model_markets_2021(rng, judges))
    db.session.flush()
    for competition in built:
        _publish(competition, manager)
        # Published when their results stage opened, years ago.
        competition.results_published_at = competition.stage(RESULTS).opens_at + timedelta(hours=10)
    this_year = utcnow().year
    if f"exchange-{this_year}" not in existing:
        _open_call(this_year)
    if f"title-review-{this_year}" not in existing:
        _review_in_judging(this_year, rng, companies, judges)
    db.session.flush()


# -- people and companies -----------------------------------------------------


def _companies(rng):
    """Fifty member companies: the core demo's and generated ones, in a fixed order."""
    companies = list(db.session.scalars(db.select(Organisation).order_by(Organisation.id)))
    names = {company.name for company in companies}
    index = 0
    while len(companies) < 50:
        name = f"深圳市{PLACES[index % len(PLACES)]}{TRADES[index % len(TRADES)]}有限公司"
        index += 1
        if name in names:
            continue
        company = db.session.scalar(db.select(Organisation).filter_by(name=name))
        if company is None:
            company = Organisation(name=name, short_name=name[3:-4])
            db.session.add(company)
        names.add(name)
        companies.append(company)
    db.session.flush()
    return companies[:50]


def _person(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _demo_user(local, name, role_names=("judge",), created_at=None):
    """A demo account that cannot sign in (no password); the core demo's judge keeps theirs."""
    from core.users.service import get_role

    email = f"{local}@{DEMO_DOMAIN}"
    user = find_user(email)
    if user is None:
        user = User(email=email, name=name, password_hash=UNUSABLE_PASSWORD, email_verified_at=utcnow(),
                    roles=[get_role(role) for role in role_names])
        if created_at is not None:
            user.created_at = created_at
        db.session.add(user)
    return user


def _judges(rng):
    """Twenty judges: the core demo's judge (who can sign in) and nineteen more."""
    judges = [find_user(f"judge@{DEMO_DOMAIN}")]
    judges += [_demo_user(f"judge{number:02d}", _person(rng)) for number in range(1, 21)]
    db.session.flush()
    return [judge for judge in judges if judge is not None][:20]


# -- shared building blocks ---------------------------------------------------


BEIJING_OFFSET = timedelta(hours=8)


def _stages(submission_opens, *spans):
    """Stages one after the other from midnight in Beijing of ``submission_opens``: spans are (kind, days)."""
    stages, start = [], submission_opens - BEIJING_OFFSET
    for kind, days in spans:
        stages.append(Stage(kind=kind, opens_at=start, closes_at=start + timedelta(days=days)))
        start += timedelta(days=days)
    return stages


def _score_sheets(rng, entries, panel_judges, criteria, quality, judged_at):
    """Submitted score sheets: each judge scores around the entry's quality, on the criterion's steps."""
    for entry in entries:
        for judge in panel_judges[entry.category_id]:
            sheet = Assignment(entry=entry, judge=judge, assigned_at=judged_at, saved_at=judged_at,
                               submitted_at=judged_at, comment="")
            bias = rng.uniform(-0.6, 0.6)
            for criterion in criteria:
                span = criterion.max_score - criterion.min_score
                raw = quality[entry] * span + criterion.min_score + bias * span / 10 + rng.gauss(0, span / 25)
                on_step = criterion.min_score + round((raw - criterion.min_score) / criterion.step) * criterion.step
                value = min(criterion.max_score, max(criterion.min_score, on_step))
                sheet.scores.append(Score(criterion=criterion, value=value))
            db.session.add(sheet)


def _panels(competition, judges, per_panel):
    """One panel per category (a parallel session), judges dealt out in turn."""
    panel_judges, cursor = {}, 0
    for position, category in enumerate(competition.categories):
        members = [judges[(cursor + offset) % len(judges)] for offset in range(per_panel)]
        cursor += per_panel
        panel = Panel(name=f"{category.name}分会场", category=category, position=position,
                      members=[PanelJudge(user=judge) for judge in members])
        competition.panels.append(panel)
        panel_judges[category] = members
    db.session.flush()
    return {category.id: members for category, members in panel_judges.items()}


def _publish(competition, manager):
    """Publish through the results service, as a manager would after judging."""
    from plugins.competitions import results

    results.publish(competition, manager)


# -- the 2021 results exchange -------------------------------------------------


def _exchange_2021(rng, companies, judges):
    competition = Competition(
        slug="exchange-2021", title="2021年度质量创新与技术成果交流活动", year=2021, listed=True,
        summary="六西格玛、精益管理、可靠性管理、质量创新四个类别，专家初审后分会场现场发布。",
        description=(
            "<p>本次交流活动面向会员单位征集质量改进与技术创新成果，共设四个类别。"
            "项目经专家初审后进入分会场现场发布，评委现场打分，去掉一个最高分和一个最低分后取平均。</p>"
            "<p>获得示范级的成果推荐参加全国质量创新与技术成果交流。</p>"
        ),
        entry_limit_per_org=8, judges_per_entry=5, aggregation_method="trimmed_mean",
        tie_breaks=["criterion:results", "first_places", "earlier_submission"], tiers_per_category=False,
        share_comments=True, share_scores=False,
        entry_fields={"title_label": "项目名称", "team_members": "required", "summary": "required",
                      "attachments": "optional", "max_attachments": 5,
                      "attachment_kinds": ["pdf", "document", "video", "image"]},
    )
    competition.categories = [Category(name=name, code=code, position=index)
                              for index, (name, code, _n, _a) in enumerate(EXCHANGE_CATEGORIES)]
    competition.criteria = [
        Criterion(key="topic", label="选题与目标", weight=0.2, max_score=10, position=1,
                  description="选题是否来自实际问题，目标是否明确、可衡量。"),
        Criterion(key="method", label="方法与工具", weight=0.3, max_score=10, position=2,
                  description="方法运用是否正确、恰当，数据是否充分。"),
        Criterion(key="results", label="成果与效益", weight=0.3, max_score=10, position=3,
                  description="效果是否经过验证，经济与社会效益如何。"),
        Criterion(key="presentation", label="现场发布", weight=0.2, max_score=10, position=4,
                  description="发布是否清晰、有条理，答辩是否准确。"),
    ]
    competition.tiers = [AwardTier(name=name, quota=quota, recommended_onward=onward, position=index)
                         for index, (name, quota, onward) in enumerate(EXCHANGE_TIERS)]
    competition.special_awards = [SpecialAward(name="最佳现场发布", basis="manual", winners=1, per_category=True,
                                               description="每个分会场评出一名现场发布表现最好的项目。")]
    competition.stages = _stages(datetime(2021, 4, 1), (SUBMISSION, 45), (SCREENING, 30), (JUDGING, 20),
                                 (RESULTS, 30))
    db.session.add(competition)
    db.session.flush()

    # 156 projects from 50 companies; the five companies at the end of the list see none admitted.
    admitted_companies = companies[:45]
    entries, quality, sequence = [], {}, 0
    dealt = rng.sample(range(45), 45)  # admitted projects go round the 45 companies in this order
    used_titles = set()
    for category, (name, _code, count, admitted) in zip(competition.categories, EXCHANGE_CATEGORIES):
        for index in range(count):
            passes = index < admitted
            if passes:
                company = admitted_companies[dealt[len(quality) % 45]]
            elif index % 3 == 0:
                company = companies[45 + index % 5]
            else:
                company = admitted_companies[(sequence * 11 + index) % 45]
            sequence += 1
            submitted = datetime(2021, 4, 3) + timedelta(hours=rng.randrange(0, 40 * 24))
            entry = Entry(
                competition=competition, category=category, organisation=company, number=f"{category.code}-{index + 1:03d}",
                title=_fresh_title(rng, name, used_titles),
                team_members="\n".join(_person(rng) for _ in range(rng.randint(3, 6))),
                summary="项目围绕生产现场的实际问题，明确目标后用数据找出主要原因，实施改进并固化成果。",
                status=SUBMITTED, submitted_at=submitted, created_at=submitted - timedelta(days=2),
                screening=PASSED if passes else REJECTED, screened_at=datetime(2021, 5, 25),
                screening_reason="" if passes else rng.choice(["成果实施时间不足一年，效果尚待验证。",
                                                               "申报材料缺少效果验证数据。",
                                                               "项目内容与所报类别不符。"]),
            )
            entries.append(entry)
            if passes:
                quality[entry] = rng.betavariate(5, 2.2)
    db.session.add_all(entries)
    db.session.flush()
    panel_judges = _panels(competition, judges, per_panel=5)
    for entry in quality:
        entry.panel = next(panel for panel in competition.panels if panel.category_id == entry.category_id)
    _score_sheets(rng, list(quality), panel_judges, competition.criteria, quality, datetime(2021, 6, 20, 8))
    db.session.flush()
    # Best on-site presentation: in each session, the judges' favourite on the presentation criterion.
    award = competition.special_awards[0]
    for category in competition.categories:
        best = max((e for e in quality if e.category_id == category.id),
                   key=lambda e: (sum(s.value for a in e.assignments for s in a.scores
                                      if s.criterion.key == "presentation"), -e.id))
        award.holders.append(SpecialAwardWinner(entry=best, decided_at=datetime(2021, 6, 30)))
    return competition


def _fresh_title(rng, category, used):
    while True:
        title = rng.choice(SUBJECTS[category]).format(p=rng.choice(PRODUCTS))
        if title not in used:
            used.add(title)
            return title


# -- the 2020 title review -----------------------------------------------------


def _title_review_2020(rng, companies, judges):
    competition = Competition(
        slug="title-review-2020", title="2020年度质量专业技术职称评审", year=2020, listed=True,
        summary="申报、资格审查、专家评审、按等级授予。",
        description="<p>面向会员单位从事质量工作的专业技术人员，经资格审查后由专家组评审，按名额授予相应等级。</p>",
        entry_limit_per_org=None, judges_per_entry=3, aggregation_method="mean",
        tie_breaks=["criterion:achievements", "earlier_submission"], tiers_per_category=False,
        entry_fields={"title_label": "申报人及专业", "team_members": "off", "summary": "required",
                      "attachments": "required", "max_attachments": 3, "attachment_kinds": ["pdf"]},
    )
    competition.categories = [Category(name="质量工程", code="ZL", position=0)]
    competition.criteria = [
        Criterion(key="knowledge", label="专业水平", weight=0.4, max_score=100, step=1, position=1),
        Criterion(key="achievements", label="工作业绩", weight=0.4, max_score=100, step=1, position=2),
        Criterion(key="defence", label="答辩表现", weight=0.2, max_score=100, step=1, position=3),
    ]
    competition.tiers = [AwardTier(name=name, quota=quota, position=index)
                         for index, (name, quota) in enumerate(TITLE_TIERS)]
    competition.stages = _stages(datetime(2020, 8, 1), (SUBMISSION, 40), (SCREENING, 20), (JUDGING, 30),
                                 (RESULTS, 30))
    db.session.add(competition)
    db.session.flush()
    category = competition.categories[0]
    quality, entries = {}, []
    for index in range(155):
        passes = index < 136
        company = companies[index % len(companies)]
        submitted = datetime(2020, 8, 2) + timedelta(hours=rng.randrange(0, 38 * 24))
        entry = Entry(
            competition=competition, category=category, organisation=company, number=f"ZL-{index + 1:03d}",
            title=f"{_person(rng)} · {rng.choice(['质量管理', '可靠性工程', '检验检测', '标准化', '计量'])}",
            summary="从事质量工作多年，主持或参与了企业质量体系建设和多项改进项目。",
            status=SUBMITTED, submitted_at=submitted, created_at=submitted,
            screening=PASSED if passes else REJECTED, screened_at=datetime(2020, 9, 25),
            screening_reason="" if passes else rng.choice(["任职年限不满足申报条件。", "缺少继续教育证明。"]),
        )
        entries.append(entry)
        if passes:
            quality[entry] = rng.betavariate(4, 2)
    db.session.add_all(entries)
    db.session.flush()
    panel = Panel(name="评审专家组", category=category, members=[PanelJudge(user=judge) for judge in judges[:7]])
    competition.panels.append(panel)
    db.session.flush()
    # Three of the seven experts per applicant, in turn.
    for number, entry in enumerate(quality):
        entry.panel = panel
        trio = {entry.category_id: [judges[(number + offset) % 7] for offset in (0, 2, 4)]}
        _score_sheets(rng, [entry], trio, competition.criteria, quality, datetime(2020, 10, 20, 9))
    return competition


# -- the 2021 model-market selection ---------------------------------------------


def _model_markets_2021(rng, judges):
    competition = Competition(
        slug="model-markets-2021", title="2021年度“十佳示范市场”评选", year=2021, listed=True,
        summary="各区推荐，网络投票与专家评审相结合，评出十佳示范市场。",
        description="<p>各区推荐候选市场，经公众网络投票和专家现场评审，综合得分前十名获评“十佳示范市场”。</p>",
        judges_per_entry=5, aggregation_method="trimmed_mean", vote_weight=0.3,
        tie_breaks=["votes", "criterion:service"], tiers_per_category=False, votes_per_day=1,
        vote_members_only=False, hide_vote_counts=True,
        entry_fields={"title_label": "市场名称", "team_members": "off", "summary": "required",
                      "attachments": "optional", "max_attachments": 5, "attachment_kinds": ["image", "pdf"]},
    )
    competition.categories = [Category(name="候选市场", code="SC", position=0)]
    competition.criteria = [
        Criterion(key="safety", label="食品安全", weight=0.4, max_score=10, position=1),
        Criterion(key="service", label="服务质量", weight=0.3, max_score=10, position=2),
        Criterion(key="environment", label="环境秩序", weight=0.3, max_score=10, position=3),
    ]
    competition.tiers = [AwardTier(name="十佳示范市场", quota=10, position=0)]
    competition.special_awards = [SpecialAward(name="网络人气市场", basis="votes", winners=1,
                                               description="网络投票得票最多的市场。")]
    competition.stages = _stages(datetime(2021, 8, 1), (SUBMISSION, 20), (SCREENING, 10), (VOTING, 20),
                                 (JUDGING, 10), (RESULTS, 30))
    db.session.add(competition)
    db.session.flush()
    category = competition.categories[0]
    markets, quality, names = [], {}, set()
    for index in range(25):
        district = MARKET_DISTRICTS[index % len(MARKET_DISTRICTS)]
        name = None
        while name is None or name in names:
            name = f"{district}{rng.choice(PLACES)}{MARKET_KINDS[index % len(MARKET_KINDS)]}"
        names.add(name)
        operator = db.session.scalar(db.select(Organisation).filter_by(name=f"{name}管理有限公司"))
        if operator is None:
            operator = Organisation(name=f"{name}管理有限公司", short_name=name)
        entry = Entry(competition=competition, category=category, organisation=operator,
                      number=f"SC-{index + 1:03d}", title=name, status=SUBMITTED, screening=PASSED,
                      summary=f"{district}区推荐。{rng.choice(MARKET_FEATURES)}",
                      submitted_at=datetime(2021, 8, 5) + timedelta(hours=index), screened_at=datetime(2021, 8, 25))
        markets.append(entry)
        quality[entry] = rng.betavariate(5, 2)
    db.session.add_all(markets)
    db.session.flush()
    panel = Panel(name="专家评审组", category=category, members=[PanelJudge(user=j) for j in judges[7:12]])
    competition.panels.append(panel)
    db.session.flush()
    for entry in markets:
        entry.panel = panel
    _score_sheets(rng, markets, {category.id: judges[7:12]}, competition.criteria, quality,
                  datetime(2021, 9, 25, 10))
    _votes(rng, competition, markets, quality)
    return competition


def _votes(rng, competition, markets, quality):
    """A public vote in miniature (the real one drew over 5.5 million votes): 120 voters over 20 days."""
    voters = [_demo_user(f"voter{number:03d}", f"投票用户{number:03d}", ("member",),
                         created_at=datetime(2021, 7, 1)) for number in range(1, 121)]
    db.session.flush()
    rows, opens = [], date(2021, 9, 1)
    popularity = [quality[entry] ** 3 + rng.random() * 0.3 for entry in markets]
    for voter in voters:
        favourites = set(rng.choices(range(len(markets)), weights=popularity, k=rng.randint(1, 4)))
        for day in range(20):
            if rng.random() < 0.45:
                continue
            for index in favourites:
                moment = datetime.combine(opens + timedelta(days=day), datetime.min.time()) + timedelta(
                    seconds=rng.randrange(8 * 3600, 22 * 3600))
                rows.append({"competition_id": competition.id, "entry_id": markets[index].id, "voter_id": voter.id,
                             "day": opens + timedelta(days=day), "slot": 1, "created_at": moment,
                             "ip": f"10.{voter.id % 250}.{day}.{index + 1}", "void_reason": ""})
    db.session.execute(db.insert(Vote), rows)


# -- this year's open call -------------------------------------------------------


def _open_call(year):
    """This year's exchange, set up like 2021's and open for entries now."""
    from plugins.competitions.configuration import copy_competition

    source = db.session.scalar(db.select(Competition).filter_by(slug="exchange-2021"))
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    shift = now - timedelta(days=10) - source.stage(SUBMISSION).opens_at
    competition = copy_competition(source, title=f"{year}年度质量创新与技术成果交流活动", slug=f"exchange-{year}",
                                   year=year, shift=shift)
    competition.listed = True  # copies start unlisted
    db.session.add(competition)
    return competition


def _review_in_judging(year, rng, companies, judges):
    """This year's title review, set up like 2020's, judging now: the demo judge has sheets to score."""
    from plugins.competitions import judging
    from plugins.competitions.configuration import copy_competition

    source = db.session.scalar(db.select(Competition).filter_by(slug="title-review-2020"))
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    shift = now - timedelta(days=3) - source.stage(JUDGING).opens_at
    competition = copy_competition(source, title=f"{year}年度质量专业技术职称评审", slug=f"title-review-{year}",
                                   year=year, shift=shift)
    competition.listed = True
    db.session.add(competition)
    db.session.flush()
    category = competition.categories[0]
    submission = competition.stage(SUBMISSION)
    for index in range(24):
        submitted = submission.opens_at + timedelta(hours=rng.randrange(1, 30 * 24))
        db.session.add(Entry(
            competition=competition, category=category, organisation=companies[(index * 3) % len(companies)],
            number=f"ZL-{index + 1:03d}", title=f"{_person(rng)} · {rng.choice(['质量管理', '可靠性工程', '检验检测'])}",
            summary="从事质量工作多年，负责体系审核和质量改进项目。", status=SUBMITTED, submitted_at=submitted,
            created_at=submitted, screening=PASSED, screened_at=competition.stage(SCREENING).opens_at + timedelta(days=2),
        ))
    competition.panels.append(Panel(name="评审专家组", category=category,
                                    members=[PanelJudge(user=judge) for judge in judges[:4]]))
    db.session.flush()
    judging.auto_assign(competition)
    # The other experts have made a start; the demo judge (judges[0]) has not.
    for entry in _entries_of(competition):
        for sheet in entry.assignments:
            if sheet.judge_id == judges[0].id or rng.random() < 0.4:
                continue
            for criterion in competition.criteria:
                raw = rng.uniform(60, 95)
                sheet.scores.append(Score(criterion=criterion, value=float(round(raw))))
            sheet.saved_at = sheet.submitted_at = now - timedelta(hours=rng.randrange(1, 48))
    return competition


def _entries_of(competition):
    return db.session.scalars(db.select(Entry).filter_by(competition_id=competition.id).order_by(Entry.id)).all()
