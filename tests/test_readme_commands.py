"""The README's commands are the ones that continuous integration and users run."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def command_blocks(text: str) -> list[str]:
    """Return the single-line commands of the fenced blocks of a Markdown text."""
    blocks = text.split("```")[1::2]
    return [block.strip() for block in blocks if block.strip().count("\n") == 0]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci_script = (ROOT / ".ci" / "run").read_text()
    test_commands = [command for command in command_blocks(readme) if "pytest" in command]
    assert len(test_commands) == 1
    assert test_commands[0] in ci_script.splitlines()


def test_readme_main_job_uses_bundled_store():
    readme = (ROOT / "README.md").read_text()
    compare_commands = [
        command for command in command_blocks(readme) if "jetgnn compare" in command
    ]
    assert len(compare_commands) == 1
    assert "--data data/default" in compare_commands[0]
    assert (ROOT / "data" / "default" / "store.json").is_file()
