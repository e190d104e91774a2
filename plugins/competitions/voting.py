"""The public vote: casting votes under a daily limit, counting them, spotting anomalies, voiding.

Daily limit. A voter may vote ``competition.votes_per_day`` times per entry per
*local* day (the site's time zone, ``BABEL_DEFAULT_TIMEZONE``: a day starts at
midnight in Shenzhen, not in UTC). Each vote takes a numbered slot
1..votes_per_day; the unique constraint (entry_id, voter_id, day, slot) makes
the limit hold under concurrent requests: two requests racing for the same slot
cannot both insert it, the loser's SAVEPOINT is rolled back and it tries the
next slot, and when no slot is left the vote is refused.

Voided votes keep their slot: a vote voided by a manager still used the voter's
allowance for that day (otherwise voiding a burst would hand the same accounts
a fresh batch of votes). Voided votes never count.

Anomalies. The detection functions (``detect_bursts``, ``detect_new_account_clusters``,
``detect_shared_ips``) take plain rows (``VoteRow``), so they are tested without
a database; ``anomaly_report`` loads the competition's valid votes and runs them
with thresholds from the app config (``COMPETITIONS_VOTE_*``, defaults in
``DEFAULTS``). Each finding lists the ids of the votes involved so a manager can
void them together.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from core.audit import audit
from core.extensions import db
from core.users.models import User, utcnow
from plugins.competitions import access
from plugins.competitions.models import PASSED, SUBMITTED, VOTING, Category, Entry, Vote

DEFAULTS = {
    "COMPETITIONS_VOTE_RATE_LIMIT": "30 per minute",
    "COMPETITIONS_VOTE_BURST_WINDOW": 60,  # seconds
    "COMPETITIONS_VOTE_BURST_THRESHOLD": 20,  # at least this many votes for one entry in one window...
    "COMPETITIONS_VOTE_BURST_FACTOR": 5.0,  # ...and this many times the entry's average rate
    "COMPETITIONS_VOTE_NEW_ACCOUNT_HOURS": 24,  # an account this young when it voted is "new"
    "COMPETITIONS_VOTE_NEW_ACCOUNT_MIN": 5,  # new accounts voting for one entry that make a cluster
    "COMPETITIONS_VOTE_SHARED_IP_MIN": 5,  # distinct voters from one address for one entry
}

VOID_REASON_MAX = 500


def setting(name):
    if has_app_context():
        return current_app.config.get(name, DEFAULTS[name])
    return DEFAULTS[name]


class VoteError(Exception):
    """A refused vote or void, with a message for the user and an HTTP status for JSON answers."""

    def __init__(self, message, status=409):
        super().__init__(str(message))
        self.message = str(message)
        self.status = status


# -- days and limits -----------------------------------------------------------


def site_timezone():
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    name = name or "UTC"
    try:
        return ZoneInfo(name)
    except Exception:  # an unknown zone name: count days in UTC rather than fail every vote
        return ZoneInfo("UTC")


def local_day(moment):
    """The site-local calendar day of a naive UTC time."""
    return moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(site_timezone()).date()


def daily_limit(competition):
    return max(int(competition.votes_per_day or 1), 1)


# -- who may vote for what -------------------------------------------------------


def vote_stage_state(competition, now=None):
    """'none', 'not_yet', 'open' or 'closed'."""
    stage = competition.stage(VOTING)
    if stage is None:
        return "none"
    now = now or utcnow()
    if now < stage.opens_at:
        return "not_yet"
    if stage.has_closed(now):
        return "closed"
    return "open"


def check_stage(competition, now=None):
    state = vote_stage_state(competition, now)
    if state == "none":
        raise VoteError(_("This competition has no public vote."), 404)
    if state == "not_yet":
        raise VoteError(_("The public vote has not opened yet."), 409)
    if state == "closed":
        raise VoteError(_("The public vote has closed."), 409)


def published_message():
    return _("The results have been published: the public vote is over.")


def ineligibility(competition, user):
    """Why ``user`` may not vote in this competition, or None if they may."""
    if user is None or not getattr(user, "is_authenticated", False):
        return _("Please sign in to vote.")
    if not user.is_active:
        return _("Your account is not active.")
    if user.email_verified_at is None:
        return _("Please confirm your e-mail address before voting.")
    if competition.vote_members_only and not access.member_organisation_ids(user):
        return _("Only members of the association's member organisations may vote in this competition.")
    return None


def votable_entries_query(competition):
    return (
        db.select(Entry)
        .join(Category, Entry.category_id == Category.id)
        .where(Entry.competition_id == competition.id, Entry.status == SUBMITTED, Entry.screening == PASSED)
        .order_by(Category.position, Category.id, Entry.number, Entry.id)
    )


def votable_entries(competition):
    return db.session.scalars(votable_entries_query(competition)).all()


def used_slots(entry_id, voter_id, day):
    return set(db.session.scalars(
        db.select(Vote.slot).where(Vote.entry_id == entry_id, Vote.voter_id == voter_id, Vote.day == day)
    ))


def remaining_today(competition, voter, now=None):
    """{entry_id: votes the voter has left today} for the entries they voted for today.

    Entries absent from the answer have the full ``daily_limit(competition)`` left."""
    day = local_day(now or utcnow())
    limit = daily_limit(competition)
    rows = db.session.execute(
        db.select(Vote.entry_id, db.func.count(Vote.id))
        .where(Vote.competition_id == competition.id, Vote.voter_id == voter.id, Vote.day == day)
        .group_by(Vote.entry_id)
    ).all()
    return {entry_id: max(limit - used, 0) for entry_id, used in rows}


def cast_vote(competition, entry, voter, ip, now=None):
    """Record one vote of ``voter`` for ``entry``; return (vote, votes left today for this entry).

    Raises VoteError (with a translated message and an HTTP status) when refused. Flushes inside a
    SAVEPOINT; the caller commits."""
    now = now or utcnow()
    check_stage(competition, now)
    if competition.results_published_at is not None:
        raise VoteError(published_message(), 409)
    if entry is None or entry.competition_id != competition.id or not entry.in_judging:
        raise VoteError(_("This entry is not in the public vote."), 404)
    reason = ineligibility(competition, voter)
    if reason:
        raise VoteError(reason, 403)
    day = local_day(now)
    limit = daily_limit(competition)
    taken = used_slots(entry.id, voter.id, day)
    for slot in range(1, limit + 1):
        if slot in taken:
            continue
        vote = Vote(competition_id=competition.id, entry_id=entry.id, voter_id=voter.id, day=day, slot=slot,
                    created_at=now, ip=(ip or None) and str(ip)[:45])
        try:
            with db.session.begin_nested():
                db.session.add(vote)
        except IntegrityError:
            # Another request took this slot between our read and our insert: try the next one.
            taken.add(slot)
            continue
        taken.add(slot)
        return vote, max(limit - len(taken), 0)
    raise VoteError(_("You have used all your votes for this entry today. You can vote again tomorrow."), 429)


# -- counts --------------------------------------------------------------------


def vote_counts(competition):
    """{entry_id: valid (not voided) votes}; entries without votes are absent."""
    rows = db.session.execute(
        db.select(Vote.entry_id, db.func.count(Vote.id))
        .where(Vote.competition_id == competition.id, Vote.voided_at.is_(None))
        .group_by(Vote.entry_id)
    ).all()
    return {entry_id: count for entry_id, count in rows}


def entry_vote_count(entry):
    return db.session.scalar(
        db.select(db.func.count(Vote.id)).where(Vote.entry_id == entry.id, Vote.voided_at.is_(None))
    )


def counts_visible(competition, now=None):
    """Whether the public sees vote counts: always, unless the competition hides them until the vote closes."""
    if not competition.hide_vote_counts:
        return True
    stage = competition.stage(VOTING)
    return stage is None or stage.has_closed(now)


def report_counts(competition):
    """[(entry_id, valid, voided)] for the manager's report."""
    valid = db.func.sum(db.case((Vote.voided_at.is_(None), 1), else_=0))
    voided = db.func.sum(db.case((Vote.voided_at.is_not(None), 1), else_=0))
    rows = db.session.execute(
        db.select(Vote.entry_id, valid, voided).where(Vote.competition_id == competition.id).group_by(Vote.entry_id)
    ).all()
    return {entry_id: (int(v or 0), int(x or 0)) for entry_id, v, x in rows}


