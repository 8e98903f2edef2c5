"""`callcenter doctor --role …` checks only what that part needs (issue 16): a web front end the
database and the recordings stores it plays from (no AMI at all); a tracker its Asterisk
(pbxsim answering as Asterisk 20 does), FastAGI, prompts, the shared recordings folder and its
spool; a worker the model and the recordings stores; a scheduler the action user's Originate.
Each misconfiguration, introduced on purpose, gives one failing line naming the fix."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from callcenter.config import load_settings
from callcenter.doctor.findings import Finding
from callcenter.doctor.run import diagnose
from callcenter.ivr import accounts
from callcenter.pbxsim import Pbx, PbxConfig
from callcenter.pbxsim.ami_server import AmiServer
from callcenter.speech.serving import RecordingsServer
from tests.support.ports import free_port
from tests.test_doctor_pbxsim import ACTIONS, LISTENER, Deployment, deployment, failing

__all__ = ["deployment"]  # the fixture, shared with the all-in-one doctor tests
TOKEN = "doctor-recordings-token"
AMI_SETTINGS = ("CALLCENTER_AMI_HOST", "CALLCENTER_AMI_PORT", "CALLCENTER_AMI_USER", "CALLCENTER_AMI_SECRET",
                "CALLCENTER_AMI_ACTION_USER", "CALLCENTER_AMI_ACTION_SECRET")


async def _run(d: Deployment, *roles: str) -> list[Finding]:
    """The doctor for ``roles`` against pbxsim standing in for the deployment's Asterisk."""
    settings = load_settings(d.env)
    config = PbxConfig(users={LISTENER: "listener-secret", ACTIONS: "actions-secret"},
                       permissions=d.permissions, dialplan=d.loaded_dialplan(),
                       recordings_dir=str(d.recordings_dir or settings.recordings_dir),
                       data_dir=str(d.data_dir))
    pbx = Pbx(config)
    ami = AmiServer(pbx, port=int(d.env.get("CALLCENTER_AMI_PORT") or free_port()), auth_failure_delay=0.01)
    await ami.start()
    try:
        return await diagnose(settings, d.env, None, roles)
    finally:
        await pbx.stop()
        await ami.stop()


class RecordingNode:
    """Another node's recordings endpoint (callcenter.speech.serving), as a tracker serves it."""

    def __init__(self, root: Path, store: str = "pbx-a") -> None:
        self.port = free_port()
        env = {"CALLCENTER_VAR_DIR": str(root), "CALLCENTER_PBX_NAME": store,
               "CALLCENTER_RECORDINGS_TOKEN": TOKEN, "CALLCENTER_RECORDINGS_PORT": str(self.port),
               "CALLCENTER_HOTLINE": str(Path(__file__).resolve().parents[1] / "hotline.example.toml")}
        context: Any = SimpleNamespace(settings=load_settings(env))
        self.server = RecordingsServer(context)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
async def node(tmp_path: Path) -> Any:
    running = RecordingNode(tmp_path / "node")
    await running.server.start()
    yield running
    await running.server.stop()


def _web(d: Deployment) -> None:
    """A web front end's settings: no Asterisk at all."""
    for name in AMI_SETTINGS:
        d.env.pop(name, None)


async def test_a_web_front_end_is_checked_for_the_database_and_its_recordings_only(
        deployment: Deployment, node: RecordingNode) -> None:
    _web(deployment)
    deployment.env |= {"CALLCENTER_RECORDING_STORES": f"pbx-a={node.url}",
                       "CALLCENTER_RECORDINGS_TOKEN": TOKEN}
    deployment.env["CALLCENTER_ASR_MODEL"] = "vosk-model-absent"  # a web front end decodes nothing
    findings = await _run(deployment, "web")
    assert failing(findings) == {}
    assert [f.check for f in findings] == ["database", "recording-stores"]
    assert f"store pbx-a: {node.url} answers with the token" in findings[1].detail


async def test_a_web_front_end_with_the_wrong_token_is_told_which_setting(deployment: Deployment,
                                                                         node: RecordingNode) -> None:
    _web(deployment)
    deployment.env |= {"CALLCENTER_RECORDING_STORES": f"pbx-a={node.url}",
                       "CALLCENTER_RECORDINGS_TOKEN": "not-the-token"}
    assert failing(await _run(deployment, "web")) == {"recording-stores": [
        f"store pbx-a: {node.url} refused the token: set CALLCENTER_RECORDINGS_TOKEN to the one the "
        "recording node has"]}


async def test_a_store_named_after_another_node_is_named(deployment: Deployment, node: RecordingNode) -> None:
    _web(deployment)
    deployment.env |= {"CALLCENTER_RECORDING_STORES": f"pbx-b={node.url}",
                       "CALLCENTER_RECORDINGS_TOKEN": TOKEN}
    (line,) = failing(await _run(deployment, "web"))["recording-stores"]
    assert line.startswith(f"store pbx-b: {node.url} does not serve store pbx-b")
    assert "must be that node's CALLCENTER_RECORDING_STORE" in line


