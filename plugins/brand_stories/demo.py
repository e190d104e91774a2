"""Demo content of live finals (flask demo load), after the competitions demo.

The 9th brand-story contest, city division, 2021: a preliminary round of 136
entries from 42 companies in four categories (essay, speech, short video,
micro-film), judged by experts with published results; and the final, in its
judging stage today, whose finalists (from 36 companies) were promoted from
those results, with a live final admitting anonymous devices (one scoring like
per viewer and finalist), a speech session of 15 finalists and a short-video
session, both not started yet.

Names, titles and scores are generated (seeded); only the figures come from the
facts. Safe to run again: nothing is added when the final's competition exists.
"""
import random
from datetime import datetime, timedelta

from core.extensions import db
from core.users.models import utcnow
from core.users.service import find_user
from plugins.competitions.demo import DEMO_DOMAIN, _companies, _judges, _panels, _person, _score_sheets, _stages
from plugins.competitions.models import (
    JUDGING,
    PASSED,
    RESULTS,
    SCREENING,
    SUBMISSION,
    SUBMITTED,
    AwardTier,
    Category,
    Competition,
    Criterion,
    Entry,
    SpecialAward,
    Stage,
)

from . import finalists
from .models import DEVICES, LiveFinal, LiveSession

PRELIMINARY_SLUG = "brand-stories-2021"
FINAL_SLUG = "brand-stories-2021-final"
COMPANIES, FINAL_COMPANIES = 42, 36

# (name, code, entries, finalists, required materials, longest video in seconds). The facts give 136
# entries with 50 micro-films, 37 short videos and 31 speeches: the remaining 18 are essays.
CATEGORIES = [
    ("征文", "ZW", 18, 6, [{"kinds": ["pdf", "document"], "or_text": True, "label": "征文"}], None),
    ("演讲", "YJ", 31, 15, [{"kinds": ["pdf", "document"], "or_text": False, "label": "演讲稿或演示文稿"},
                          {"kinds": ["video"], "or_text": False, "label": "演讲视频"}], None),
    ("短视频", "DSP", 37, 12, [{"kinds": ["video"], "or_text": False, "label": "短视频"}], 60),
    ("微电影", "WDY", 50, 12, [{"kinds": ["video"], "or_text": False, "label": "微电影"}], None),
]
TOPICS = ["匠心", "初心", "坚守", "品质", "诚信", "创新", "传承", "温度", "担当", "远方", "微光", "追梦"]
SUBJECTS = ["一颗螺丝的旅程", "凌晨四点的质检台", "老师傅的笔记本", "把投诉变成口碑", "从车间到世界",
            "零缺陷的约定", "一张合格证的分量", "三代人的一块表", "水表背后的人", "为千家万户守护光亮",
            "一条产线的重生", "客户的一封感谢信", "我们的品牌日记", "数据里的质量故事", "小改进大不同"]
CRITERIA = [("content", "故事内容", 0.4), ("delivery", "表达呈现", 0.3), ("creativity", "创意与感染力", 0.3)]


def load():
    """Add the brand-story contest if it is missing (the caller commits)."""
    if db.session.scalar(db.select(Competition.id).filter_by(slug=FINAL_SLUG)) is not None:
        return
    rng = random.Random(2109)
    manager = find_user(f"admin@{DEMO_DOMAIN}")
    companies = _companies(rng)[:COMPANIES]
    preliminary = db.session.scalar(db.select(Competition).filter_by(slug=PRELIMINARY_SLUG))
    if preliminary is None:
        preliminary = _preliminary(rng, companies, _judges(rng), manager)
    final = _final(preliminary)
    report = finalists.promote(final, _top_numbers(preliminary), set(), add_to_order=True, actor=manager)
    for slot in (slot for session in final.sessions for slot in session.slots):
        slot.presenter = _person(rng)
    db.session.flush()
    return report


def _criteria():
    return [Criterion(key=key, label=label, weight=weight, min_score=0, max_score=100, step=1, position=index)
            for index, (key, label, weight) in enumerate(CRITERIA, start=1)]


TITLE_SHAPES = {"征文": "{topic}·{subject}", "演讲": "{topic}——{subject}", "短视频": "《{subject}》（{topic}篇）",
                "微电影": "微电影《{topic}：{subject}》"}


def _title(rng, category, used):
    while True:
        title = TITLE_SHAPES[category].format(topic=rng.choice(TOPICS), subject=rng.choice(SUBJECTS))
        if title not in used:
            used.add(title)
            return title