def votes_per_day(competition):
    """[(day, valid, voided)], oldest first."""
    valid = db.func.sum(db.case((Vote.voided_at.is_(None), 1), else_=0))
    voided = db.func.sum(db.case((Vote.voided_at.is_not(None), 1), else_=0))
    rows = db.session.execute(
        db.select(Vote.day, valid, voided).where(Vote.competition_id == competition.id)
        .group_by(Vote.day).order_by(Vote.day)
    ).all()
    return [(day, int(v or 0), int(x or 0)) for day, v, x in rows]


# -- anomalies -------------------------------------------------------------------

BURST, NEW_ACCOUNTS, SHARED_IP = "burst", "new_accounts", "shared_ip"


@dataclass(frozen=True)
class VoteRow:
    id: int
    entry_id: int
    voter_id: int
    created_at: datetime
    ip: str | None = None
    voter_created_at: datetime | None = None


@dataclass
class Finding:
    kind: str
    entry_id: int
    vote_ids: list
    voters: int
    start: datetime
    end: datetime
    detail: dict = field(default_factory=dict)

    @property
    def key(self):
        return f"{self.kind}-{self.entry_id}-{self.vote_ids[0] if self.vote_ids else 0}"


def _by_entry(rows):
    grouped = defaultdict(list)
    for row in rows:
        grouped[row.entry_id].append(row)
    return grouped


