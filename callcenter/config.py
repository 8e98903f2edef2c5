"""Settings of one running service: environment variables plus the hotline file.

Environment variables (all optional; the embedded defaults run the demo):

==============================  ==============================================  =========================
variable                        meaning                                         default
==============================  ==============================================  =========================
CALLCENTER_HOTLINE              path of the hotline TOML                        hotline.toml, else
                                                                                hotline.example.toml
CALLCENTER_DATABASE_URL         SQLAlchemy URL                                  sqlite:///var/callcenter.db
CALLCENTER_AMI_HOST / _PORT     Asterisk manager interface                      (none: embedded pbxsim)
CALLCENTER_AMI_USER / _SECRET   read-only listener user                         callcenter / (none)
CALLCENTER_AMI_ACTION_USER /    user allowed to Originate/Redirect/QueuePause   callcenter-actions when
  _ACTION_SECRET                (the read-only listener user may not)           _ACTION_SECRET is set,
                                                                                else the listener user
                                                                                (a start-up warning)
CALLCENTER_AGI_HOST / _PORT     where the FastAGI server listens                127.0.0.1 / 4573
CALLCENTER_AGI_ALLOWED_HOSTS    Asterisk addresses/networks FastAGI answers     127.0.0.1,::1
CALLCENTER_WEB_HOST / _PORT     where the web UI listens                        127.0.0.1 / 8080
CALLCENTER_RING_CYCLE_SECONDS   overrides rules.ring_cycle_seconds (R1)         hotline file (5)
CALLCENTER_RULE_RINGS           overrides rules.rule_rings (R1)                 hotline file (3)
CALLCENTER_CENTRE_NAME          overrides centre.name (R3)                      hotline file
CALLCENTER_VAR_DIR              state: database, recordings, models, secrets    var
CALLCENTER_RECORDINGS_DIR       Asterisk's recordings folder as this machine    var/recordings
                                sees it (Asterisk writes ${ASTSPOOLDIR}/monitor;
                                share it at the same path)
CALLCENTER_ASR_MODEL            Vosk model directory or name under models/      vosk-model-small-cn-0.22
CALLCENTER_TRANSCRIBE_WORKERS   transcription processes                         1
CALLCENTER_TRANSCRIBE_LEASE_    overrides speech.job_lease_seconds: a job of a  hotline file (300)
  SECONDS                       worker that died waits this long (30..86400)
CALLCENTER_PBX_NAME             the Asterisk's name on its calls (key with      pbx
                                Linkedid: one name per Asterisk)
CALLCENTER_SPOOL_MAX_MB         bound of the write-ahead spool var/spool        1024
CALLCENTER_RECORDING_STORE      this node's recordings store (its recordings    CALLCENTER_PBX_NAME
                                directory), named in transcription jobs
CALLCENTER_RECORDING_STORES     the other stores: name=/shared/dir or           (none)
                                name=http://host:port, comma-separated
CALLCENTER_RECORDINGS_TOKEN     shared secret of the recordings endpoint        (none: no endpoint)
CALLCENTER_RECORDINGS_HOST /    where this node serves its recordings to        127.0.0.1 / (none)
  _PORT                         workers elsewhere (needs the token)
CALLCENTER_QUEUE_LOG            Asterisk's queue_log, read to record calls      (none; the embedded
                                missed while the service was down               pbxsim: var/queue_log)
                                (e.g. /var/log/asterisk/queue_log)
CALLCENTER_METRICS_HOST /       where /metrics, /healthz and /readyz listen     127.0.0.1 / (none: off)
  _PORT                         (each process its own port)
CALLCENTER_METRICS_TOKEN        bearer token /metrics asks for (required        (none)
                                when the metrics host is not loopback)
CALLCENTER_LOG_FORMAT           text, or json (one JSON object per line)         text
==============================  ==============================================  =========================
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path

from callcenter.errors import ConfigError
from callcenter.hotline import Hotline, load_hotline

log = logging.getLogger(__name__)

# The AMI user `callcenter dialplan render` writes into manager.conf for actions; the listener
# user it renders is read-only, so the two defaults must agree.
DEFAULT_ACTION_USER = "callcenter-actions"


class Secret:
    """A string that never shows itself in logs, reprs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True)
class AmiSettings:
    host: str
    port: int
    user: str
    secret: Secret = field(repr=True)
    action_user: str
    action_secret: Secret = field(repr=True)


