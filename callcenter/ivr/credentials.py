"""SIP credentials of the agents' softphones: the single home for them.

The file ``<var>/sip-credentials.json`` (mode 0600) keeps, per extension, only the digest
Asterisk's PJSIP accepts in an ``auth`` section (``auth_type=md5``, ``md5_cred`` =
md5(user:realm:password)). The plaintext password exists once: in the answer of
``provision``/``rotate``, which the command line shows to the person provisioning the phone.
It is never written to disk or logged. The dialplan renderer reads ``pjsip_auths`` to write
``pjsip.conf``, so registered phones and rendered endpoints always agree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import string
import tempfile
from dataclasses import dataclass
from pathlib import Path

from callcenter.errors import CallcenterError
from callcenter.hotline import Agent, Hotline

REALM = "callcenter"
FILE_NAME = "sip-credentials.json"
PASSWORD_LENGTH = 16
# Letters and digits only: every softphone keypad and QR reader copes with them.
_ALPHABET = string.ascii_letters + string.digits


class CredentialsError(CallcenterError):
    """The credentials file is unreadable or the agent is unknown."""


@dataclass(frozen=True)
class PjsipAuth:
    """What pjsip.conf needs for one endpoint's ``auth`` section."""

    extension: str
    agent_id: str
    username: str
    realm: str
    md5_cred: str


@dataclass(frozen=True)
class Provisioned:
    """One agent's softphone settings; ``password`` only when it was just issued."""

    agent_id: str
    name: str
    extension: str
    password: str | None
    issued_at: str


def md5_cred(username: str, realm: str, password: str) -> str:
    """The HA1 digest PJSIP's ``md5_cred`` expects (RFC 2617)."""
    return hashlib.md5(f"{username}:{realm}:{password}".encode()).hexdigest()


def new_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(PASSWORD_LENGTH))


def credentials_path(var_dir: Path) -> Path:
    return var_dir / FILE_NAME


class CredentialStore:
    """The credentials file; each change is written atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, dict[str, str]]:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            endpoints = data["endpoints"]
        except (ValueError, KeyError, TypeError) as exc:
            raise CredentialsError(f"{self.path} is not a credentials file ({exc}); restore it or delete it "
                                   "and provision every phone again") from None
        if not isinstance(endpoints, dict):
            raise CredentialsError(f"{self.path}: 'endpoints' must be an object")
        return endpoints

    def save(self, endpoints: dict[str, dict[str, str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps({"version": 1, "realm": REALM, "endpoints": endpoints}, ensure_ascii=False,
                             indent=2)
        fd, tmp = tempfile.mkstemp(prefix=".sip-", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(payload)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _select(hotline: Hotline, agent_id: str | None) -> list[Agent]:
    if agent_id is None:
        return list(hotline.agents)
    agent = hotline.agent(agent_id)
    if agent is None:
        known = ", ".join(a.id for a in hotline.agents)
        raise CredentialsError(f"no agent with 工号 {agent_id!r} in the hotline file (known: {known})")
    return [agent]


def provision(hotline: Hotline, store: CredentialStore, agent_id: str | None = None, *, rotate: bool = False,
              now: dt.datetime | None = None) -> list[Provisioned]:
    """Issue passwords to agents that have none (or to all selected when ``rotate``)."""
    endpoints = store.load()
    issued_at = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    out: list[Provisioned] = []
    changed = False
    for agent in _select(hotline, agent_id):
        entry = endpoints.get(agent.extension)
        if entry is not None and entry.get("agent_id") == agent.id and not rotate:
            out.append(Provisioned(agent.id, agent.name, agent.extension, None, entry.get("issued_at", "")))
            continue
        password = new_password()
        endpoints[agent.extension] = {"agent_id": agent.id, "username": agent.extension, "realm": REALM,
                                      "md5_cred": md5_cred(agent.extension, REALM, password),
                                      "issued_at": issued_at}
        out.append(Provisioned(agent.id, agent.name, agent.extension, password, issued_at))
        changed = True
    if changed:
        store.save(endpoints)
    return out


def pjsip_auths(hotline: Hotline, var_dir: Path) -> dict[str, PjsipAuth]:
    """The provisioned endpoints by extension, for the pjsip.conf renderer.

    An agent whose extension has no credential (or one issued to another 工号 after the
    hotline file changed) is absent: the renderer leaves that endpoint without auth and
    tells the operator to run ``callcenter agents provision``.
    """
    endpoints = CredentialStore(credentials_path(var_dir)).load()
    auths: dict[str, PjsipAuth] = {}
    for agent in hotline.agents:
        entry = endpoints.get(agent.extension)
        if entry is None or entry.get("agent_id") != agent.id:
            continue
        auths[agent.extension] = PjsipAuth(agent.extension, agent.id, entry.get("username", agent.extension),
                                           entry.get("realm", REALM), entry["md5_cred"])
    return auths


def verify(var_dir: Path, extension: str, password: str) -> bool:
    """Whether ``password`` is the extension's current one (what Asterisk will accept)."""
    entry = CredentialStore(credentials_path(var_dir)).load().get(extension)
    if entry is None:
        return False
    expected = md5_cred(entry.get("username", extension), entry.get("realm", REALM), password)
    return secrets.compare_digest(expected, entry["md5_cred"])
