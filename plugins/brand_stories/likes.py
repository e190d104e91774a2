"""Live-like rules for brand-story finals: pure functions and value types, no Flask,
no database, no Redis.

Both ledgers (``ledger_memory.MemoryLedger`` in process, ``ledger_redis.RedisLedger``
across workers) apply exactly these rules, in this order, for every like batch:

1. **Validation** (``LikeBatch``): ``count`` an int in 1..max_batch (default
   ``MAX_BATCH`` = 200), ``batch_id`` 8..64 characters of ``[A-Za-z0-9_-]``,
   ``viewer`` a key ``"m:<user id>"`` (signed-in member) or ``"d:<device id>"``
   (anonymous device with a signed token, verified by the caller), session and
   entry ids positive ints. A bad batch raises ``LikeRefused`` with an English
   code; the plugin translates codes for people.
2. **Duplicates first**: a batch is identified by (session, viewer, batch_id). A
   batch seen before returns its ORIGINAL outcome with ``duplicate=True`` and adds
   nothing, even when the window has closed since (a client whose answer was lost
   re-sends; the like was acknowledged to nobody yet, but it was counted, and the
   re-send must learn that). The same id with a different entry or count is a
   client bug and is refused (``batch_conflict``), never silently merged.
3. **Window** (``check_window``): likes count only for the entry whose window is
   open in that session; at most one window is open per session.
4. **Scoring** (``score_batch``): hearts = every accepted tap; scoring likes =
   ``min(count, K - used)`` where ``used`` is what this viewer already contributed
   to this entry's scoring likes and ``K`` (>= 1) is the contest's cap. Taps beyond
   the cap are still accepted as hearts (they are shown, they do not score).
5. **Versions**: a session's snapshot version rises by exactly one with every
   accepted, non-duplicate batch and with every window change (open, switch,
   close). Refused and duplicate batches leave it alone.

Rate limits (per viewer, per IP) are applied by the view before a batch reaches
a ledger; they are not part of these rules.
"""
from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import KW_ONLY, InitVar, dataclass, field
from functools import lru_cache
from typing import Any

MAX_BATCH = 200
"""Default upper bound for ``count`` in one batch (a phone sends every ~500 ms)."""

BATCH_ID_RE = re.compile(r"[A-Za-z0-9_-]{8,64}")
VIEWER_RE = re.compile(r"[md]:[!-~]{1,200}")  # printable ASCII, no spaces
MEMBER, DEVICE = "m", "d"

# HTTP statuses the API answers with for each refusal.
BAD_REQUEST, CONFLICT = 400, 409

# Codes (English, stable; the plugin maps them to translated messages).
BAD_SESSION = "bad_session"
BAD_ENTRY = "bad_entry"
BAD_VIEWER = "bad_viewer"
BAD_COUNT = "bad_count"
BAD_BATCH_ID = "bad_batch_id"
BAD_PAYLOAD = "bad_payload"
BATCH_CONFLICT = "batch_conflict"
WINDOW_CLOSED = "window_closed"
NOT_CURRENT_ENTRY = "not_current_entry"


class LikeRefused(Exception):
    """A batch that is not counted at all. ``code`` is a stable English code,
    ``status`` the HTTP status the API answers with."""

    def __init__(self, code: str, status: int = BAD_REQUEST, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.status = status
        self.detail = detail

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.code, "detail": self.detail}


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def member_viewer(user_id: int | str) -> str:
    """Viewer key of a signed-in member."""
    return validate_viewer(f"{MEMBER}:{user_id}")


def device_viewer(device_id: str) -> str:
    """Viewer key of an anonymous device (its id, taken from a verified signed token)."""
    return validate_viewer(f"{DEVICE}:{device_id}")


def validate_viewer(viewer: Any) -> str:
    if not isinstance(viewer, str) or not VIEWER_RE.fullmatch(viewer):
        raise LikeRefused(BAD_VIEWER, BAD_REQUEST, "viewer must be 'm:<user id>' or 'd:<device id>'")
    return viewer


def validate_cap(cap: Any) -> int:
    """K, the most scoring likes one viewer gives one entry."""
    if not _positive_int(cap):
        raise ValueError(f"the per-viewer cap K must be an int >= 1, not {cap!r}")
    return cap


@dataclass(frozen=True)
class LikeBatch:
    """One batch of taps from one viewer for one entry, validated on construction.

    ``max_batch`` (keyword only, not stored) is the configured upper bound for ``count``.
    """

    session_id: int
    entry_id: int
    viewer: str
    count: int
    batch_id: str
    _: KW_ONLY
    network: str = ""  # the sender's network (network_of), kept for the anomaly report; not a rule
    max_batch: InitVar[int] = MAX_BATCH

    def __post_init__(self, max_batch: int) -> None:
        if not _positive_int(self.session_id):
            raise LikeRefused(BAD_SESSION, BAD_REQUEST, "session_id must be a positive integer")
        if not _positive_int(self.entry_id):
            raise LikeRefused(BAD_ENTRY, BAD_REQUEST, "entry_id must be a positive integer")
        validate_viewer(self.viewer)
        if not _positive_int(self.count) or self.count > max_batch:
            raise LikeRefused(BAD_COUNT, BAD_REQUEST, f"count must be an integer from 1 to {max_batch}")
        if not isinstance(self.batch_id, str) or not BATCH_ID_RE.fullmatch(self.batch_id):
            raise LikeRefused(BAD_BATCH_ID, BAD_REQUEST, "batch_id must be 8 to 64 characters of A-Z a-z 0-9 _ -")
        if not isinstance(self.network, str) or len(self.network) > 64:
            raise ValueError("network must be a string of at most 64 characters")

    @classmethod
    def from_payload(cls, session_id: int, viewer: str, payload: Any, *, max_batch: int = MAX_BATCH,
                     network: str = "") -> LikeBatch:
        """Build a batch from the JSON body ``{"entry_id", "count", "batch_id"}`` of
        ``POST /api/v1/live/<session_id>/likes``; unknown keys are refused."""
        if not isinstance(payload, dict):
            raise LikeRefused(BAD_PAYLOAD, BAD_REQUEST, "expected a JSON object")
        extra = set(payload) - {"entry_id", "count", "batch_id"}
        if extra:
            raise LikeRefused(BAD_PAYLOAD, BAD_REQUEST, "unexpected keys: " + ", ".join(sorted(map(str, extra))))
        return cls(
            session_id,
            payload.get("entry_id"),
            viewer,
            payload.get("count"),
            payload.get("batch_id"),
            network=network,
            max_batch=max_batch,
        )

    @property
    def dedupe_key(self) -> tuple[int, str, str]:
        return (self.session_id, self.viewer, self.batch_id)


