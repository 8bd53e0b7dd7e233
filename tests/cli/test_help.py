"""Every command has --help with an example; the top-level help lists every command (README.md#commands)."""

import re

import pytest
from typer.testing import CliRunner

from verify import __version__
from verify.cli import app

COMMANDS = ["new", "check", "normalize", "analyze", "report", "plan", "run", "replicate", "batch"]
runner = CliRunner()
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def plain(text: str) -> str:
    return ANSI.sub("", text)


def test_top_level_help_lists_every_command():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    for command in COMMANDS:
        assert re.search(rf"^\s+{command}\s", plain(result.output), re.M), command


@pytest.mark.parametrize("command", COMMANDS)
def test_command_help_has_an_example(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example: verify " + command in " ".join(plain(result.output).split())


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"verify {__version__}"


def test_no_arguments_shows_help():
    result = runner.invoke(app, [])
    assert "Usage" in plain(result.output)
