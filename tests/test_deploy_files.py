"""The deployment files work as written: docker/compose.yaml (with the Asterisk image of
docker/asterisk/) and the systemd units of deploy/systemd/. No container engine or systemd runs
here, so they are read (PyYAML, configparser) and every path, port, variable and volume is checked
against the settings (callcenter/config.py) and against the Asterisk configuration `callcenter
dialplan render` writes with them: the FastAGI address Asterisk dials is the one the service
binds, AMI users and port agree, recordings, prompts and the queue_log are the same files on both
sides, nothing listens beyond loopback but SIP, and every service has a health check."""

from __future__ import annotations

import configparser
import re
import shlex
from ipaddress import ip_address
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from sqlalchemy.engine import make_url

from callcenter.config import Settings, load_settings
from callcenter.ivr import dialplan, extensions_conf
from callcenter.ivr.logger_conf import QUEUE_LOG_NAME
from callcenter.roles import ROLES, components_for

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker" / "compose.yaml"
ASTERISK_ETC = ROOT / "docker" / "asterisk" / "etc"
UNITS = ROOT / "deploy" / "systemd"
RENDERED = ("extensions.conf", "queues.conf", "pjsip.conf", "manager.conf", "logger.conf")
LOOPBACK = ("127.0.0.1", "::1")
PACKAGE_SOURCE = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "callcenter").rglob("*.py"))


def known_setting(name: str) -> bool:
    """A CALLCENTER_ variable the service reads (named in its source)."""
    return re.search(rf"\b{re.escape(name)}\b", PACKAGE_SOURCE) is not None


def asterisk_dirs() -> dict[str, str]:
    conf = configparser.ConfigParser(interpolation=None, delimiters=("=>", "="))
    conf.read_string((ASTERISK_ETC / "asterisk.conf").read_text(encoding="utf-8"))
    return dict(conf["directories"])


def agi_host_of_render(text: str) -> str:
    found = re.search(r"callcenter dialplan render --agi-host ([\w.-]+)", text)
    assert found, "the render command (with --agi-host) is written where the deployer reads it"
    return found.group(1)


def rendered(settings: Settings, env: dict[str, str], agi_host: str, out: Path) -> dict[str, str]:
    dialplan.render_all(settings, out, env=env, agi_host=agi_host)
    return {name: (out / name).read_text(encoding="utf-8") for name in RENDERED}


def manager_sections(text: str) -> dict[str, dict[str, str]]:
    conf = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";",), strict=False)
    conf.read_string(text)
    return {name: dict(conf[name]) for name in conf.sections()}


def check_against_render(settings: Settings, env: dict[str, str], agi_host: str,
                         tmp_path: Path) -> dict[str, str]:
    """What both deployments share: Asterisk dials the FastAGI the service binds (and allows), the
    AMI users and port of manager.conf are the service's, AMI listens on loopback."""
    files = rendered(settings, env, agi_host, tmp_path / "rendered")
    agi_urls = {step.data.split(",")[-1] if step.application == "Queue" else step.data
                for step in extensions_conf.parse(files["extensions.conf"]) if "agi://" in step.data}
    assert agi_urls, "the dialplan calls the FastAGI server"
    for url in agi_urls:
        parts = urlsplit(url)
        assert (parts.hostname, parts.port) == (settings.agi_host, settings.agi_port), url
        assert any(ip_address(parts.hostname or "") in net for net in settings.agi_allowed_hosts), \
            "FastAGI answers the Asterisk that dials it"
    manager = manager_sections(files["manager.conf"])
    assert settings.ami is not None
    assert manager["general"]["port"] == str(settings.ami.port)
    assert manager["general"]["bindaddr"] == settings.ami.host and settings.ami.host in LOOPBACK
    assert {settings.ami.user, settings.ami.action_user} <= set(manager)
    for host in (settings.agi_host, settings.web_host, settings.metrics_host):
        assert host in LOOPBACK
    return files


# --- docker/compose.yaml ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE.read_text(encoding="utf-8")))


def service_env(compose: dict[str, Any], name: str) -> dict[str, str]:
    """The service's environment as compose passes it, ${VAR:?…} filled as docker/.env would."""
    values = {"POSTGRES_PASSWORD": "pg-pass", "CALLCENTER_AMI_SECRET": "ami-1",
              "CALLCENTER_AMI_ACTION_SECRET": "ami-2"}
    out = {}
    for key, value in compose["services"][name]["environment"].items():
        out[key] = re.sub(r"\$\{(\w+)(?::\?[^}]*)?\}", lambda m: values[m.group(1)], str(value))
    return out


def mounts(service: dict[str, Any]) -> dict[str, str]:
    """container path → source (a named volume or a path relative to docker/)."""
    out = {}
    for item in service.get("volumes", []):
        source, target, *_ = item.split(":")
        out[target] = source
    return out


