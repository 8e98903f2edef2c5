"""Recordings addressed by a named store, never by an absolute path of one machine (issue 16).

A transcription job names each recording as ``{"store": "pbx-a", "path": "<UNIQUEID>-caller.wav"}``:
the store is the node that wrote it (``CALLCENTER_RECORDING_STORE``, by default the PBX's name),
the path is relative to that store's root. A worker reads the file from its own recordings
directory when the store is its own, from the directory ``CALLCENTER_RECORDING_STORES`` names
for it (shared storage, e.g. an NFS mount), or fetches it over HTTP from the node that holds it
(``pbx-a=http://10.0.0.5:8091``: that node's recordings endpoint, ``callcenter.speech.serving``,
with the shared ``CALLCENTER_RECORDINGS_TOKEN``). Jobs queued before stores existed carry an
absolute path and are read as they are.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import httpx

log = logging.getLogger(__name__)

STORE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
FETCH_TIMEOUT_SECONDS = 60.0


class UnsafePath(ValueError):
    """A relative path that leaves its store's root (``..``, an absolute path)."""


def safe_relative(path: str) -> PurePosixPath:
    """``path`` as a relative path inside a store, or UnsafePath."""
    rel = PurePosixPath(path)
    if not path or rel.is_absolute() or any(part in ("..", "") for part in rel.parts) or "\\" in path:
        raise UnsafePath(f"{path!r} is not a path inside a recordings store")
    return rel


def inside(root: Path, path: str) -> Path:
    """The file ``path`` names under ``root``; UnsafePath if it would leave it (symlinks included)."""
    base = root.resolve()
    target = (base / safe_relative(path)).resolve()
    if not target.is_relative_to(base):
        raise UnsafePath(f"{path!r} leaves the recordings store")
    return target


@dataclass(frozen=True)
class RecordingStores:
    own: str  # this node's store name
    own_root: Path  # this node's recordings directory
    roots: dict[str, str]  # other stores: name -> directory or http(s) URL
    token: str | None = None

    def reference(self, path: str) -> dict[str, str]:
        """A recording this node wrote, as its store and relative path (an absolute path outside
        the recordings directory stays as it is: there is no store to name)."""
        candidate = Path(path)
        if not candidate.is_absolute():
            return {"store": self.own, "path": str(safe_relative(path))}
        root = self.own_root.resolve()
        resolved = candidate.resolve()
        if resolved.is_relative_to(root):
            return {"store": self.own, "path": resolved.relative_to(root).as_posix()}
        return {"path": path}

    async def local_file(self, entry: dict[str, Any], scratch: Path) -> str:
        """A path this process can read for a job's recording entry. A recording that cannot be
        had now gives a path that does not exist, so the job waits for it like a late file."""
        store, path = entry.get("store"), str(entry["path"])
        if store is None:
            return path  # queued before stores: an absolute path of this machine
        try:
            if store == self.own:
                return str(inside(self.own_root, path))
            root = self.roots.get(str(store))
            if root is None:
                log.warning("speech: recording store %r is not in CALLCENTER_RECORDING_STORES; "
                            "name it there (name=directory or name=http://host:port)", store)
                return str(scratch / "unknown-store" / str(store) / path)
            if not root.startswith(("http://", "https://")):
                return str(inside(Path(root), path))
            return await self._fetch(root, str(store), path, scratch)
        except UnsafePath as exc:
            log.warning("speech: refused recording %r of store %r: %s", path, store, exc)
            return str(scratch / "refused")

    async def _fetch(self, base: str, store: str, path: str, scratch: Path) -> str:
        target = inside(scratch / store, path)
        if target.is_file():
            return str(target)
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        url = f"{base.rstrip('/')}/recordings/{store}/{safe_relative(path).as_posix()}"
        try:
            async with httpx.AsyncClient(timeout=FETCH_TIMEOUT_SECONDS) as client:
                response = await client.get(url, headers=headers)
        except httpx.HTTPError as exc:
            log.warning("speech: cannot fetch %s now (%s); the job waits for it", url, exc)
            return str(target)
        if response.status_code != 200:
            log.warning("speech: fetching %s answered %d; the job waits for it", url, response.status_code)
            return str(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        await asyncio.to_thread(partial.write_bytes, response.content)
        partial.replace(target)
        return str(target)
