"""The README's two set-up commands and CI stay in step."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def readme_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S):
        commands += [line.strip() for line in block.splitlines() if line.strip() and not line.startswith("#")]
    return commands[:2]


def test_readme_opens_with_a_run_command_and_a_test_command():
    run, test = readme_commands()
    assert "quickstart" in run and "test" not in run
    assert "pytest" in test and "[test]" in test


def test_ci_runs_the_readme_test_command_verbatim():
    _, test = readme_commands()
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test in ci_lines
    assert "export CI=true" in ci_lines
