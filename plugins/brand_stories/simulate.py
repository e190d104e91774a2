"""``flask --app wsgi brand-stories simulate SESSION``: drive a live final with simulated viewers,
so that a newcomer can open the leaderboard (/live/<session>/board) and watch it move.

The simulator is the host and the audience at once: it opens each finalist's window in
running order, lets its viewers tap for a while (each finalist gets a popularity of its
own, so the ranking spreads), closes the window and moves on. Likes go through the same
ledger and rules as a phone's (a batch every half second per tapping viewer, the cap K
applies), so the counts it leaves are real counts of that session: use it on demo or
rehearsal sessions only.
"""
from __future__ import annotations

import random
import secrets
import time

import click
from flask.cli import with_appcontext

from core.extensions import db

from . import live
from .likes import LikeBatch, LikeRefused, device_viewer
from .models import ENDED, LiveSession
from .runtime import get_runtime

TICK = 0.5  # seconds between two batches of one viewer, as the phone page sends them


def run(session: LiveSession, *, viewers: int, seconds: float, seed: int | None = None, echo=print,
        sleep=time.sleep) -> dict[int, tuple[int, int]]:
    """Present every finalist of ``session`` not presented yet; returns {entry id: (hearts, scoring)}."""
    rng = random.Random(seed)
    runtime = get_runtime()
    audience = [device_viewer(f"sim-{secrets.token_hex(4)}-{index}") for index in range(viewers)]
    slots = [slot for slot in session.slots if slot.opened_at is None] or list(session.slots)
    ticks = max(1, int(seconds / TICK))
    for slot in slots:
        live.open_window(session, slot, None)
        popularity = rng.uniform(0.15, 0.9)  # share of the audience that taps for this finalist
        echo(f"On stage: {slot.entry.number or ''} {slot.entry.title} ({slot.presenter})")
        for tick in range(ticks):
            started = time.monotonic()
            for viewer in audience:
                if rng.random() > popularity:
                    continue
                batch = LikeBatch(session.id, slot.entry_id, viewer, rng.randint(1, 8), secrets.token_hex(8))
                try:
                    runtime.ledger.record(batch)
                except LikeRefused:
                    continue
            runtime.changed(session.id)
            sleep(max(0.0, TICK - (time.monotonic() - started)))
        snapshot = live.close_window(session, None)
        hearts, scoring = snapshot.counts.get(slot.entry_id, (0, 0))
        echo(f"  closed: {hearts} hearts, {scoring} scoring likes")
    return live.snapshot(session).counts


@click.group("brand-stories")
def cli():
    """Live finals of brand-story contests."""


@cli.command("simulate")
@click.argument("session_id", type=int)
@click.option("--viewers", default=300, show_default=True, type=click.IntRange(1, 20000),
              help="Simulated phones in the audience.")
@click.option("--seconds", default=15.0, show_default=True, type=click.FloatRange(1, 3600),
              help="How long each presentation's window stays open.")
@click.option("--seed", type=int, help="Make the taps the same on every run.")
@with_appcontext
def simulate_command(session_id, viewers, seconds, seed):
    """Present SESSION's finalists in running order to simulated viewers. Open
    /live/SESSION/board in a browser to watch."""
    session = db.session.get(LiveSession, session_id)
    if session is None:
        raise click.ClickException(f"There is no live session {session_id}.")
    if session.status == ENDED:
        raise click.ClickException(f"Session {session_id} has ended; simulate on a session that has not.")
    if not session.slots:
        raise click.ClickException(f"Session {session_id} has an empty running order.")
    click.echo(f"{session.title}: {len(session.slots)} finalists, {viewers} viewers, {seconds:g} s each.")
    counts = run(session, viewers=viewers, seconds=seconds, seed=seed, echo=click.echo)
    click.echo(f"Done: {sum(h for h, _ in counts.values())} hearts, {sum(s for _, s in counts.values())} "
               f"scoring likes in the session.")