@dataclass(frozen=True)
class Settings:
    hotline: Hotline
    hotline_path: Path
    database_url: str
    var_dir: Path
    ami: AmiSettings | None
    agi_host: str = "127.0.0.1"
    agi_port: int = 4573
    # Who may ask the FastAGI server for routes and report messages: Asterisk only.
    agi_allowed_hosts: tuple[IPv4Network | IPv6Network, ...] = (ip_network("127.0.0.1/32"),
                                                                ip_network("::1/128"))
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    asr_model: str = "vosk-model-small-cn-0.22"
    transcribe_workers: int = 1
    # Live transcription (issue 17): call sides recognised at once (0: off), their processes, and
    # where Asterisk's AudioSocket taps connect (the receiver binds live_host:live_port).
    live_streams: int = 8
    live_workers: int = 1
    live_host: str = "127.0.0.1"
    live_port: int = 4574
    sounds_dir: Path = Path("sounds")
    pbx_name: str = "pbx"
    spool_max_mb: int = 1024

    @property
    def spool_dir(self) -> Path:
        """The write-ahead spool of finished calls: one per database, since its records wait for
        that database (var/spool/<short hash of the URL>, the URL without password beside them)."""
        return self.var_dir / "spool" / hashlib.sha256(self.database_label.encode()).hexdigest()[:12]

    @property
    def database_label(self) -> str:
        """The database URL without its password, for logs and files."""
        from sqlalchemy.engine import make_url

        return make_url(self.database_url).render_as_string(hide_password=True)
    queue_log: Path | None = None  # Asterisk's queue_log (logger.conf queue_log = yes), for backfill
    recordings_path: Path | None = None  # CALLCENTER_RECORDINGS_DIR; None: var/recordings
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = None  # None: no metrics listener in this process
    metrics_token: Secret | None = None
    # Recordings addressed by a named store (issue 16, callcenter.speech.stores): this node's
    # store, the others' directories or URLs, the token of the recordings endpoint and its address.
    recording_store: str = "pbx"
    recording_stores: dict[str, str] = field(default_factory=dict)
    recordings_token: Secret | None = None
    recordings_host: str = "127.0.0.1"
    recordings_port: int | None = None

    @property
    def ring_cycle_seconds(self) -> float:
        return self.hotline.rules.ring_cycle_seconds

    @property
    def rule_rings(self) -> int:
        return self.hotline.rules.rule_rings

    @property
    def transcribe_lease_seconds(self) -> int:
        return self.hotline.speech.job_lease_seconds

    @property
    def recordings_dir(self) -> Path:
        return self.recordings_path or self.var_dir / "recordings"

    @property
    def models_dir(self) -> Path:
        return self.var_dir / "models"


def _int(env: Mapping[str, str], name: str, default: int, low: int = 0, high: int = 65535) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(name, f"{raw!r} is not a whole number") from None
    if not low <= value <= high:
        raise ConfigError(name, f"{value} is outside {low}..{high}")
    return value


def _float(env: Mapping[str, str], name: str) -> float | None:
    raw = env.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(name, f"{raw!r} is not a number") from None
    if not math.isfinite(value):
        raise ConfigError(name, f"{raw!r} is not a finite number; give seconds, e.g. 5")
    if value <= 0:
        raise ConfigError(name, f"{value} must be greater than zero")
    return value


