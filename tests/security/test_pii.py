"""Personal data by role (R17): transcripts shown to agents mask numbers like the ticket beside
them, emergency alerts reach agents without the caller's details, and the service log masks
callers' numbers unless CALLCENTER_LOG_PII=1. Through the real web app over the known day."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select

from callcenter.db.models.calls import Call
from callcenter.db.models.speech import Transcript
from callcenter.db.session import unit_of_work
from callcenter.messages import SupervisorAlert
from callcenter.privacy import mask_log_handlers, mask_text
from callcenter.service import ServiceContext
from callcenter.web.app import create_app
from callcenter.web.auth import mask_phone
from tests.browser.webapp import AGENT, SUPERVISOR, login
from tests.support import web as web_fixtures

ctx = web_fixtures.ctx
PHONE = "13907726418"
TURNS = [{"speaker": "agent", "start": 0.0, "end": 2.0, "text": "好的 您的 电话 是 多少"},
         {"speaker": "caller", "start": 2.0, "end": 5.0, "text": "幺 三 九 零 七 七 二 六 四 一 八"},
         {"speaker": "agent", "start": 5.0, "end": 8.0,
          "text": "13907726418 对吗 3栋2单元501 明天 下午 三 点"}]


@pytest.fixture
async def web(ctx: ServiceContext) -> AsyncIterator[tuple[AsyncClient, object]]:
    app = create_app(ctx)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as http:
        yield http, app


def _call_a(ctx: ServiceContext) -> int:
    with unit_of_work(ctx.sessions) as session:
        call_id = session.scalars(select(Call.id).where(Call.linkedid == "A")).one()  # agent 101's call
        session.add(Transcript(call_id=call_id, turns=TURNS, model="test"))
        return call_id


async def test_an_agent_sees_the_transcript_masked_like_the_ticket_a_supervisor_whole(
        ctx: ServiceContext, web: tuple[AsyncClient, object]) -> None:
    client, _ = web
    call_id = _call_a(ctx)
    await login(client, AGENT)
    texts = [t["text"] for t in (await client.get(f"/api/calls/{call_id}")).json()["transcript"]]
    masked = mask_phone(PHONE)
    assert masked == "139****6418"
    assert texts == ["好的 您的 电话 是 多少", masked, f"{masked} 对吗 3栋2单元501 明天 下午 三 点"]
    page = (await client.get(f"/calls/{call_id}")).text
    assert PHONE not in page and "幺 三 九 零 七 七" not in page and masked in page
    await login(client, SUPERVISOR)
    whole = [t["text"] for t in (await client.get(f"/api/calls/{call_id}")).json()["transcript"]]
    assert whole == [t["text"] for t in TURNS]


def test_short_runs_rooms_and_times_stay_readable() -> None:
    assert mask_text("3栋2单元501 一 二 零 二 室 下午 三 点") == "3栋2单元501 一 二 零 二 室 下午 三 点"
    assert mask_text("座机 010-1234-5678") == "座机 010****5678"


async def test_an_emergency_alert_reaches_agents_without_the_callers_address(
        ctx: ServiceContext, web: tuple[AsyncClient, object]) -> None:
    client, app = web
    text = f"紧急工单 #7（燃气泄漏）：燃气泄漏 3栋2单元501 张先生 {PHONE}"
    app.state.live.on_alert(SupervisorAlert(kind="emergency", text=text, ticket_id=7,  # type: ignore[attr-defined]
                                            callback_id=None, at=0.0))
    await login(client, AGENT)
    [alert] = (await client.get("/api/wallboard")).json()["alerts"]
    assert alert["text"] == "紧急工单 #7（燃气泄漏）" and alert["ticket_id"] == 7
    await login(client, SUPERVISOR)
    [alert] = (await client.get("/api/wallboard")).json()["alerts"]
    assert alert["text"] == text


def _logged(env: dict[str, str]) -> str:
    """One line from the FastAGI script's own log call, through a root-like logger set up the
    way `callcenter` sets up the service's log."""
    stream = io.StringIO()
    root = logging.Logger("root-under-test")  # noqa: LOG001 (a detached tree, not the global one)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    mask_log_handlers(env, root)
    log = logging.Logger("callcenter.ivr.scripts")  # noqa: LOG001
    log.parent = root
    log.info("call %s from %s -> %s %s", "1733480000.123", "+86" + PHONE, "queue", "service")
    try:
        raise ValueError(f"history for {PHONE} failed")
    except ValueError:
        log.exception("caller history look-up failed")
    return stream.getvalue()


def test_the_log_masks_callers_numbers_unless_log_pii_is_set() -> None:
    masked = _logged({})
    assert PHONE not in masked and "from +86****6418 ->" in masked and "139****6418 failed" in masked
    assert "call 1733480000.123 from" in masked  # the Uniqueid stays whole
    assert masked.count(PHONE) == 0 and PHONE in _logged({"CALLCENTER_LOG_PII": "1"})