async def test_a_recording_node_that_is_not_running_is_named(deployment: Deployment) -> None:
    _web(deployment)
    url = f"http://127.0.0.1:{free_port()}"
    deployment.env |= {"CALLCENTER_RECORDING_STORES": f"pbx-a={url}", "CALLCENTER_RECORDINGS_TOKEN": TOKEN}
    (line,) = failing(await _run(deployment, "web"))["recording-stores"]
    assert line.startswith(f"store pbx-a: cannot reach {url}") and "CALLCENTER_RECORDINGS_PORT" in line


async def test_a_worker_needs_the_model_and_its_shared_folder(deployment: Deployment, tmp_path: Path) -> None:
    _web(deployment)  # a worker talks to no Asterisk either
    deployment.env["CALLCENTER_RECORDING_STORES"] = f"pbx-a={tmp_path / 'not-mounted'}"
    deployment.env["CALLCENTER_ASR_MODEL"] = "vosk-model-absent"
    problems = failing(await _run(deployment, "worker"))
    assert list(problems) == ["speech-model", "recording-stores"]
    assert "vosk-model-absent" in problems["speech-model"][0]
    assert problems["recording-stores"] == [
        f"store pbx-a: {tmp_path / 'not-mounted'} is not a folder this machine can read: mount the shared "
        "recordings there, or name pbx-a's endpoint instead (CALLCENTER_RECORDING_STORES name=http://host:port)"]
    (tmp_path / "not-mounted").mkdir()
    deployment.env.pop("CALLCENTER_ASR_MODEL")
    assert failing(await _run(deployment, "worker")) == {}


async def test_a_tracker_needs_its_asterisk_and_a_writable_spool(deployment: Deployment) -> None:
    deployment.env["CALLCENTER_ASR_MODEL"] = "vosk-model-absent"  # a tracker decodes nothing
    findings = await _run(deployment, "tracker")
    assert failing(findings) == {}
    assert {f.check for f in findings} == {"database", "spool", "ami-login", "clock", "ami-permissions",
                                           "dialplan", "fastagi", "prompts", "recordings"}
    spool = load_settings(deployment.env).spool_dir
    spool.rmdir()
    spool.write_text("a file where the spool folder belongs", encoding="utf-8")
    problems = failing(await _run(deployment, "tracker"))
    assert list(problems) == ["spool"]
    assert problems["spool"][0].startswith(f"the tracker cannot write its spool {spool}")
    assert "CALLCENTER_VAR_DIR" in problems["spool"][0]


async def test_a_tracker_without_asterisk_settings_is_told_to_set_them(deployment: Deployment) -> None:
    _web(deployment)
    problems = failing(await _run(deployment, "tracker"))
    assert list(problems) == ["ami-login"] and "CALLCENTER_AMI_HOST is not set" in problems["ami-login"][0]


async def test_a_scheduler_needs_an_action_user_that_may_originate(deployment: Deployment) -> None:
    deployment.env["CALLCENTER_ASR_MODEL"] = "vosk-model-absent"
    deployment.permissions[LISTENER] = ("system", "")  # the listener is none of the scheduler's business
    findings = await _run(deployment, "scheduler")
    assert failing(findings) == {}
    assert [f.check for f in findings] == ["database", "ami-login", "ami-permissions"]
    deployment.permissions[ACTIONS] = (accounts.ACTION_READ, "call,agent")
    (line,) = failing(await _run(deployment, "scheduler"))["ami-permissions"]
    assert "may not send Originate" in line and f"`write = {accounts.ACTION_WRITE}`" in line


async def test_the_command_takes_a_role_and_refuses_an_unknown_one(deployment: Deployment,
                                                                   tmp_path: Path) -> None:
    _web(deployment)
    run = [sys.executable, "-c", "from callcenter.cli import main; main()", "doctor", "--role"]
    process = await asyncio.create_subprocess_exec(*run, "web", env=deployment.env, cwd=str(tmp_path),
                                                   stdout=asyncio.subprocess.PIPE)
    out, _ = await process.communicate()
    assert process.returncode == 0, out.decode()
    assert out.decode().splitlines()[-1] == "2 项正常，0 项待修 / 2 OK, 0 to fix"
    process = await asyncio.create_subprocess_exec(*run, "front", env=deployment.env, cwd=str(tmp_path),
                                                   stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    assert process.returncode != 0
    assert "'front' is not a role; choose from tracker, web, worker, scheduler" in (out + err).decode()
    assert "Traceback" not in (out + err).decode()
