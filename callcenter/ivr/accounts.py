"""pjsip.conf (one endpoint, auth and AOR per agent softphone) and manager.conf (two AMI users).

Least privilege for AMI: the listener may only read events and ask for status snapshots; a
second user may originate (callbacks), redirect/hang up (transfers) and change queue members,
and reads only the call class its OriginateResponse events belong to.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from callcenter.config import DEFAULT_ACTION_USER, Settings
from callcenter.errors import ConfigError
from callcenter.ivr.credentials import pjsip_auths
from callcenter.ivr.dialplan_names import AGENTS_CONTEXT
from callcenter.ivr.secrets import AMI_SECRETS, SIP_SECRETS, SecretStore, secure_write

LISTENER_READ = "system,call,agent,dialplan,agi,user"  # user: the survey's UserEvent (R21)
LISTENER_WRITE = "reporting"  # CoreShowChannels/Status/QueueStatus snapshots after a reconnect
ACTION_READ = "call"  # OriginateResponse
ACTION_WRITE = "originate,call,agent"  # Originate; Redirect/Hangup; QueueAdd/Remove/Pause


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name) or str(default)
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ConfigError(name, f"{raw!r} is not a port number (1..65535)")
    return int(raw)


def write_private(path: Path, text: str) -> None:
    secure_write(path, text)


def render_pjsip(settings: Settings, env: Mapping[str, str]) -> str:
    hotline = settings.hotline
    store = SecretStore(settings.var_dir, env, SIP_SECRETS)
    bind = f"{env.get('CALLCENTER_SIP_HOST') or '0.0.0.0'}:{_port(env, 'CALLCENTER_SIP_PORT', 5060)}"
    lines = ["; pjsip.conf: one softphone per agent of " + hotline.centre.name,
             "; Rendered by `callcenter dialplan render`. Auth: "
             "CALLCENTER_SIP_PASSWORD_<工号>, else the digest",
             "; from `callcenter agents provision`, else a password generated into "
             "var/sip-secrets.json (0600).",
             "; Trunks are site-specific: add yours with",
             "; context=callcenter-inbound.", "",
             "[transport-udp]", "type = transport", "protocol = udp", f"bind = {bind}", "",
             "[transport-tcp]", "type = transport", "protocol = tcp", f"bind = {bind}", ""]
    provisioned = _provisioned_digests(settings)
    for agent in hotline.agents:
        ext = agent.extension
        lines += [
            f"; 工号 {agent.id} {agent.name} ({agent.role})",
            f"[{ext}]", "type = endpoint", f"context = {AGENTS_CONTEXT}", "disallow = all",
            "allow = alaw,ulaw",
            f"auth = {ext}-auth", f"aors = {ext}", f"callerid = \"{agent.id}\" <{ext}>", "language = zh",
            "direct_media = no", "rtp_symmetric = yes", "force_rport = yes", "rewrite_contact = yes",
            "device_state_busy_at = 1", "",
            f"[{ext}-auth]", "type = auth", *_auth_lines(agent.id, ext, env, store, provisioned), "",
            f"[{ext}]", "type = aor", "max_contacts = 1", "remove_existing = yes", "qualify_frequency = 30",
            "",
        ]
    store.save()
    return "\n".join(lines)


def _provisioned_digests(settings: Settings) -> dict[str, Any]:
    """Softphones provisioned by ``callcenter agents provision`` (only an md5 digest is kept)."""
    return dict(pjsip_auths(settings.hotline, settings.var_dir))


def _auth_lines(agent_id: str, ext: str, env: Mapping[str, str], store: SecretStore,
                provisioned: Mapping[str, Any]) -> list[str]:
    """An explicit CALLCENTER_SIP_PASSWORD_<工号> wins; then the provisioned digest (what the phone
    was given); else a generated password kept in var/sip-secrets.json."""
    env_name = f"CALLCENTER_SIP_PASSWORD_{agent_id}"
    digest = provisioned.get(ext)
    if not env.get(env_name) and digest is not None:
        return ["auth_type = md5", f"username = {digest.username}", f"realm = {digest.realm}",
                f"md5_cred = {digest.md5_cred}"]
    return ["auth_type = userpass", f"username = {ext}", f"password = {store.get(agent_id, env_name)}"]


def ami_users(env: Mapping[str, str]) -> tuple[str, str]:
    listener = env.get("CALLCENTER_AMI_USER") or "callcenter"
    action = env.get("CALLCENTER_AMI_ACTION_USER") or DEFAULT_ACTION_USER
    if listener == action:
        raise ConfigError("CALLCENTER_AMI_ACTION_USER",
                          f"must differ from CALLCENTER_AMI_USER ({listener!r}): the listener is read-only")
    return listener, action


def render_manager(settings: Settings, env: Mapping[str, str]) -> str:
    listener, action = ami_users(env)
    store = SecretStore(settings.var_dir, env, AMI_SECRETS)
    listener_secret = store.get(listener, "CALLCENTER_AMI_SECRET")
    action_secret = store.get(action, "CALLCENTER_AMI_ACTION_SECRET")
    store.save()
    lines = [
        "; manager.conf: the service's two AMI users, loopback only.",
        "; Rendered by `callcenter dialplan render`. Secrets: CALLCENTER_AMI_SECRET / "
        "CALLCENTER_AMI_ACTION_SECRET",
        "; or generated into var/ami-secrets.json (0600).", "",
        "[general]", "enabled = yes", f"port = {_port(env, 'CALLCENTER_AMI_PORT', 5038)}",
        "bindaddr = 127.0.0.1",
        "timestampevents = yes  ; ring times come from the events' Timestamp headers (R1)", "",
        f"[{listener}]  ; the service's listener: events and status snapshots only",
        f"secret = {listener_secret}",
        "deny = 0.0.0.0/0.0.0.0", "permit = 127.0.0.1/255.255.255.255",
        f"read = {LISTENER_READ}", f"write = {LISTENER_WRITE}", "",
        f"[{action}]  ; callbacks, transfers, queue membership and pauses", f"secret = {action_secret}",
        "deny = 0.0.0.0/0.0.0.0", "permit = 127.0.0.1/255.255.255.255",
        f"read = {ACTION_READ}", f"write = {ACTION_WRITE}", "",
    ]
    return "\n".join(lines)