def _finding(kind, entry_id, rows, **detail):
    rows = sorted(rows, key=lambda r: (r.created_at, r.id))
    return Finding(kind=kind, entry_id=entry_id, vote_ids=sorted(r.id for r in rows),
                   voters=len({r.voter_id for r in rows}), start=rows[0].created_at, end=rows[-1].created_at,
                   detail=detail)


def detect_bursts(rows, *, window=60, threshold=20, factor=5.0, span_seconds=None):
    """Many votes for one entry within ``window`` seconds, far above the entry's average rate.

    A window is a burst when it holds at least ``threshold`` votes and at least ``factor`` times
    what the entry's average rate predicts for a window (the average over ``span_seconds``, the
    vote's running time, or else over the span of the entry's own votes). Overlapping burst
    windows are merged into one finding."""
    window = max(float(window), 1.0)
    findings = []
    for entry_id, entry_rows in _by_entry(rows).items():
        entry_rows.sort(key=lambda r: (r.created_at, r.id))
        total = len(entry_rows)
        if total < threshold:
            continue
        span = span_seconds
        if not span:
            span = (entry_rows[-1].created_at - entry_rows[0].created_at).total_seconds()
        span = max(float(span), window)
        expected = total * window / span
        needed = max(threshold, factor * expected)
        times = [r.created_at for r in entry_rows]
        intervals = []
        start = 0
        for end in range(total):
            while (times[end] - times[start]).total_seconds() >= window:
                start += 1
            if end - start + 1 >= needed:
                if intervals and start <= intervals[-1][1]:
                    intervals[-1][1] = end
                else:
                    intervals.append([start, end])
        for first, last in intervals:
            chunk = entry_rows[first:last + 1]
            seconds = max((chunk[-1].created_at - chunk[0].created_at).total_seconds(), 1.0)
            findings.append(_finding(BURST, entry_id, chunk, window=int(window), expected=round(expected, 3),
                                     per_minute=round(len(chunk) * 60 / seconds, 1)))
    return findings


def detect_new_account_clusters(rows, *, new_account_hours=24, min_accounts=5):
    """Accounts created shortly (``new_account_hours``) before they voted, at least ``min_accounts``
    of them voting for the same entry."""
    limit = timedelta(hours=new_account_hours)
    findings = []
    for entry_id, entry_rows in _by_entry(rows).items():
        young = [r for r in entry_rows
                 if r.voter_created_at is not None and timedelta(0) <= r.created_at - r.voter_created_at <= limit]
        if len({r.voter_id for r in young}) >= min_accounts:
            findings.append(_finding(NEW_ACCOUNTS, entry_id, young, hours=new_account_hours))
    return findings


def detect_shared_ips(rows, *, min_voters=5):
    """At least ``min_voters`` different voters voting for one entry from one address."""
    groups = defaultdict(list)
    for row in rows:
        if row.ip:
            groups[(row.entry_id, row.ip)].append(row)
    findings = []
    for (entry_id, ip), group in groups.items():
        if len({r.voter_id for r in group}) >= min_voters:
            findings.append(_finding(SHARED_IP, entry_id, group, ip=ip))
    return findings


def detect_all(rows, *, burst_window=60, burst_threshold=20, burst_factor=5.0, span_seconds=None,
               new_account_hours=24, new_account_min=5, shared_ip_min=5):
    rows = list(rows)
    findings = (
        detect_bursts(rows, window=burst_window, threshold=burst_threshold, factor=burst_factor,
                      span_seconds=span_seconds)
        + detect_new_account_clusters(rows, new_account_hours=new_account_hours, min_accounts=new_account_min)
        + detect_shared_ips(rows, min_voters=shared_ip_min)
    )
    order = {BURST: 0, NEW_ACCOUNTS: 1, SHARED_IP: 2}
    return sorted(findings, key=lambda f: (f.entry_id, order[f.kind], f.start))


