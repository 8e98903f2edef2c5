"""Recordings any worker can reach (issue 16): a job names a recording by its store and a path
relative to it, never by one machine's absolute path; a worker elsewhere reads it from shared
storage or fetches it from the node that holds it, which serves it only with the shared token and
never outside its recordings directory."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import httpx
import pytest

from callcenter.config import load_settings
from callcenter.errors import ConfigError
from callcenter.speech.serving import RecordingsServer, recordings_app
from callcenter.speech.stores import RecordingStores

TOKEN = "s3cret-token-for-recordings"


def _node(root: Path, name: str = "pbx-a", **roots: str) -> RecordingStores:
    return RecordingStores(name, root, dict(roots), TOKEN)


def test_a_recording_this_node_wrote_is_named_by_its_store_and_relative_path(tmp_path: Path) -> None:
    root = tmp_path / "recordings"
    root.mkdir()
    node = _node(root)
    assert node.reference(str(root / "1796.2-caller.wav")) == {"store": "pbx-a", "path": "1796.2-caller.wav"}
    assert node.reference(str(root / "day" / "1796.2-agent.wav")) == {"store": "pbx-a",
                                                                       "path": "day/1796.2-agent.wav"}
    # Somewhere else on this machine: no store to name, kept as it is.
    assert node.reference("/elsewhere/x-caller.wav") == {"path": "/elsewhere/x-caller.wav"}


async def test_a_worker_reads_another_nodes_recording_from_shared_storage(tmp_path: Path) -> None:
    shared = tmp_path / "nfs" / "pbx-b"
    shared.mkdir(parents=True)
    (shared / "9.1-caller.wav").write_bytes(b"RIFF")
    worker = _node(tmp_path / "own", "worker-1", **{"pbx-b": str(shared)})
    got = await worker.local_file({"store": "pbx-b", "path": "9.1-caller.wav"}, tmp_path / "scratch")
    assert Path(got).read_bytes() == b"RIFF"
    outside = {"store": "pbx-b", "path": "../../own/secret.wav"}
    refused = await worker.local_file(outside, tmp_path / "scratch")
    assert not Path(refused).exists()


async def _served(app: object, path: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://node") as client:  # type: ignore[arg-type]
        return await client.get(path, headers=headers)


async def test_the_recordings_endpoint_wants_the_token_and_stays_inside_its_store(tmp_path: Path) -> None:
    root = tmp_path / "recordings"
    root.mkdir()
    (root / "1.1-caller.wav").write_bytes(b"RIFF-caller")
    (tmp_path / "outside.wav").write_bytes(b"not yours")
    app = recordings_app("pbx-a", str(root), TOKEN)
    assert (await _served(app, "/recordings/pbx-a/1.1-caller.wav", TOKEN)).content == b"RIFF-caller"
    assert (await _served(app, "/recordings/pbx-a/1.1-caller.wav", None)).status_code == 401
    assert (await _served(app, "/recordings/pbx-a/1.1-caller.wav", "guess")).status_code == 401
    assert (await _served(app, "/recordings/pbx-a/%2E%2E/outside.wav", TOKEN)).status_code == 400
    assert (await _served(app, "/recordings/pbx-b/1.1-caller.wav", TOKEN)).status_code == 404
    assert (await _served(app, "/recordings/pbx-a/2.2-caller.wav", TOKEN)).status_code == 404


async def test_a_worker_fetches_a_recording_from_the_node_that_holds_it(tmp_path: Path,
                                                                        hotline_path: Path) -> None:
    settings = load_settings({"CALLCENTER_HOTLINE": str(hotline_path),
                              "CALLCENTER_VAR_DIR": str(tmp_path / "a"), "CALLCENTER_PBX_NAME": "pbx-a",
                              "CALLCENTER_RECORDINGS_TOKEN": TOKEN, "CALLCENTER_RECORDINGS_PORT": "0"})
    settings.recordings_dir.mkdir(parents=True)
    (settings.recordings_dir / "5.5-agent.wav").write_bytes(b"RIFF-agent")

    class Ctx:
        pass

    ctx = Ctx()
    ctx.settings = settings  # type: ignore[attr-defined]
    server = RecordingsServer(ctx)  # type: ignore[arg-type]
    await server.start()
    try:
        port = server.server.servers[0].sockets[0].getsockname()[1]
        url = f"http://127.0.0.1:{port}"
        worker = _node(tmp_path / "w", "worker-1", **{"pbx-a": url})
        got = await worker.local_file({"store": "pbx-a", "path": "5.5-agent.wav"}, tmp_path / "scratch")
        assert Path(got).read_bytes() == b"RIFF-agent"
        # A worker with the wrong token gets nothing: the job waits as for a late file.
        wrong = dataclasses.replace(worker, token="wrong")
        missing = await wrong.local_file({"store": "pbx-a", "path": "5.5-agent.wav"}, tmp_path / "scratch2")
        assert not Path(missing).exists()
    finally:
        await asyncio.wait_for(server.stop(), 30)


@pytest.mark.parametrize("value", ["pbx-b", "pbx-b=relative/dir", "=http://x", "pbx b=/x"])
def test_a_bad_store_list_is_named_in_one_line(value: str, hotline_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"CALLCENTER_HOTLINE": str(hotline_path), "CALLCENTER_RECORDING_STORES": value})
    assert "CALLCENTER_RECORDING_STORES" in str(caught.value) and "\n" not in str(caught.value)
