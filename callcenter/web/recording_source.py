"""Where the web front end reads a call's recordings (issue 16).

A call recorded by this node (its store, CALLCENTER_RECORDING_STORE) is read from this machine's
recordings directory, as always, and only from inside it. A call another node recorded (its
``server``, the PBX's name, names that node's store) is read from that store as
CALLCENTER_RECORDING_STORES names it: a shared directory, or the recording node's endpoint
(``callcenter.speech.serving``) with CALLCENTER_RECORDINGS_TOKEN. So a web front end on a machine
without the recordings plays them; who may play which call is decided before, as for local files.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import httpx

from callcenter.config import Settings
from callcenter.db.models.calls import Call
from callcenter.speech.stores import UnsafePath, inside, safe_relative

log = logging.getLogger(__name__)

PROBE_TIMEOUT_SECONDS = 3.0  # a page lists the recordings' states: never wait long for one node
FETCH_TIMEOUT_SECONDS = 30.0


class RecordingUnavailable(Exception):
    """The node holding a recording cannot give it now (unreachable, token refused)."""


@dataclass(frozen=True)
class RecordingSource:
    name: str  # the file's name, shown when it is missing
    path: Path | None = None  # a file this machine reads
    url: str | None = None  # the recording node's endpoint for it


def call_sources(call: Call, settings: Settings) -> list[RecordingSource]:
    """The call's recordings in the order they were stored; paths that would leave their store are
    left out (never a path from elsewhere)."""
    store = call.server
    remote = settings.recording_stores.get(store) if store != settings.recording_store else None
    root = settings.recordings_dir.resolve()
    out = []
    for line in (call.recordings or "").splitlines():
        raw = line.strip()
        if not raw:
            continue
        if remote is None:
            path = Path(raw)
            path = (path if path.is_absolute() else root / path).resolve()
            if path.is_relative_to(root):
                out.append(RecordingSource(path.name, path=path))
            continue
        relative = _store_relative(raw, root)
        try:
            if remote.startswith(("http://", "https://")):
                url = f"{remote.rstrip('/')}/recordings/{store}/{safe_relative(relative).as_posix()}"
                out.append(RecordingSource(PurePosixPath(relative).name, url=url))
            else:
                out.append(RecordingSource(PurePosixPath(relative).name, path=inside(Path(remote), relative)))
        except UnsafePath:
            log.warning("web: recording %r of call %s leaves store %r; not offered", raw, call.id, store)
    return out


def _store_relative(raw: str, own_root: Path) -> str:
    """A stored path as a path inside its store. Absolute paths are the recording node's: the
    recordings folder is mounted at the same path everywhere (then the rest is inside it), or
    MixMonitor wrote the file at the folder's top (its name)."""
    path = PurePosixPath(raw)
    if not path.is_absolute():
        return raw
    if path.is_relative_to(own_root.as_posix()):
        return path.relative_to(own_root.as_posix()).as_posix()
    return path.name


def _headers(settings: Settings) -> dict[str, str]:
    token = settings.recordings_token
    return {"Authorization": f"Bearer {token.reveal()}"} if token else {}


def remote_exists(source: RecordingSource, settings: Settings) -> bool | None:
    """Whether the recording node has the file: True, False (not there, or not yet), or None
    when it cannot say now (unreachable, token refused: logged with the setting to check)."""
    assert source.url is not None
    try:
        response = httpx.head(source.url, headers=_headers(settings), timeout=PROBE_TIMEOUT_SECONDS)
    except httpx.HTTPError as exc:
        log.warning("web: recording node %s cannot be reached (%s): check CALLCENTER_RECORDING_STORES",
                    source.url, exc)
        return None
    if response.status_code in (401, 403):
        log.warning("web: recording node refused %s: CALLCENTER_RECORDINGS_TOKEN must be the one the "
                    "recording node has", source.url)
        return None
    return response.status_code == 200


def fetch(source: RecordingSource, settings: Settings) -> bytes | None:
    """The recording's bytes from its node; None when the node has no such file."""
    assert source.url is not None
    try:
        response = httpx.get(source.url, headers=_headers(settings), timeout=FETCH_TIMEOUT_SECONDS)
    except httpx.HTTPError as exc:
        raise RecordingUnavailable(f"the recording's node cannot be reached now ({exc})") from None
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise RecordingUnavailable(f"the recording's node answered {response.status_code}")
    return response.content