@dataclass(frozen=True)
class Outcome:
    """What a batch added: ``accepted_hearts`` taps shown, ``accepted_scoring`` taps
    that count toward the score. ``duplicate`` marks a re-sent batch: the numbers
    are those of the original, and nothing was added this time."""

    accepted_hearts: int
    accepted_scoring: int
    duplicate: bool = False

    def as_duplicate(self) -> Outcome:
        return Outcome(self.accepted_hearts, self.accepted_scoring, True)

    def to_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted_hearts,
            "accepted_hearts": self.accepted_hearts,
            "accepted_scoring": self.accepted_scoring,
            "duplicate": self.duplicate,
        }


@dataclass(frozen=True)
class Delta:
    """One accepted batch as the ledger journals it for the database flush.

    ``id`` orders deltas (a Redis stream id ``"<ms>-<seq>"``; the memory ledger uses
    the same shape); ``version`` is the session's snapshot version after the batch;
    ``at_ms`` the acceptance time in epoch milliseconds."""

    id: str
    session_id: int
    entry_id: int
    viewer: str
    hearts: int
    scoring: int
    batch_id: str
    version: int
    at_ms: int
    network: str = ""


def stream_id_key(stream_id: str | bytes) -> tuple[int, int]:
    """Order of Redis stream ids ``"<ms>-<seq>"`` (string comparison is wrong: "9-0" > "10-0")."""
    if isinstance(stream_id, bytes):
        stream_id = stream_id.decode()
    ms, _, seq = stream_id.partition("-")
    return int(ms), int(seq or 0)


@lru_cache(maxsize=4096)  # a phone sends a batch every half second from the same address
def network_of(address: str | None) -> str:
    """The network an address belongs to, as the anomaly report groups senders: the /24 of an
    IPv4 address, the /48 of an IPv6 one (a phone's own address changes within it); "" if unknown."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def check_window(open_entry_id: int | None, entry_id: int) -> None:
    """The window rule: only the entry whose window is open in the session counts."""
    if open_entry_id is None:
        raise LikeRefused(WINDOW_CLOSED, CONFLICT, "no presentation window is open")
    if open_entry_id != entry_id:
        raise LikeRefused(NOT_CURRENT_ENTRY, CONFLICT, "likes count only for the entry being presented")


def scoring_likes(count: int, cap: int, used: int) -> int:
    """The scoring rule: at most ``cap`` (K) scoring likes per viewer per entry."""
    return max(0, min(count, cap - used))


def score_batch(count: int, cap: int, used: int) -> Outcome:
    """Outcome of an accepted batch of ``count`` taps from a viewer who has already
    contributed ``used`` scoring likes to this entry."""
    return Outcome(accepted_hearts=count, accepted_scoring=scoring_likes(count, cap, used))


def check_duplicate(original: tuple[int, int, Outcome] | None, batch: LikeBatch) -> Outcome | None:
    """``original`` is (entry_id, count, outcome) remembered for the batch's dedupe key.
    Returns the duplicate outcome, None for a new batch; refuses a reused id."""
    if original is None:
        return None
    entry_id, count, outcome = original
    if entry_id != batch.entry_id or count != batch.count:
        raise LikeRefused(BATCH_CONFLICT, CONFLICT, "this batch_id was already used for different likes")
    return outcome.as_duplicate()


@dataclass(frozen=True)
class Snapshot:
    """The live state of one session, as the leaderboard shows it.

    ``counts`` maps entry id to (hearts, scoring likes). ``version`` rises by one with
    every accepted batch and every window change; it is the SSE event id."""

    session_id: int
    version: int
    current_entry_id: int | None
    counts: dict[int, tuple[int, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "version": self.version,
            "current_entry_id": self.current_entry_id,
            "counts": {
                str(entry): {"hearts": hearts, "scoring": scoring}
                for entry, (hearts, scoring) in sorted(self.counts.items())
            },
        }

    def to_json(self) -> str:
        """Compact one-line JSON (safe as one SSE ``data:`` line)."""
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Snapshot:
        return cls(
            session_id=int(data["session_id"]),
            version=int(data["version"]),
            current_entry_id=None if data.get("current_entry_id") is None else int(data["current_entry_id"]),
            counts={int(k): (int(v["hearts"]), int(v["scoring"])) for k, v in data.get("counts", {}).items()},
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Snapshot:
        return cls.from_dict(json.loads(text))

    @classmethod
    def empty(cls, session_id: int) -> Snapshot:
        return cls(session_id, 0, None, {})
