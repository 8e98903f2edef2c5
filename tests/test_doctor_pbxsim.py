"""`callcenter doctor` against pbxsim answering as Asterisk 20 does (ListCommands, ShowDialPlan,
Ping's Timestamp, manager.conf classes, the rendered test extension and its FastAGI round trip):
each misconfiguration the doctor knows, introduced on purpose, gives one failing line naming the
fix; the deployment as rendered passes every check."""

from __future__ import annotations

import asyncio
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from callcenter.config import load_settings
from callcenter.db.session import migrate
from callcenter.doctor.findings import Finding
from callcenter.doctor.run import diagnose
from callcenter.ivr import accounts, dialplan, prompts
from callcenter.pbxsim import Pbx, PbxConfig
from callcenter.pbxsim.ami_server import AmiServer
from callcenter.pbxsim.timebase import ScaledClock
from callcenter.service import Service
from tests.support.ports import free_port, free_ports
from tests.support.postgres import PostgresCluster

ROOT = Path(__file__).resolve().parents[1]
LISTENER, ACTIONS = "callcenter", "callcenter-actions"
RENDERED_PERMISSIONS = {LISTENER: (accounts.LISTENER_READ, accounts.LISTENER_WRITE),
                        ACTIONS: (accounts.ACTION_READ, accounts.ACTION_WRITE)}



@dataclass
class Deployment:
    """A service's settings and the pbxsim standing in for its Asterisk, rendered to agree."""

    root: Path
    env: dict[str, str]
    permissions: dict[str, tuple[str, str]]
    clock_ahead: float = 0.0
    recordings_dir: Path | None = None  # Asterisk's recordings folder (default: the service's)
    dialplan_edit: Callable[[str], str] | None = None  # a change made on Asterisk's side
    rendered_agi_host: str | None = None

    @property
    def data_dir(self) -> Path:
        return self.root / "asterisk-data"

    def loaded_dialplan(self) -> str:
        settings = load_settings(self.env)
        text = dialplan.render_extensions(settings, self.rendered_agi_host, self.env)
        return self.dialplan_edit(text) if self.dialplan_edit else text

    async def run(self, agi_host: str | None = None) -> list[Finding]:
        settings = load_settings(self.env)
        config = PbxConfig(users={LISTENER: "listener-secret", ACTIONS: "actions-secret"},
                           permissions=self.permissions, dialplan=self.loaded_dialplan(),
                           recordings_dir=str(self.recordings_dir or settings.recordings_dir),
                           data_dir=str(self.data_dir))
        pbx = Pbx(config, clock=ScaledClock(1.0, start=time.time() + self.clock_ahead))
        ami = AmiServer(pbx, port=int(self.env["CALLCENTER_AMI_PORT"]), auth_failure_delay=0.01)
        await ami.start()
        try:
            return await diagnose(settings, self.env, agi_host)
        finally:
            await pbx.stop()
            await ami.stop()


@pytest.fixture
def deployment(tmp_path: Path) -> Deployment:
    var = tmp_path / "var"
    # distinct: a doctor whose FastAGI port is its Asterisk's AMI port takes the AMI for a running
    # service, the test call's AGI talks to the AMI and never reports
    ami_port, agi_port = free_ports(2)
    env = {"CALLCENTER_HOTLINE": str(ROOT / "hotline.example.toml"), "CALLCENTER_VAR_DIR": str(var),
           "CALLCENTER_DATABASE_URL": f"sqlite:///{tmp_path / 'cc.db'}",
           "CALLCENTER_AMI_HOST": "127.0.0.1", "CALLCENTER_AMI_PORT": str(ami_port),
           "CALLCENTER_AMI_USER": LISTENER, "CALLCENTER_AMI_SECRET": "listener-secret",
           "CALLCENTER_AMI_ACTION_USER": ACTIONS, "CALLCENTER_AMI_ACTION_SECRET": "actions-secret",
           "CALLCENTER_AGI_PORT": str(agi_port)}
    migrate(env["CALLCENTER_DATABASE_URL"])
    settings = load_settings(env)
    model = settings.models_dir / settings.asr_model  # the layout Vosk loads (speech/models.py)
    for part in ("am/final.mdl", "conf/model.conf", "graph/HCLG.fst"):
        (model / part).parent.mkdir(parents=True, exist_ok=True)
        (model / part).write_bytes(b"x")
    deployment = Deployment(tmp_path, env, {k: v for k, v in RENDERED_PERMISSIONS.items()})
    sounds = deployment.data_dir / "sounds" / "callcenter" / "zh"
    sounds.mkdir(parents=True)
    for name in prompts.prompt_names(settings.hotline):
        (sounds / f"{name}.wav").write_bytes(b"RIFF")
    return deployment


