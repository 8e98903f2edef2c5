"""FastAGI has no authentication of its own: it answers only the configured Asterisk hosts, and
every value a request carries is validated like any other input. A fake ``message`` request must
not schedule a callback to an arbitrary (international) number, and caller data must not be able
to add an AGI command to a reply (R12, R15, R18, R17)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from callcenter.config import load_settings
from callcenter.db.models.callbacks import Callback
from callcenter.db.session import migrate, unit_of_work
from callcenter.errors import ConfigError
from callcenter.ivr.agi import peer_allowed
from callcenter.service import Service
from tests.support.service import running
from tests.test_ivr_agi import Channel, Ivr, agi_session, ivr, trace_environment  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[2]
FACTORIES = ["callcenter.ivr.component:build", "callcenter.callbacks.component:build"]


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[Service]:
    url = f"sqlite:///{tmp_path / 'agi.db'}"
    migrate(url)
    settings = load_settings({"CALLCENTER_HOTLINE": str(ROOT / "hotline.example.toml"),
                              "CALLCENTER_DATABASE_URL": url,
                              "CALLCENTER_VAR_DIR": str(tmp_path / "var"), "CALLCENTER_AGI_PORT": "0"})
    async with running(settings, FACTORIES) as service:
        yield service


def _message(traces_dir: Path, caller: str, uniqueid: str) -> dict[str, str]:
    return trace_environment(traces_dir, agi_network_script="message", agi_request="agi://127.0.0.1/message",
                             agi_callerid=caller, agi_uniqueid=uniqueid)


def _callbacks(service: Service) -> list[tuple[str, str]]:
    with unit_of_work(service.context.sessions) as s:
        return [(c.caller, c.reason) for c in s.scalars(select(Callback).order_by(Callback.id))]


async def _until_settled(service: Service) -> None:
    await service.context.bus.drain()  # every MessageLeft handled by the callbacks area


async def test_a_host_not_allowed_gets_no_answer_and_schedules_nothing(service: Service,
                                                                       traces_dir: Path) -> None:
    host, port = service.context.extras["agi"]
    reader, writer = await asyncio.open_connection(host, port, local_addr=("127.0.0.2", 0))
    env = _message(traces_dir, "13800138000", "1795635060.90")
    writer.write(("".join(f"{k}: {v}\n" for k, v in env.items()) + "\n").encode())
    await writer.drain()
    # closed without a single AGI command (a reset, as the request was never read)
    with contextlib.suppress(ConnectionResetError):
        assert await asyncio.wait_for(reader.read(), 5) == b""
    writer.close()
    await _until_settled(service)
    assert _callbacks(service) == []


async def test_a_message_from_a_number_abroad_schedules_no_callback(service: Service,
                                                                    traces_dir: Path) -> None:
    address = service.context.extras["agi"]
    variables = {"CC_MESSAGE_REASON": "after_hours", "CC_DEPARTMENT": "service"}
    await agi_session(address, _message(traces_dir, "+88216 1234 5678", "1795635060.91"), Channel(variables))
    await agi_session(address, _message(traces_dir, "13800138000,CC_SURVEY=1", "1795635060.92"),
                      Channel(variables))
    await agi_session(address, _message(traces_dir, "13900139000", "1795635060.93"),
                      Channel({**variables, "CC_DEPARTMENT": "../../etc", "CHANNEL(linkedid)": "x;rm -rf"}))
    await _until_settled(service)
    # Only the plausible domestic caller is owed a call back; values the hotline file does not
    # know (a department, a Linkedid that is not one) are not taken.
    assert _callbacks(service) == [("13900139000", "message")]
    with unit_of_work(service.context.sessions) as s:
        cb = s.scalars(select(Callback)).one()
        assert cb.department is None and cb.dedupe_key == "message:pbx:1795635060.93"


async def test_caller_data_cannot_add_an_agi_command(ivr: Ivr, traces_dir: Path) -> None:  # noqa: F811
    ivr.history.names["13800138000"] = '王先生"\nEXEC Dial "PJSIP/999@trunk'
    ivr.history.owners.clear()
    env = trace_environment(traces_dir, agi_network_script="inbound", agi_request="agi://127.0.0.1/inbound",
                            agi_callerid="13800138000")
    channel = await agi_session(ivr.address, env, Channel(keys=["1"]))
    assert not any(c.startswith("EXEC") for c in channel.commands), channel.commands
    [name] = [c for c in channel.commands if c.startswith("SET VARIABLE CC_CALLER_NAME")]
    assert name.count('"') == 2 and "\n" not in name


def test_allowed_hosts_default_to_loopback_and_are_checked() -> None:
    settings = load_settings({"CALLCENTER_HOTLINE": str(ROOT / "hotline.example.toml")})
    assert peer_allowed("127.0.0.1",
                        settings.agi_allowed_hosts) and peer_allowed("::1", settings.agi_allowed_hosts)
    assert peer_allowed("::ffff:127.0.0.1", settings.agi_allowed_hosts)
    assert not peer_allowed("127.0.0.2", settings.agi_allowed_hosts)
    assert not peer_allowed("10.0.0.7",
                            settings.agi_allowed_hosts) and not peer_allowed("", settings.agi_allowed_hosts)
    lan = load_settings({"CALLCENTER_HOTLINE": str(ROOT / "hotline.example.toml"),
                         "CALLCENTER_AGI_ALLOWED_HOSTS": "10.0.0.7, 192.168.1.0/24"})
    assert peer_allowed("10.0.0.7",
                        lan.agi_allowed_hosts) and peer_allowed("192.168.1.20", lan.agi_allowed_hosts)
    with pytest.raises(ConfigError, match=r"CALLCENTER_AGI_ALLOWED_HOSTS.*'asterisk' is not an IP address"):
        load_settings({"CALLCENTER_HOTLINE": str(ROOT / "hotline.example.toml"),
                       "CALLCENTER_AGI_ALLOWED_HOSTS": "asterisk"})


def test_the_compose_file_listens_on_loopback_only() -> None:
    compose = (ROOT / "docker" / "compose.yaml").read_text(encoding="utf-8")
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text(encoding="utf-8")
    assert "0.0.0.0" not in compose and "0.0.0.0" not in dockerfile
    assert "CALLCENTER_AGI_HOST: 127.0.0.1" in compose
    assert "CALLCENTER_AGI_ALLOWED_HOSTS: 127.0.0.1" in compose

