"""A web front end on a machine without the recordings plays them (issue 16): the node that
recorded the calls runs in its own process with its own var/ directory and serves its store
(the recordings endpoint, with the token); the front end, with another var/ directory holding no
recordings, fetches from it, after the same login and role checks as for local files (R17:
agents their own calls only). SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from httpx import AsyncClient
from sqlalchemy import select, update

from callcenter.db.models.calls import Call
from callcenter.db.models.web import AuditEntry
from callcenter.db.session import unit_of_work
from callcenter.service import ServiceContext
from tests.browser.webapp import AGENT, OTHER_AGENT, SUPERVISOR, login, web_context, write_wav
from tests.support.ports import free_port
from tests.support.service import component_process
from tests.support.web import app_client

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "recordings-token-for-this-test"
STORE = "pbx-a"

# The recording node: only its recordings endpoint (callcenter.speech.serving), as a tracker serves it.
NODE = component_process("callcenter.speech.serving:build")


@contextlib.contextmanager
def _known_day(database_url: str, tmp_path: Path, **env: str) -> Iterator[ServiceContext]:
    context = web_context(database_url, tmp_path, None, **env)
    try:
        yield context
    finally:
        context.engine.dispose()



def _started(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60  # a bound against hanging, not a speed target
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text(errors="replace")
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise AssertionError(f"the recording node did not start: {log.read_text(errors='replace')}")


@pytest.fixture
def node(database_url: str, tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """The recording node's process: its port and its recordings directory."""
    var = tmp_path / "node-var"
    for name in ("A-caller.wav", "A-agent.wav"):
        write_wav(var / "recordings" / name, seconds=0.3)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
    env |= {"CALLCENTER_DATABASE_URL": database_url, "CALLCENTER_VAR_DIR": str(var),
            "CALLCENTER_HOTLINE": str(ROOT / "hotline.example.toml"), "CALLCENTER_PBX_NAME": STORE,
            "CALLCENTER_RECORDINGS_TOKEN": TOKEN, "CALLCENTER_RECORDINGS_PORT": str(port)}
    log = tmp_path / "node.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-c", NODE], env=env, cwd=tmp_path, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _started(port, proc, log)
        yield port, var / "recordings"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(30)


@pytest.fixture
def web_ctx(database_url: str, tmp_path: Path, node: tuple[int, Path],
            request: pytest.FixtureRequest) -> Iterator[ServiceContext]:
    """The front end's context: its own var/ without recordings; the known day's calls recorded by
    the node (their server is the node's PBX)."""
    port, _ = node
    token = getattr(request, "param", TOKEN)
    env = {"CALLCENTER_RECORDING_STORES": f"{STORE}=http://127.0.0.1:{port}",
           "CALLCENTER_RECORDINGS_TOKEN": token}
    with _known_day(database_url, tmp_path / "web", **env) as ctx:
        for stale in ctx.settings.recordings_dir.glob("*.wav"):
            stale.unlink()  # this machine has no recordings
        with unit_of_work(ctx.sessions) as session:
            session.execute(update(Call).values(server=STORE))
        yield ctx


@pytest.fixture
async def client(web_ctx: ServiceContext) -> AsyncIterator[AsyncClient]:
    async with app_client(web_ctx) as http:
        yield http


def _call_a(ctx: ServiceContext) -> int:
    with unit_of_work(ctx.sessions) as session:
        return session.scalars(select(Call.id).where(Call.linkedid == "A")).one()


async def test_an_agent_plays_their_own_call_recorded_on_another_machine(
        web_ctx: ServiceContext, client: AsyncClient, node: tuple[int, Path]) -> None:
    _, held = node
    assert not any(web_ctx.settings.recordings_dir.glob("*.wav"))
    await login(client, AGENT)
    call = _call_a(web_ctx)
    page = await client.get(f"/calls/{call}")
    assert page.status_code == 200
    assert all(f'src="/calls/{call}/recordings/{i}"' in page.text for i in (0, 1))
    played = await client.get(f"/calls/{call}/recordings/0")
    assert played.status_code == 200 and played.headers["content-type"] == "audio/wav"
    assert played.content == (held / "A-caller.wav").read_bytes()
    with unit_of_work(web_ctx.sessions) as session:
        assert "play_recording" in session.scalars(select(AuditEntry.action)
                                                   .where(AuditEntry.user_id == AGENT)).all()


async def test_another_agent_may_not_play_it_and_a_supervisor_may(web_ctx: ServiceContext,
                                                                  client: AsyncClient) -> None:
    call = _call_a(web_ctx)
    await login(client, OTHER_AGENT)
    assert (await client.get(f"/calls/{call}/recordings/1")).status_code == 403
    await login(client, SUPERVISOR)
    assert (await client.get(f"/calls/{call}/recordings/1")).status_code == 200


@pytest.mark.parametrize("web_ctx", ["not-the-token"], indirect=True)
async def test_a_front_end_with_the_wrong_token_offers_no_recording_and_says_why(
        web_ctx: ServiceContext, client: AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    await login(client, SUPERVISOR)
    call = _call_a(web_ctx)
    page = await client.get(f"/calls/{call}")
    assert "<audio" not in page.text and "A-caller.wav" in page.text  # listed as missing, by name
    assert any("CALLCENTER_RECORDINGS_TOKEN" in r.getMessage() for r in caplog.records)
    played = await client.get(f"/calls/{call}/recordings/0", headers={"accept": "application/json"})
    assert played.status_code == 502


async def test_a_recording_the_node_does_not_have_is_not_found(web_ctx: ServiceContext, client: AsyncClient,
                                                               node: tuple[int, Path]) -> None:
    _, held = node
    (held / "A-agent.wav").unlink()
    await login(client, SUPERVISOR)
    call = _call_a(web_ctx)
    assert (await client.get(f"/calls/{call}/recordings/1")).status_code == 404
    assert (await client.get(f"/calls/{call}/recordings/0")).status_code == 200


async def test_a_store_shared_as_a_directory_is_read_from_it(database_url: str, tmp_path: Path) -> None:
    shared = tmp_path / "nfs" / STORE
    write_wav(shared / "A-caller.wav", seconds=0.4)
    with _known_day(database_url, tmp_path / "web", CALLCENTER_RECORDING_STORES=f"{STORE}={shared}") as ctx:
        for stale in ctx.settings.recordings_dir.glob("*.wav"):
            stale.unlink()
        with unit_of_work(ctx.sessions) as session:
            session.execute(update(Call).values(server=STORE))
        async with app_client(ctx) as http:
            await login(http, AGENT)
            played = await http.get(f"/calls/{_call_a(ctx)}/recordings/0")
            assert played.status_code == 200 and played.content == (shared / "A-caller.wav").read_bytes()
            assert (await http.get(f"/calls/{_call_a(ctx)}/recordings/1")).status_code == 404
