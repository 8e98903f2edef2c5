"""Passwords the rendered Asterisk files need: SIP softphones and the two AMI users.

A password comes from the environment when set (``CALLCENTER_SIP_PASSWORD_<工号>``,
``CALLCENTER_AMI_SECRET``, ``CALLCENTER_AMI_ACTION_SECRET``); otherwise one is generated once
and kept in ``var/`` (mode 0600, never committed) so renders are stable.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from callcenter.errors import ConfigError

SIP_SECRETS = "sip-secrets.json"
AMI_SECRETS = "ami-secrets.json"


def secure_write(path: Path, text: str) -> None:
    """Write a file readable by its owner only (0600) from the first byte."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def _load(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(str(path),
                          f"is not valid JSON ({exc}); fix or delete it to generate new passwords") \
            from None
    if not isinstance(data, dict):
        raise ConfigError(str(path), "must hold a JSON object of name -> password")
    return {str(k): str(v) for k, v in data.items()}


class SecretStore:
    """Generated passwords under ``var_dir``; environment values win and are never written."""

    def __init__(self, var_dir: Path, env: Mapping[str, str], filename: str) -> None:
        self._path = var_dir / filename
        self._env = env
        self._saved = _load(self._path)
        self._dirty = False

    def get(self, key: str, env_name: str) -> str:
        from_env = self._env.get(env_name)
        if from_env:
            if any(ch in from_env for ch in "\n;"):
                raise ConfigError(env_name,
                                  "must not contain a newline or ';' (it goes into an Asterisk .conf file)")
            return from_env
        if key not in self._saved:
            self._saved[key] = secrets.token_urlsafe(18)
            self._dirty = True
        return self._saved[key]

    def save(self) -> None:
        if self._dirty:
            secure_write(self._path, json.dumps(self._saved, indent=1, sort_keys=True))
            self._dirty = False
