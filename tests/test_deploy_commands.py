"""Every Asterisk console command the project prints or documents exists in Asterisk 20: a
deployer who copies one must never meet "No such command" (issue: `pjsip reload` does not exist,
`module reload res_pjsip.so` does)."""

from __future__ import annotations

import re

from tests.conftest import ROOT

# The CLI commands of Asterisk 20.20.1 that deploying the rendered files needs, as its source
# registers them (e->command in main/cli.c, pbx/pbx_config.c, apps/app_queue.c, main/manager.c,
# res/res_pjsip/pjsip_cli.c): a documented command must be one of these, with its arguments.
ASTERISK_20_COMMANDS = [
    r"module reload( [\w.]+)*",
    r"dialplan reload",
    r"queue reload (parameters|members|rules|all)( \S+)*",
    r"manager reload",
    r"dialplan show( \S+)?",
    r"queue show( \S+)?",
    r"pjsip show (endpoints|endpoint \S+|aors|auths|contacts|registrations)",
    r"manager show users?( \S+)?",
    r"core show version",
]
_RX = re.compile(r"""asterisk -rx (["'])(.+?)\1""")
# A console command quoted on its own in the docs, e.g. "then `pjsip reload`".
_QUOTED = re.compile(r"`((?:pjsip|sip|dialplan|queue|manager|module|core) (?:reload|show)[^`]*)`")


def documented_commands() -> dict[str, list[str]]:
    """Every `asterisk -rx "…"` and quoted console command in the README, docs/ and the package."""
    files = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")),
             *sorted((ROOT / "callcenter").rglob("*.py"))]
    found: dict[str, list[str]] = {}
    for path in files:
        text = path.read_text(encoding="utf-8")
        commands = [m.group(2) for m in _RX.finditer(text)] + _QUOTED.findall(text)
        if commands:
            found[str(path.relative_to(ROOT))] = commands
    return found


def exists_in_asterisk_20(command: str) -> bool:
    return any(re.fullmatch(pattern, command) for pattern in ASTERISK_20_COMMANDS)


def test_the_check_knows_what_asterisk_20_lacks() -> None:
    assert exists_in_asterisk_20("module reload res_pjsip.so") and exists_in_asterisk_20("queue reload all")
    assert not exists_in_asterisk_20("pjsip reload")  # chan_pjsip has no such command in 20
    assert not exists_in_asterisk_20("sip reload")  # chan_sip is not built
    assert not exists_in_asterisk_20("queue reload")  # needs parameters|members|rules|all


def test_every_documented_or_printed_console_command_exists_in_asterisk_20() -> None:
    found = documented_commands()
    assert "README.md" in found and "callcenter/agents/cli.py" in found  # the check reads both
    wrong = {path: [c for c in commands if not exists_in_asterisk_20(c)] for path, commands in found.items()}
    assert {path: c for path, c in wrong.items() if c} == {}

