"""The shared fixtures build a consistent world (the other tests rely on it)."""
from plugins.competitions.models import SUBMISSION


def test_world_is_open_for_entries(world):
    assert world.competition.stage_open(SUBMISSION)
    assert [c.code for c in world.categories] == ["SS", "LM"]
    assert world.judges[0].organisations == [world.organisations[0]] or world.organisations[0] in [
        m.organisation for m in world.judges[0].memberships]
    assert world.screener.can("competitions.screen") and not world.screener.can("competitions.manage")
