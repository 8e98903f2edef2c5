"""`callcenter doctor` against the real Asterisk 20: the deployment the README walks passes the
Asterisk checks, and each misconfiguration made on purpose on the running PBX (the loaded dialplan,
a prompt gone, a FastAGI address Asterisk cannot reach, an AMI user's rights) gives the line
naming its fix. Every change is undone (and reloaded) before the next test."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

from callcenter.config import load_settings
from callcenter.db.session import migrate
from callcenter.doctor.ami import DoctorAmi
from callcenter.doctor.findings import Finding
from callcenter.doctor.run import diagnose
from callcenter.ivr import accounts, dialplan, extensions_conf
from callcenter.pbxsim import Pbx, PbxConfig, ami_permissions
from callcenter.pbxsim.ami_server import AmiServer
from tests.asterisk.harness import Asterisk

ASTERISK_CHECKS = ("ami-login", "clock", "ami-permissions", "dialplan", "fastagi", "prompts")


def _env(asterisk: Asterisk, tmp_path: Path, **extra: str) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'cc.db'}"
    migrate(url)
    return asterisk.service_env(CALLCENTER_DATABASE_URL=url, **extra)


async def _problems(asterisk: Asterisk, tmp_path: Path, agi_host: str | None = None,
                    **extra: str) -> tuple[list[Finding], dict[str, list[str]]]:
    env = _env(asterisk, tmp_path, **extra)
    findings = await diagnose(load_settings(env), env, agi_host)
    problems: dict[str, list[str]] = {}
    for finding in findings:
        if not finding.ok and finding.check in ASTERISK_CHECKS:
            problems.setdefault(finding.check, []).append(finding.detail)
    return findings, problems


@contextlib.contextmanager
def _edited(asterisk: Asterisk, name: str, old: str, new: str, reload: str) -> Iterator[None]:
    path = asterisk.rendered / name
    original = path.read_text(encoding="utf-8")
    assert old in original
    path.write_text(original.replace(old, new), encoding="utf-8")
    asterisk.rx(reload)
    try:
        yield
    finally:
        path.write_text(original, encoding="utf-8")
        asterisk.rx(reload)


async def test_the_rendered_deployment_passes_the_asterisk_checks(asterisk: Asterisk, tmp_path: Path) -> None:
    findings, problems = await _problems(asterisk, tmp_path)
    assert problems == {}
    assert {f.check for f in findings if f.ok} >= set(ASTERISK_CHECKS)
    # The harness keeps Asterisk's recordings (spool/monitor) apart from the service's var/recordings:
    # a real mismatch, and the doctor names it.
    (recordings,) = [f for f in findings if f.check == "recordings"]
    assert not recordings.ok and f"{asterisk.spool / 'monitor'} is not the service's" in recordings.detail


async def test_a_dialplan_changed_on_asterisk_is_caught(asterisk: Asterisk, tmp_path: Path) -> None:
    with _edited(asterisk, "extensions.conf", ",t,,,300,", ",t,,,120,", "dialplan reload"):
        _findings, problems = await _problems(asterisk, tmp_path)
    assert list(problems) == ["dialplan"]
    (line,) = problems["dialplan"]
    assert "differs from the render in 2 steps" in line and "Queue(${CC_TARGET},t,,,120," in line
    assert "`dialplan reload`" in line


async def test_a_prompt_missing_from_asterisks_sounds_is_named(asterisk: Asterisk, tmp_path: Path) -> None:
    prompt = asterisk.sounds / "zh" / "menu.wav"
    aside = tmp_path / "menu.wav"
    shutil.move(prompt, aside)
    try:
        _findings, problems = await _problems(asterisk, tmp_path)
    finally:
        shutil.move(aside, prompt)
    assert problems == {"prompts": [
        "Asterisk's sounds folder lacks callcenter/zh/{menu}.wav: run `callcenter sounds build` and copy "
        "the sounds folder to Asterisk's <astdatadir>/sounds/callcenter"]}


async def test_a_fastagi_address_asterisk_cannot_reach_is_caught(asterisk: Asterisk, tmp_path: Path) -> None:
    # The service listens on 127.0.0.2; the loaded dialplan dials 127.0.0.1: Asterisk's AGI() fails.
    _findings, problems = await _problems(asterisk, tmp_path, agi_host="127.0.0.1",
                                          CALLCENTER_AGI_HOST="127.0.0.2")
    assert list(problems) == ["fastagi", "prompts"]
    assert f"could not reach agi://127.0.0.1:{asterisk.ports.agi}/doctor (AGISTATUS=FAILURE)" \
        in problems["fastagi"][0]
    assert "CALLCENTER_AGI_HOST" in problems["fastagi"][0]


async def test_an_action_user_without_queue_rights_is_caught(asterisk: Asterisk, tmp_path: Path) -> None:
    with _edited(asterisk, "manager.conf", f"write = {accounts.ACTION_WRITE}", "write = originate,call",
                 "manager reload"):
        _findings, problems = await _problems(asterisk, tmp_path)
    assert list(problems) == ["ami-permissions"]
    (line,) = problems["ami-permissions"]
    assert line.startswith("callcenter-actions may not send QueueAdd, QueueRemove, QueuePause")
    assert f"`write = {accounts.ACTION_WRITE}`" in line


async def test_a_listener_allowed_to_originate_is_caught(asterisk: Asterisk, tmp_path: Path) -> None:
    with _edited(asterisk, "manager.conf", f"write = {accounts.LISTENER_WRITE}\n",
                 f"write = {accounts.LISTENER_WRITE},originate\n", "manager reload"):
        _findings, problems = await _problems(asterisk, tmp_path)
    assert list(problems) == ["ami-permissions"]
    assert "callcenter may send Originate, more than it needs" in problems["ami-permissions"][0]


async def test_a_listener_that_cannot_read_agi_events_is_caught(asterisk: Asterisk, tmp_path: Path) -> None:
    with _edited(asterisk, "manager.conf", f"read = {accounts.LISTENER_READ}",
                 "read = system,call,dialplan,user", "manager reload"):
        _findings, problems = await _problems(asterisk, tmp_path)
    assert list(problems) == ["ami-permissions"]
    assert "AGIExecStart" in problems["ami-permissions"][0]


async def test_a_shared_recordings_folder_passes_both_ways(asterisk: Asterisk, tmp_path: Path) -> None:
    # The service looking where Asterisk records: Asterisk sees the service's probe and the file
    # Asterisk records (AGI RECORD FILE) shows on the service's side.
    findings, problems = await _problems(asterisk, tmp_path,
                                         CALLCENTER_RECORDINGS_DIR=str(asterisk.spool / "monitor"))
    assert problems == {}
    (recordings,) = [f for f in findings if f.check == "recordings"]
    assert recordings.ok, recordings.detail
    assert not list((asterisk.spool / "monitor").glob("callcenter-doctor-*"))  # nothing left behind


async def test_pbxsim_answers_the_doctors_actions_as_asterisk_does(asterisk: Asterisk,
                                                                   tmp_path: Path) -> None:
    """ListCommands (for the actions pbxsim knows), ShowDialPlan of every rendered context, an
    unknown context and a refused action: the same messages from pbxsim as from Asterisk 20.20.1."""
    env = _env(asterisk, tmp_path)
    settings = load_settings(env)
    secrets = asterisk.ami_secrets()
    loaded = (asterisk.rendered / "extensions.conf").read_text(encoding="utf-8")
    pbx = Pbx(PbxConfig(users=dict(secrets), dialplan=loaded, permissions={
        "callcenter": (accounts.LISTENER_READ, accounts.LISTENER_WRITE),
        "callcenter-actions": (accounts.ACTION_READ, accounts.ACTION_WRITE)}))
    sim = AmiServer(pbx, auth_failure_delay=0.01)
    await sim.start()
    contexts = list(extensions_conf.by_context(extensions_conf.parse(dialplan.render_extensions(
        settings, None, env))))
    try:
        answers = {}
        for name, port in (("asterisk", asterisk.ports.ami), ("pbxsim", sim.port)):
            listener = await DoctorAmi.login("127.0.0.1", port, "callcenter", secrets["callcenter"])
            actions = await DoctorAmi.login("127.0.0.1", port, "callcenter-actions",
                                            secrets["callcenter-actions"])
            try:
                seen: list[object] = []
                for client in (listener, actions):
                    commands = await client.action("ListCommands")
                    seen.append({k: v for k, v in commands.items() if k in ami_permissions.ACTIONS_BY_NAME})
                    seen.append(_plain(await client.action("Originate")))
                for context in [*contexts, "no-such-context"]:
                    answer, events = await listener.listing("ShowDialPlan", Context=context)
                    seen.append((_plain(answer), [_plain(e) for e in events]))
                answers[name] = seen
            finally:
                await listener.close()
                await actions.close()
    finally:
        await pbx.stop()
        await sim.stop()
    assert answers["pbxsim"] == answers["asterisk"]


def _plain(message: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in message.items() if k not in ("ActionID", "_id", "_arrived")}
