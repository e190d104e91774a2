"""flask brand-stories simulate: a newcomer's rehearsal of a live final."""
from core.extensions import db
from plugins.brand_stories import simulate
from plugins.brand_stories.models import LikeTotal, LiveSession


def test_the_simulator_presents_every_finalist_and_leaves_real_counts(app, world):
    session = world.speech
    lines = []
    counts = simulate.run(session, viewers=20, seconds=1, seed=7, echo=lines.append, sleep=lambda _s: None)
    entries = [slot.entry_id for slot in session.slots]
    assert sorted(counts) == sorted(entries)
    assert all(scoring <= 20 for _hearts, scoring in counts.values())  # K = 1: at most one per viewer
    assert all(hearts >= scoring > 0 for hearts, scoring in counts.values())
    db.session.expire_all()
    stored = {row.entry_id: (row.hearts, row.scoring) for row in db.session.scalars(db.select(LikeTotal))}
    assert stored == counts
    assert db.session.get(LiveSession, session.id).current_entry_id is None  # every window closed
    assert sum("On stage" in line for line in lines) == len(entries)


def test_the_command_refuses_unknown_ended_and_empty_sessions(app, world):
    runner = app.test_cli_runner()
    assert "no live session 99" in runner.invoke(args=["brand-stories", "simulate", "99"]).output
    world.sessions[1].slots = []
    world.speech.status = "ended"
    db.session.commit()
    assert "has ended" in runner.invoke(args=["brand-stories", "simulate", str(world.speech.id)]).output
    assert "empty running order" in runner.invoke(args=["brand-stories", "simulate", str(world.sessions[1].id)]).output


def test_the_command_runs_a_short_session(app, world):
    result = app.test_cli_runner().invoke(args=["brand-stories", "simulate", str(world.speech.id), "--viewers", "5",
                                                "--seconds", "1", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "Done:" in result.output and result.output.count("On stage") == 3
