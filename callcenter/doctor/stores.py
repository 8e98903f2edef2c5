"""The checks of a role's own access: the spool a tracker writes, and the recordings stores a web
front end or a transcription worker on another machine reads (issue 16)."""

from __future__ import annotations

import os
from pathlib import Path

import httpx

from callcenter.config import Settings
from callcenter.doctor.findings import Finding, fail, ok

PROBE_TIMEOUT_SECONDS = 5.0
_PROBE = "callcenter-doctor.probe"  # never a recording: the endpoint answers "no such recording"


def spool(settings: Settings) -> Finding:
    """The tracker keeps every finished call in its spool before the database has it."""
    folder = settings.spool_dir
    probe = folder / "doctor.probe"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe.write_text("callcenter doctor\n", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        return fail("spool", f"the tracker cannot write its spool {folder} ({exc.strerror or exc}): make "
                             "CALLCENTER_VAR_DIR a folder the service's user may write")
    return ok("spool", f"{folder} is writable")


async def recording_stores(settings: Settings) -> list[Finding]:
    """Every other node's store this process reads, as CALLCENTER_RECORDING_STORES names it."""
    if not settings.recording_stores:
        return [ok("recording-stores", f"only this machine's recordings ({settings.recordings_dir}); "
                                       "set CALLCENTER_RECORDING_STORES when they are on other machines")]
    out = []
    for name, root in sorted(settings.recording_stores.items()):
        if root.startswith(("http://", "https://")):
            out.append(await _endpoint(settings, name, root))
        else:
            out.append(_directory(name, Path(root)))
    return out


def _directory(name: str, root: Path) -> Finding:
    if not root.is_dir() or not os.access(root, os.R_OK | os.X_OK):
        return fail("recording-stores", f"store {name}: {root} is not a folder this machine can read: mount "
                                        f"the shared recordings there, or name {name}'s endpoint instead "
                                        "(CALLCENTER_RECORDING_STORES name=http://host:port)")
    return ok("recording-stores", f"store {name}: {root} is readable")


async def _endpoint(settings: Settings, name: str, base: str) -> Finding:
    url = f"{base.rstrip('/')}/recordings/{name}/{_PROBE}"
    if settings.recordings_token is None:
        return fail("recording-stores", f"store {name}: {base} asks for a token: set "
                                        "CALLCENTER_RECORDINGS_TOKEN to the one the recording node has")
    headers = {"Authorization": f"Bearer {settings.recordings_token.reveal()}"}
    try:
        async with httpx.AsyncClient(timeout=PROBE_TIMEOUT_SECONDS) as client:
            response = await client.get(url, headers=headers)
    except httpx.HTTPError as exc:
        return fail("recording-stores", f"store {name}: cannot reach {base} ({exc or type(exc).__name__}): "
                                        "start that node with CALLCENTER_RECORDINGS_PORT (and a "
                                        "CALLCENTER_RECORDINGS_HOST this machine reaches), or correct "
                                        "its URL in CALLCENTER_RECORDING_STORES")
    if response.status_code == 401:
        return fail("recording-stores", f"store {name}: {base} refused the token: set "
                                        "CALLCENTER_RECORDINGS_TOKEN to the one the recording node has")
    if response.status_code == 404 and "no such recording" in response.text:
        return ok("recording-stores", f"store {name}: {base} answers with the token")
    return fail("recording-stores", f"store {name}: {base} does not serve store {name} (HTTP "
                                    f"{response.status_code}: {response.text[:80]}): the name before = in "
                                    "CALLCENTER_RECORDING_STORES must be that node's "
                                    "CALLCENTER_RECORDING_STORE")
