"""The README's "Deploying with Asterisk" walked on the real Asterisk: the harness already built the
prompts, provisioned the phones and rendered the files (steps 1-3); here a password is rotated,
the files rendered again and step 5's reload and check commands -- read from the README itself, so
they cannot drift -- are run against the running Asterisk and must succeed."""

from __future__ import annotations

import json
import re

from tests.asterisk.conftest import Pbx
from tests.asterisk.harness import ROOT, Asterisk, cli
from tests.asterisk.sipua import SipUserAgent


def deploying_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("## Deploying with Asterisk", 1)[1].split("\n## ", 1)[0]


def step(number: int) -> str:
    match = re.search(rf"^{number}\. (.*?)(?=^\d+\. |\Z)", deploying_section(), re.MULTILINE | re.DOTALL)
    assert match, f"README step {number} not found"
    return match.group(1)


def reload_commands() -> list[str]:
    return re.findall(r'`asterisk -rx "([^"]+)"`', step(5))


def check_commands() -> list[str]:
    checks = step(5).split("Check with", 1)[1]
    return re.findall(r"`([^`]+)`", checks)


def test_readme_names_the_reload_and_check_commands() -> None:
    assert reload_commands() == ["module reload res_pjsip.so", "dialplan reload", "queue reload all",
                                 "manager reload"]
    assert check_commands() == ["dialplan show callcenter-inbound", "queue show service",
                                "pjsip show endpoints",
                                "manager show users"]


async def test_readme_deploy_steps_reload_a_rotated_password_on_the_running_asterisk(
        asterisk: Asterisk, pbx: Pbx) -> None:
    old_password = asterisk.passwords["8103"]
    done = cli(["agents", "provision", "--agent", "103", "--rotate", "--format", "json",
                "--server", "127.0.0.1", "--port", str(asterisk.ports.sip)], asterisk.env(), asterisk.run_dir)
    (phone,) = json.loads(done.stdout)
    hinted = re.findall(r"asterisk -rx '([^']+)'", done.stderr)  # what provisioning tells the user to run
    assert hinted and set(hinted) <= set(reload_commands()), done.stderr
    asterisk.passwords["8103"] = phone["password"]
    asterisk.render()  # step 3 again, into the folder Asterisk reads
    for command in reload_commands():
        done = await asterisk.arx(command)
        assert "No such command" not in done.stdout and "Unable to" not in done.stdout, (command, done.stdout)
    shown = {command: (await asterisk.arx(command)).stdout for command in check_commands()}
    assert "callcenter-inbound" in shown["dialplan show callcenter-inbound"]
    assert "(PJSIP/8101)" in shown["queue show service"] and "(PJSIP/8102)" in shown["queue show service"]
    assert all(f"Endpoint:  {ext}/{ext}" in shown["pjsip show endpoints"] for ext in ("8101", "8102", "8103"))
    users = shown["manager show users"]
    assert "callcenter\n" in users and "callcenter-actions" in users
    # The reloaded digest is the one in force: the old password is refused, the new one registers.
    stale = await SipUserAgent("8103", old_password, pbx.sip).start()
    try:
        assert (await stale.register()).status in (401, 403)
    finally:
        stale.close()
    await pbx.phone("8103")