def failing(findings: list[Finding]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for finding in findings:
        if not finding.ok:
            out.setdefault(finding.check, []).append(finding.detail)
    return out


async def test_the_rendered_deployment_passes_every_check(deployment: Deployment) -> None:
    findings = await deployment.run()
    assert failing(findings) == {}
    checks = {f.check for f in findings}
    assert checks == {"database", "speech-model", "ami-login", "clock", "ami-permissions", "dialplan",
                      "fastagi", "prompts", "recordings"}
    # the round trip left nothing behind in the shared folder
    assert list(load_settings(deployment.env).recordings_dir.iterdir()) == []


async def test_a_running_service_answers_the_round_trip(deployment: Deployment) -> None:
    # The service's own FastAGI server holds the port: the doctor asks it, and it answers the test
    # extension's doctor script like any other call's.
    settings = load_settings(deployment.env)
    service = Service(settings, factories=["callcenter.ivr.component:build"])
    await service.start()
    try:
        findings = await deployment.run()
    finally:
        await service.stop()
    assert failing(findings) == {}
    (agi,) = [f for f in findings if f.check == "fastagi"]
    assert agi.detail.endswith("answered by the running service")


async def test_unmigrated_database_names_db_upgrade(deployment: Deployment, tmp_path: Path) -> None:
    deployment.env["CALLCENTER_DATABASE_URL"] = f"sqlite:///{tmp_path / 'empty.db'}"
    problems = failing(await deployment.run())
    assert list(problems) == ["database"]
    assert "has no schema" in problems["database"][0] and "`callcenter db upgrade`" in problems["database"][0]


async def test_either_database_is_checked_for_its_schema(deployment: Deployment, database_url: str,
                                                        postgres: PostgresCluster) -> None:
    deployment.env["CALLCENTER_DATABASE_URL"] = database_url  # migrated, SQLite or PostgreSQL
    (found,) = [f for f in await deployment.run() if f.check == "database"]
    assert found.ok and "schema at the newest revision" in found.detail
    deployment.env["CALLCENTER_DATABASE_URL"] = postgres.create_database()  # a PostgreSQL never migrated
    problems = failing(await deployment.run())
    assert list(problems) == ["database"] and "has no schema" in problems["database"][0]


def test_a_database_one_migration_behind_is_named(tmp_path: Path) -> None:
    """A branch's head that another branch depends on is not in Alembic's version table; a
    database at every newest revision passes, one a revision short names that revision."""
    from alembic import command

    from callcenter.config import load_settings
    from callcenter.db.session import alembic_config, migrate
    from callcenter.doctor.local import database

    url = f"sqlite:///{tmp_path / 'cc.db'}"
    settings = load_settings({"CALLCENTER_DATABASE_URL": url, "CALLCENTER_VAR_DIR": str(tmp_path / "var")})
    migrate(url)
    assert database(settings).ok
    command.downgrade(alembic_config(url), "0015_ticket_call_draft_merged@-1")
    found = database(settings)
    assert not found.ok and "db upgrade" in found.detail
    assert "lacks 0015_ticket_call_draft_merged" in found.detail


async def test_unreachable_database_names_the_url_setting(deployment: Deployment) -> None:
    deployment.env["CALLCENTER_DATABASE_URL"] = \
        f"postgresql+psycopg://cc:pw@127.0.0.1:{free_port()}/cc?connect_timeout=2"
    problems = failing(await deployment.run())
    assert list(problems) == ["database"]
    assert "cannot reach" in problems["database"][0] and "CALLCENTER_DATABASE_URL" in problems["database"][0]
    assert "pw" not in problems["database"][0]  # the password never shows


async def test_missing_speech_model_says_how_to_install_one(deployment: Deployment) -> None:
    deployment.env["CALLCENTER_ASR_MODEL"] = "vosk-model-absent"
    problems = failing(await deployment.run())
    assert list(problems) == ["speech-model"]
    assert "vosk-model-absent" in problems["speech-model"][0] and "models" in problems["speech-model"][0]


async def test_wrong_ami_secret_names_the_secret_setting(deployment: Deployment) -> None:
    deployment.env["CALLCENTER_AMI_ACTION_SECRET"] = "not-the-secret"
    problems = failing(await deployment.run())
    assert "Authentication failed" in problems["ami-login"][0]
    assert "CALLCENTER_AMI_ACTION_SECRET" in problems["ami-login"][0]
    assert problems["fastagi"] == ["not checked: both AMI users must log in first"]


async def test_asterisk_not_listening_names_the_ami_address(deployment: Deployment) -> None:
    settings = load_settings(deployment.env)  # nothing listens on the AMI port: no pbxsim started
    problems = failing(await diagnose(settings, deployment.env))
    assert len(problems["ami-login"]) == 2
    assert all(f"cannot connect to 127.0.0.1:{deployment.env['CALLCENTER_AMI_PORT']}" in line
               and "CALLCENTER_AMI_HOST/_PORT" in line for line in problems["ami-login"])
    assert problems["fastagi"] == ["not checked: both AMI users must log in first"]


async def test_action_user_without_the_agent_class_names_its_write_line(deployment: Deployment) -> None:
    deployment.permissions[ACTIONS] = (accounts.ACTION_READ, "originate,call")
    problems = failing(await deployment.run())
    assert list(problems) == ["ami-permissions"]
    (line,) = problems["ami-permissions"]
    assert "QueueAdd, QueueRemove, QueuePause" in line
    assert f"`write = {accounts.ACTION_WRITE}` for [{ACTIONS}] in manager.conf" in line


async def test_listener_that_may_originate_is_refused_as_too_powerful(deployment: Deployment) -> None:
    deployment.permissions[LISTENER] = (accounts.LISTENER_READ, "reporting,originate")
    problems = failing(await deployment.run())
    assert list(problems) == ["ami-permissions"]
    assert "may send Originate, more than it needs" in problems["ami-permissions"][0]


async def test_listener_that_cannot_read_agi_events_names_its_read_line(deployment: Deployment) -> None:
    deployment.permissions[LISTENER] = ("system,call,user", accounts.LISTENER_WRITE)
    problems = failing(await deployment.run())
    assert list(problems) == ["ami-permissions"]
    (line,) = problems["ami-permissions"]
    assert "AGIExecStart" in line and f"`read = {accounts.LISTENER_READ}`" in line


async def test_a_changed_loaded_dialplan_is_shown_with_the_fix(deployment: Deployment) -> None:
    deployment.dialplan_edit = lambda text: text.replace(",300,", ",120,")  # someone edited the queue wait
    problems = failing(await deployment.run())
    assert list(problems) == ["dialplan"]
    (line,) = problems["dialplan"]
    assert "differs from the render in 2 steps" in line and "Queue(${CC_TARGET},t,,,120," in line
    assert "`dialplan reload`" in line


async def test_a_dialplan_without_the_test_extension_is_named(deployment: Deployment) -> None:
    # rendered by an older version: no test extension
    deployment.dialplan_edit = lambda text: re.sub(r"\[callcenter-doctor\].*?\n\n", "", text, flags=re.S)
    problems = failing(await deployment.run())
    assert problems["dialplan"] == [
        "Asterisk has not loaded callcenter-doctor: run `callcenter dialplan render` (same --agi-host), copy "
        "extensions.conf to Asterisk and run `dialplan reload` there"]
    assert "never reported" in problems["fastagi"][0]


async def test_agi_host_asterisk_cannot_reach_names_the_agi_settings(deployment: Deployment) -> None:
    # The compose mistake: the service listens on one address, the dialplan dials another.
    deployment.env["CALLCENTER_AGI_HOST"] = "127.0.0.2"
    deployment.rendered_agi_host = "127.0.0.1"
    problems = failing(await deployment.run(agi_host="127.0.0.1"))
    assert list(problems) == ["fastagi", "prompts", "recordings"]
    assert "could not reach agi://127.0.0.1:" in problems["fastagi"][0]
    assert "AGISTATUS=FAILURE" in problems["fastagi"][0] and "CALLCENTER_AGI_HOST" in problems["fastagi"][0]


async def test_asterisk_outside_the_allowed_hosts_gets_no_answer(deployment: Deployment) -> None:
    deployment.env["CALLCENTER_AGI_ALLOWED_HOSTS"] = "10.9.9.9"
    problems = failing(await deployment.run())
    assert "CALLCENTER_AGI_ALLOWED_HOSTS" in problems["fastagi"][0]


async def test_missing_prompts_are_named(deployment: Deployment) -> None:
    (deployment.data_dir / "sounds" / "callcenter" / "zh" / "greeting.wav").unlink()
    problems = failing(await deployment.run())
    assert problems == {"prompts": [
        "Asterisk's sounds folder lacks callcenter/zh/{greeting}.wav: run `callcenter sounds build` and copy "
        "the sounds folder to Asterisk's <astdatadir>/sounds/callcenter"]}


async def test_recordings_folder_not_shared_names_the_volume(deployment: Deployment, tmp_path: Path) -> None:
    deployment.recordings_dir = tmp_path / "asterisk-spool" / "monitor"
    deployment.recordings_dir.mkdir(parents=True)
    problems = failing(await deployment.run())
    assert list(problems) == ["recordings"]
    assert f"{deployment.recordings_dir} is not the service's" in problems["recordings"][0]
    assert "mount one volume" in problems["recordings"][0]


async def test_clock_skew_names_ntp(deployment: Deployment) -> None:
    deployment.clock_ahead = 30.0
    problems = failing(await deployment.run())
    assert list(problems) == ["clock"]
    assert problems["clock"][0].startswith("Asterisk's clock is 30.0 s ahead of this machine's")
    assert "NTP" in problems["clock"][0]


async def test_command_exits_non_zero_with_one_line_per_check(deployment: Deployment) -> None:
    deployment.clock_ahead = -5.0
    settings = load_settings(deployment.env)
    config = PbxConfig(users={LISTENER: "listener-secret", ACTIONS: "actions-secret"},
                       permissions=deployment.permissions, dialplan=deployment.loaded_dialplan(),
                       recordings_dir=str(settings.recordings_dir), data_dir=str(deployment.data_dir))
    pbx = Pbx(config, clock=ScaledClock(1.0, start=time.time() - 5.0))
    ami = AmiServer(pbx, port=int(deployment.env["CALLCENTER_AMI_PORT"]))
    await ami.start()
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "from callcenter.cli import main; main()", "doctor", env=deployment.env,
            cwd=str(deployment.root), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, _err = await process.communicate()
    finally:
        await pbx.stop()
        await ami.stop()
    lines = out.decode().splitlines()
    assert process.returncode == 1
    assert [line for line in lines if line.startswith("FAIL")] == [
        "FAIL clock: Asterisk's clock is 5.0 s behind this machine's: run NTP (chrony or systemd-timesyncd) "
        "on both machines"]
    assert sum(1 for line in lines if line.startswith("OK  ")) == 11
    assert lines[-1] == "11 项正常，1 项待修 / 11 OK, 1 to fix"