def vote_rows(competition):
    """The competition's valid votes as VoteRow (voided ones are settled and left out)."""
    result = db.session.execute(
        db.select(Vote.id, Vote.entry_id, Vote.voter_id, Vote.created_at, Vote.ip, User.created_at)
        .join(User, User.id == Vote.voter_id)
        .where(Vote.competition_id == competition.id, Vote.voided_at.is_(None))
        .order_by(Vote.created_at, Vote.id)
    )
    return [VoteRow(*row) for row in result]


def anomaly_report(competition, *, burst_window=None, burst_threshold=None, burst_factor=None,
                   new_account_hours=None, new_account_min=None, shared_ip_min=None, now=None):
    """Findings over the competition's valid votes; thresholds default to the app config."""
    stage = competition.stage(VOTING)
    span = None
    if stage is not None:
        end = min(now or utcnow(), stage.closes_at)
        span = max((end - stage.opens_at).total_seconds(), 0) or None

    def pick(value, key):
        return setting(key) if value is None else value

    return detect_all(
        vote_rows(competition),
        burst_window=pick(burst_window, "COMPETITIONS_VOTE_BURST_WINDOW"),
        burst_threshold=pick(burst_threshold, "COMPETITIONS_VOTE_BURST_THRESHOLD"),
        burst_factor=pick(burst_factor, "COMPETITIONS_VOTE_BURST_FACTOR"),
        span_seconds=span,
        new_account_hours=pick(new_account_hours, "COMPETITIONS_VOTE_NEW_ACCOUNT_HOURS"),
        new_account_min=pick(new_account_min, "COMPETITIONS_VOTE_NEW_ACCOUNT_MIN"),
        shared_ip_min=pick(shared_ip_min, "COMPETITIONS_VOTE_SHARED_IP_MIN"),
    )


# -- voiding ---------------------------------------------------------------------


def void_votes(competition, vote_ids, reason, user, now=None):
    """Void the given votes of this competition; return how many were newly voided.

    Refused (VoteError, nothing changed) once results are published, without a reason, or when
    any id is not a vote of this competition. Votes already voided keep their first reason.
    Audited with the ids and the reason; the caller commits."""
    reason = (reason or "").strip()
    if competition.results_published_at is not None:
        raise VoteError(_("The results are published: votes can no longer be voided."), 409)
    if not reason:
        raise VoteError(_("Give a reason for voiding these votes."), 400)
    if len(reason) > VOID_REASON_MAX:
        raise VoteError(_("The reason is too long (at most %(count)s characters).", count=VOID_REASON_MAX), 400)
    ids = sorted({int(i) for i in vote_ids})
    if not ids:
        raise VoteError(_("No votes were chosen."), 400)
    if any(not 0 < i <= access.MAX_ID for i in ids):
        raise VoteError(_("Some of these votes do not belong to this competition."), 404)
    votes = db.session.scalars(db.select(Vote).where(Vote.id.in_(ids))).all()
    if len(votes) != len(ids) or any(vote.competition_id != competition.id for vote in votes):
        raise VoteError(_("Some of these votes do not belong to this competition."), 404)
    now = now or utcnow()
    voided = []
    for vote in votes:
        if vote.voided_at is None:
            vote.voided_at = now
            vote.voided_by_id = user.id if user is not None else None
            vote.void_reason = reason
            voided.append(vote.id)
    audit("competitions.votes_voided", competition.id, actor=user, vote_ids=sorted(voided), reason=reason,
          requested=len(ids))
    return len(voided)


def recent_voided(competition, limit=50):
    """[(vote, voter, voided_by)] latest voided first."""
    from sqlalchemy.orm import aliased

    voter, voider = aliased(User), aliased(User)
    return db.session.execute(
        db.select(Vote, voter, voider)
        .join(voter, voter.id == Vote.voter_id)
        .outerjoin(voider, voider.id == Vote.voided_by_id)
        .where(Vote.competition_id == competition.id, Vote.voided_at.is_not(None))
        .order_by(Vote.voided_at.desc(), Vote.id.desc())
        .limit(limit)
    ).all()