def _networks(env: Mapping[str, str], name: str, default: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """Comma-separated addresses or networks (``10.0.0.5, 192.168.1.0/24``)."""
    out: list[IPv4Network | IPv6Network] = []
    for item in (env.get(name) or default).split(","):
        if not item.strip():
            continue
        try:
            out.append(ip_network(item.strip(), strict=False))
        except ValueError:
            raise ConfigError(name, f"{item.strip()!r} is not an IP address or network "
                                    "(e.g. 127.0.0.1 or 10.0.0.0/24, comma-separated)") from None
    if not out:
        raise ConfigError(name, "lists no address: give the Asterisk server(s) allowed to use FastAGI")
    return tuple(out)


def _check_database_url(url: str) -> None:
    """The URL parses and names a database SQLAlchemy can drive (connecting is the service's job)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        make_url(url).get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise ConfigError("CALLCENTER_DATABASE_URL",
                          f"{url.split('@')[-1]!r} is not a usable database URL ({exc}); "
                          "use sqlite:///var/callcenter.db or "
                          "postgresql+psycopg://user:password@host/db") from None


def default_hotline_path(env: Mapping[str, str]) -> Path:
    if env.get("CALLCENTER_HOTLINE"):
        return Path(env["CALLCENTER_HOTLINE"])
    return Path("hotline.toml") if Path("hotline.toml").exists() else Path("hotline.example.toml")


def _ami(env: Mapping[str, str]) -> AmiSettings | None:
    host = env.get("CALLCENTER_AMI_HOST")
    if not host:
        return None
    user = env.get("CALLCENTER_AMI_USER", "callcenter")
    secret = env.get("CALLCENTER_AMI_SECRET")
    if not secret:
        raise ConfigError("CALLCENTER_AMI_SECRET", "is required when CALLCENTER_AMI_HOST is set")
    action_user, action_secret = _action_account(env, user, secret)
    return AmiSettings(
        host=host,
        port=_int(env, "CALLCENTER_AMI_PORT", 5038, 1),
        user=user,
        secret=Secret(secret),
        action_user=action_user,
        action_secret=Secret(action_secret),
    )


def _action_account(env: Mapping[str, str], listener: str, listener_secret: str) -> tuple[str, str]:
    action_secret = env.get("CALLCENTER_AMI_ACTION_SECRET")
    if action_secret:
        return env.get("CALLCENTER_AMI_ACTION_USER") or DEFAULT_ACTION_USER, action_secret
    user = env.get("CALLCENTER_AMI_ACTION_USER") or listener
    if user == listener:
        log.warning("CALLCENTER_AMI_ACTION_SECRET is not set: originate, redirect and pause go through the "
                    "listener AMI user %r, which `callcenter dialplan render` makes read-only", listener)
    return user, listener_secret


def database_url(env: Mapping[str, str]) -> str:
    """CALLCENTER_DATABASE_URL, else var/callcenter.db; checked (for the commands that need only
    the database, not the hotline file)."""
    var_dir = Path(env.get("CALLCENTER_VAR_DIR") or "var")
    url = env.get("CALLCENTER_DATABASE_URL") or f"sqlite:///{var_dir / 'callcenter.db'}"
    if "://" not in url:
        raise ConfigError("CALLCENTER_DATABASE_URL",
                          f"{url!r} is not a database URL (e.g. sqlite:///var/cc.db)")
    _check_database_url(url)
    return url


def load_settings(env: Mapping[str, str] | None = None, *, ami: bool = True) -> Settings:
    """Build the settings; a bad value raises ConfigError naming it (start-up stops).

    ``ami=False`` leaves the AMI connection out (``settings.ami`` is None): for the commands that
    write Asterisk's files before any AMI secret exists (``dialplan render`` makes them).
    """
    env = os.environ if env is None else env
    path = default_hotline_path(env)
    hotline = load_hotline(path)
    rule_overrides: dict[str, object] = {}
    cycle = _float(env, "CALLCENTER_RING_CYCLE_SECONDS")
    if cycle is not None:
        rule_overrides["ring_cycle_seconds"] = cycle
    if env.get("CALLCENTER_RULE_RINGS"):
        rule_overrides["rule_rings"] = _int(env, "CALLCENTER_RULE_RINGS", 3, 1, 20)
    if rule_overrides:
        hotline = hotline.model_copy(update={"rules": hotline.rules.model_copy(update=rule_overrides)})
    if env.get("CALLCENTER_TRANSCRIBE_LEASE_SECONDS"):
        lease = _int(env, "CALLCENTER_TRANSCRIBE_LEASE_SECONDS", 300, 30, 24 * 3600)
        hotline = hotline.model_copy(
            update={"speech": hotline.speech.model_copy(update={"job_lease_seconds": lease})})
    if env.get("CALLCENTER_CENTRE_NAME"):
        hotline = hotline.model_copy(
            update={"centre": hotline.centre.model_copy(update={"name": env["CALLCENTER_CENTRE_NAME"]})}
        )
    url = database_url(env)
    var_dir = Path(env.get("CALLCENTER_VAR_DIR") or "var")
    return Settings(
        hotline=hotline,
        hotline_path=path,
        database_url=url,
        var_dir=var_dir,
        ami=_ami(env) if ami else None,
        agi_host=env.get("CALLCENTER_AGI_HOST", "127.0.0.1"),
        agi_port=_int(env, "CALLCENTER_AGI_PORT", 4573),
        agi_allowed_hosts=_networks(env, "CALLCENTER_AGI_ALLOWED_HOSTS", "127.0.0.1,::1"),
        web_host=env.get("CALLCENTER_WEB_HOST", "127.0.0.1"),
        web_port=_int(env, "CALLCENTER_WEB_PORT", 8080),
        asr_model=env.get("CALLCENTER_ASR_MODEL", "vosk-model-small-cn-0.22"),
        transcribe_workers=_int(env, "CALLCENTER_TRANSCRIBE_WORKERS", 1, 1, 64),
        live_streams=_int(env, "CALLCENTER_LIVE_STREAMS", 8, 0, 1000),
        live_workers=_int(env, "CALLCENTER_LIVE_WORKERS", 1, 1, 64),
        live_host=env.get("CALLCENTER_LIVE_HOST", "127.0.0.1"),
        live_port=_int(env, "CALLCENTER_LIVE_PORT", 4574),
        sounds_dir=Path(env.get("CALLCENTER_SOUNDS_DIR") or "sounds"),
        pbx_name=_pbx_name(env),
        spool_max_mb=_int(env, "CALLCENTER_SPOOL_MAX_MB", 1024, 1, 1024 * 1024),
        queue_log=_queue_log(env),
        recordings_path=Path(env["CALLCENTER_RECORDINGS_DIR"]) if env.get("CALLCENTER_RECORDINGS_DIR")
        else None,
        metrics_host=env.get("CALLCENTER_METRICS_HOST") or "127.0.0.1",
        metrics_port=_int(env, "CALLCENTER_METRICS_PORT", 0) if env.get("CALLCENTER_METRICS_PORT") else None,
        metrics_token=_metrics_token(env),
        recording_store=_store_name(env, _pbx_name(env)),
        recording_stores=_recording_stores(env),
        recordings_token=Secret(env["CALLCENTER_RECORDINGS_TOKEN"]) if env.get("CALLCENTER_RECORDINGS_TOKEN")
        else None,
        recordings_host=env.get("CALLCENTER_RECORDINGS_HOST", "127.0.0.1"),
        recordings_port=_int(env, "CALLCENTER_RECORDINGS_PORT", 0) if env.get("CALLCENTER_RECORDINGS_PORT")
        else None,
    )


def _metrics_token(env: Mapping[str, str]) -> Secret | None:
    host = env.get("CALLCENTER_METRICS_HOST") or "127.0.0.1"
    token = env.get("CALLCENTER_METRICS_TOKEN") or ""
    if env.get("CALLCENTER_METRICS_PORT") and not token and host not in ("127.0.0.1", "::1", "localhost"):
        # Call volumes, queue depths and link state are for the operators' Prometheus, not the network.
        raise ConfigError("CALLCENTER_METRICS_TOKEN", f"is required when /metrics listens on {host!r} "
                          "(not loopback): set a long random token and give it to Prometheus as a bearer "
                          "token, or keep CALLCENTER_METRICS_HOST=127.0.0.1")
    return Secret(token) if token else None


def _pbx_name(env: Mapping[str, str]) -> str:
    name = env.get("CALLCENTER_PBX_NAME") or "pbx"
    if len(name) > 64 or not name.isprintable() or name.strip() != name:
        raise ConfigError("CALLCENTER_PBX_NAME",
                          f"{name!r} must be 1-64 printable characters without spaces at the ends")
    return name


_STORE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def _store_name(env: Mapping[str, str], default: str) -> str:
    name = env.get("CALLCENTER_RECORDING_STORE") or default
    if not _STORE_NAME.match(name):
        raise ConfigError("CALLCENTER_RECORDING_STORE",
                          f"{name!r} cannot name a recordings store (it defaults to CALLCENTER_PBX_NAME): "
                          "use letters, digits, '.', '_' or '-'")
    return name


def _recording_stores(env: Mapping[str, str]) -> dict[str, str]:
    """``name=/shared/dir,name2=http://host:port``: where the other nodes' recordings are."""
    stores: dict[str, str] = {}
    for item in (env.get("CALLCENTER_RECORDING_STORES") or "").split(","):
        if not item.strip():
            continue
        name, sep, where = (part.strip() for part in item.partition("="))
        if not sep or not _STORE_NAME.match(name) or not where:
            raise ConfigError("CALLCENTER_RECORDING_STORES",
                              f"{item.strip()!r} is not name=directory or name=http://host:port")
        if not where.startswith(("http://", "https://", "/")):
            raise ConfigError("CALLCENTER_RECORDING_STORES",
                              f"{name}: {where!r} is neither an absolute directory nor an http(s) URL")
        stores[name] = where
    return stores


def _queue_log(env: Mapping[str, str]) -> Path | None:
    raw = env.get("CALLCENTER_QUEUE_LOG", "").strip()
    if not raw:
        return None
    path = Path(raw)
    if path.is_dir():
        raise ConfigError("CALLCENTER_QUEUE_LOG", f"{raw!r} is a directory; name Asterisk's queue_log file "
                          "(e.g. /var/log/asterisk/queue_log)")
    if not path.exists():
        log.warning("CALLCENTER_QUEUE_LOG: %s does not exist (yet); calls missed while the service is down "
                    "are recorded once Asterisk writes it (logger.conf: queue_log = yes)", path)
    return path


def with_database(settings: Settings, url: str) -> Settings:
    return replace(settings, database_url=url)