def test_every_compose_service_is_healthy_checked_pinned_and_local(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        image = service.get("image", "")
        assert re.fullmatch(r"[\w./-]+:[\w.-]+", image) and not image.endswith(":latest"), name
        if service.get("restart") == "unless-stopped":  # long-running
            assert service["healthcheck"]["test"][0] == "CMD", name
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"
        if service.get("network_mode") == "host":
            assert "ports" not in service
    callcenter = compose["services"]["callcenter"]
    assert callcenter["depends_on"] == {"postgres": {"condition": "service_healthy"},
                                        "asterisk": {"condition": "service_healthy"}}
    assert compose["services"]["asterisk"]["depends_on"] == {
        "asterisk-config": {"condition": "service_completed_successfully"}}
    # the Asterisk image is built here, the way the test build is (docker/asterisk/Dockerfile)
    assert compose["services"]["asterisk-config"]["build"]["dockerfile"] == "docker/asterisk/Dockerfile"
    assert "ASTERISK_VERSION=20." in (ROOT / "docker" / "asterisk" / "Dockerfile").read_text()
    for named in {m.split(":")[0] for s in compose["services"].values() for m in s.get("volumes", [])
                  if not m.startswith(".")}:
        assert named in compose["volumes"]


def test_compose_settings_agree_with_the_rendered_asterisk(compose: dict[str, Any], tmp_path: Path) -> None:
    env = service_env(compose, "callcenter")
    assert all(known_setting(key) for key in env if key.startswith("CALLCENTER_")), env.keys()
    # the hotline file compose mounts, the example here; var/ in the test's folder
    env_here = {**env, "CALLCENTER_HOTLINE": str(ROOT / "hotline.example.toml"),
                "CALLCENTER_VAR_DIR": str(tmp_path / "var")}
    settings = load_settings(env_here)
    check_against_render(settings, env_here, agi_host_of_render(COMPOSE.read_text()), tmp_path)
    # the database is the postgres service, as it publishes itself
    url = make_url(settings.database_url)
    postgres = compose["services"]["postgres"]
    assert (url.host, url.port) == ("127.0.0.1", int(postgres["ports"][0].split(":")[1]))
    assert (url.username, url.database) == (postgres["environment"]["POSTGRES_USER"],
                                            postgres["environment"]["POSTGRES_DB"])
    # its health check asks /readyz on the metrics port the settings open
    check = " ".join(compose["services"]["callcenter"]["healthcheck"]["test"])
    assert f"http://{settings.metrics_host}:{settings.metrics_port}/readyz" in check


def test_recordings_prompts_and_queue_log_are_the_same_files_on_both_sides(compose: dict[str, Any],
                                                                           tmp_path: Path) -> None:
    dirs = asterisk_dirs()
    asterisk, callcenter = (mounts(compose["services"][n]) for n in ("asterisk", "callcenter"))
    env = service_env(compose, "callcenter")
    # Recordings: MixMonitor and Record() write ${ASTSPOOLDIR}/monitor; the service reads the same
    # volume at the same path (Asterisk reports absolute paths).
    spool_monitor = f"{dirs['astspooldir']}/monitor"
    assert env["CALLCENTER_RECORDINGS_DIR"] == spool_monitor
    assert asterisk[spool_monitor] == callcenter[spool_monitor] == "recordings"
    here = {**env, "CALLCENTER_HOTLINE": str(ROOT / "hotline.example.toml"),
            "CALLCENTER_VAR_DIR": str(tmp_path)}
    text = dialplan.render_extensions(load_settings(here), "127.0.0.1", env)
    assert "Record(${ASTSPOOLDIR}/monitor/" in text and "MixMonitor(${UNIQUEID}.wav" in text
    # Both users write there: Asterisk's uid is the service's.
    assert "--uid 1000" in (ROOT / "docker" / "asterisk" / "Dockerfile").read_text()
    assert compose["services"]["callcenter"]["user"] == "1000:1000"
    # Prompts: `callcenter sounds build` writes ../sounds/zh; the dialplan plays callcenter/zh/<name>
    # from astdatadir/sounds; the service sees the same folder as CALLCENTER_SOUNDS_DIR.
    assert asterisk[f"{dirs['astdatadir']}/sounds/callcenter"] == "../sounds"
    assert callcenter[env["CALLCENTER_SOUNDS_DIR"]] == "../sounds"
    assert "Playback(callcenter/zh/" in text
    # queue_log: logger.conf names it in astlogdir; the service reads it from the same volume.
    assert env["CALLCENTER_QUEUE_LOG"] == f"{dirs['astlogdir']}/{QUEUE_LOG_NAME}"
    assert asterisk[dirs["astlogdir"]] == callcenter[dirs["astlogdir"]] == "asterisk-logs"
    # State (secrets, models, spool) on its own volume at CALLCENTER_VAR_DIR.
    assert callcenter[env["CALLCENTER_VAR_DIR"]] == "callcenter-state"


def test_rendered_files_reach_asterisk_readable_by_its_user(compose: dict[str, Any]) -> None:
    step = compose["services"]["asterisk-config"]
    command = " ".join(step["command"])
    target = mounts(step)["/etc/asterisk/callcenter"]
    assert step["user"] == "0" and mounts(step)["/rendered"] == "../dialplans"
    assert "install -o asterisk -g asterisk -m 0640 /rendered/*.conf /etc/asterisk/callcenter/" in command
    assert mounts(compose["services"]["asterisk"])["/etc/asterisk/callcenter"] == target
    # the image's base files include each rendered file from there (and Asterisk runs as asterisk)
    for name in RENDERED:
        assert f'#include "callcenter/{name}"' in (ASTERISK_ETC / name).read_text(), name
    assert '"-U", "asterisk"' in (ROOT / "docker" / "asterisk" / "Dockerfile").read_text()


# --- deploy/systemd ---------------------------------------------------------------------------

def read_unit(path: Path) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(interpolation=None, strict=True)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string(path.read_text(encoding="utf-8"))
    return unit


def env_file() -> dict[str, str]:
    out = {}
    for line in (UNITS / "callcenter.env").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            out[key] = value
    return out


def unit_env(unit: configparser.ConfigParser, instance: str = "") -> dict[str, str]:
    words = shlex.split(unit["Service"].get("Environment", ""))
    return {k: v.replace("%i", instance) for k, _, v in (w.partition("=") for w in words)}


UNIT_FILES = sorted(UNITS.glob("*.service"))


def test_there_is_a_unit_for_the_all_in_one_service_and_for_every_role() -> None:
    commands = {}
    for path in UNIT_FILES:
        unit = read_unit(path)
        assert unit["Unit"]["Description"] and unit["Install"]["WantedBy"] == "multi-user.target"
        service = unit["Service"]
        assert service["User"] == "callcenter"
        assert service["EnvironmentFile"] == "/etc/callcenter/callcenter.env"
        binary, *args = shlex.split(service["ExecStart"])
        assert binary == "/opt/callcenter/bin/callcenter" and args[0] == "run"
        roles = args[2::2]
        assert args[1::2] == ["--role"] * len(roles)
        components_for(roles)  # each role exists (an unknown one raises, named)
        commands[path.name] = tuple(roles)
    assert commands["callcenter.service"] == ()
    assert {r for roles in commands.values() for r in roles} == set(ROLES)
    # the all-in-one and the parts never run together on one host (same ports, same work)
    assert set(read_unit(UNITS / "callcenter.service")["Unit"]["Conflicts"].split()) == {
        p.name for p in UNIT_FILES if p.name not in ("callcenter.service", "callcenter-worker@.service")}
    for path in UNIT_FILES:
        if path.name != "callcenter.service":
            assert read_unit(path)["Unit"]["Conflicts"] == "callcenter.service"


def test_unit_settings_agree_with_the_rendered_asterisk_and_each_other(tmp_path: Path) -> None:
    shared = env_file()
    assert all(known_setting(key) for key in shared), shared.keys()
    ports: dict[str, str] = {}
    for path in UNIT_FILES:
        unit = read_unit(path)
        for instance in (["1", "2"] if "@" in path.name else [""]):
            own = unit_env(unit, instance)
            assert all(known_setting(key) for key in own)
            port = own["CALLCENTER_METRICS_PORT"]
            assert port not in ports, f"{path.name} and {ports.get(port)} share metrics port {port}"
            ports[port] = f"{path.name}{instance}"
        # writes only its state and the shared recordings folder
        service = unit["Service"]
        assert service["ProtectSystem"] == "strict"
        assert set(service["ReadWritePaths"].split()) == {shared["CALLCENTER_VAR_DIR"],
                                                          shared["CALLCENTER_RECORDINGS_DIR"]}
        assert service["WorkingDirectory"] == shared["CALLCENTER_VAR_DIR"] == \
            f"/var/lib/{service['StateDirectory']}"
    env = {**shared, "CALLCENTER_HOTLINE": str(ROOT / "hotline.example.toml"),
           "CALLCENTER_VAR_DIR": str(tmp_path / "var"), "CALLCENTER_METRICS_PORT": "9464"}
    settings = load_settings(env)
    check_against_render(settings, env, agi_host_of_render((UNITS / "callcenter.env").read_text()), tmp_path)
    # Asterisk's packaged folders on the same host: recordings, queue_log, prompts
    dirs = asterisk_dirs()  # the same layout as Asterisk's defaults (/var/spool/asterisk, …)
    assert shared["CALLCENTER_RECORDINGS_DIR"] == f"{dirs['astspooldir']}/monitor"
    assert shared["CALLCENTER_QUEUE_LOG"] == f"{dirs['astlogdir']}/{QUEUE_LOG_NAME}"
    assert shared["CALLCENTER_SOUNDS_DIR"] == f"{dirs['astdatadir']}/sounds/callcenter"
    assert make_url(shared["CALLCENTER_DATABASE_URL"]).get_backend_name() == "postgresql"  # roles need it