def _preliminary(rng, companies, judges, manager):
    competition = Competition(
        slug=PRELIMINARY_SLUG, title="2021年第九届品牌故事大赛（市赛区）初赛", year=2021, listed=True,
        summary="征文、演讲、短视频、微电影四个类别，专家评审后择优进入市赛区决赛。",
        description="<p>会员单位讲述自己的品牌故事。作品经专家评审，各类别成绩靠前的作品进入决赛。</p>",
        judges_per_entry=5, aggregation_method="trimmed_mean", tiers_per_category=True,
        tie_breaks=["criterion:content", "earlier_submission"],
        entry_fields={"title_label": "作品名称", "team_members": "optional", "summary": "required",
                      "body": "optional", "attachments": "optional", "max_attachments": 3,
                      "attachment_kinds": ["pdf", "document", "video", "image"]},
    )
    competition.categories = [Category(name=name, code=code, position=index, materials=materials,
                                       max_video_seconds=seconds)
                              for index, (name, code, _n, _f, materials, seconds) in enumerate(CATEGORIES)]
    competition.criteria = _criteria()
    competition.stages = _stages(datetime(2021, 7, 1), (SUBMISSION, 40), (SCREENING, 10), (JUDGING, 20),
                                 (RESULTS, 60))
    db.session.add(competition)
    db.session.flush()
    quality, used, finalist_turn = {}, set(), 0
    for category, (name, code, count, chosen, _m, _s) in zip(competition.categories, CATEGORIES):
        for index in range(count):
            if index < chosen:  # the future finalists go round 36 companies and score clearly higher
                company, score = companies[finalist_turn % FINAL_COMPANIES], rng.uniform(0.84, 0.95)
                finalist_turn += 1
            else:
                company, score = companies[rng.randrange(COMPANIES)], rng.uniform(0.35, 0.7)
            submitted = datetime(2021, 7, 3) + timedelta(hours=rng.randrange(0, 36 * 24))
            entry = Entry(competition=competition, category=category, organisation=company,
                          number=f"{code}-{index + 1:03d}", title=_title(rng, name, used),
                          team_members="\n".join(_person(rng) for _ in range(rng.randint(1, 4))),
                          summary=f"{company.short_name or company.name}的{name}作品，讲述员工与品牌一起成长的故事。",
                          status=SUBMITTED, submitted_at=submitted, created_at=submitted - timedelta(days=1),
                          screening=PASSED, screened_at=datetime(2021, 8, 15))
            db.session.add(entry)
            quality[entry] = score
    db.session.flush()
    panel_judges = _panels(competition, judges, per_panel=5)
    for entry in quality:
        entry.panel = next(panel for panel in competition.panels if panel.category_id == entry.category_id)
    _score_sheets(rng, list(quality), panel_judges, competition.criteria, quality, datetime(2021, 9, 1, 9))
    db.session.flush()
    from plugins.competitions import results

    results.publish(competition, manager)
    competition.results_published_at = competition.stage(RESULTS).opens_at + timedelta(hours=10)
    return competition


def _final(preliminary):
    """The final's competition, judging today, and its live final with two sessions."""
    today = utcnow().replace(minute=0, second=0, microsecond=0)
    competition = Competition(
        slug=FINAL_SLUG, title="2021年第九届品牌故事大赛（市赛区）决赛", year=2021, listed=True,
        summary="决赛现场讲述，评委打分与观众点赞共同计分。",
        description="<p>决赛选手依次登台。每位选手讲述期间，观众的点赞计入成绩（占总分的20%）。</p>",
        judges_per_entry=5, aggregation_method="trimmed_mean", vote_weight=0.2, tiers_per_category=True,
        tie_breaks=["criterion:content", "votes"], entry_fields=dict(preliminary.entry_fields),
    )
    competition.categories = [Category(name=name, code=code, position=index)
                              for index, (name, code, *_rest) in enumerate(CATEGORIES)]
    competition.criteria = _criteria()
    competition.tiers = [AwardTier(name=name, quota=quota, position=index)
                         for index, (name, quota) in enumerate([("一等奖", 1), ("二等奖", 2), ("三等奖", 3)])]
    competition.special_awards = [
        SpecialAward(name="最佳台风奖", basis="manual", winners=1, position=0, description="台风最佳的选手。"),
        SpecialAward(name="最佳故事奖", basis="manual", winners=1, position=1, description="故事最打动人的作品。"),
        SpecialAward(name="最佳人气奖", basis="votes", winners=1, per_category=True, position=2,
                     description="各类别讲述期间获得现场点赞最多的作品。"),
    ]
    spans = [(SUBMISSION, -40, -20), (SCREENING, -20, -5), (JUDGING, -1, 2), (RESULTS, 3, 60)]
    competition.stages = [Stage(kind=kind, opens_at=today + timedelta(days=opens),
                                closes_at=today + timedelta(days=closes)) for kind, opens, closes in spans]
    db.session.add(competition)
    db.session.flush()
    final = LiveFinal(competition=competition, preliminary=preliminary, likes_cap=1, viewers=DEVICES)
    by_code = {category.code: category for category in competition.categories}
    starts = today.replace(hour=6)  # 14:00 in Beijing
    final.sessions = [
        LiveSession(title="演讲决赛", category=by_code["YJ"], position=0, starts_at=starts),
        LiveSession(title="短视频决赛", category=by_code["DSP"], position=1, starts_at=starts + timedelta(hours=4)),
    ]
    db.session.add(final)
    db.session.flush()
    return final


def _top_numbers(preliminary):
    finalists_of = {code: chosen for _name, code, _n, chosen, *_rest in CATEGORIES}
    return {category.id: finalists_of[category.code] for category in preliminary.categories}
