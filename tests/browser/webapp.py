"""A web service context over the known day of calls (tests/test_reports_answer_times.py),
with accounts whose passwords come from CALLCENTER_WEB_PASSWORD_<工号>."""

from __future__ import annotations

import datetime as dt
import wave
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from callcenter.bus import EventBus
from callcenter.clock import Clock, FrozenClock
from callcenter.config import load_settings
from callcenter.db.session import make_engine, make_session_factory, unit_of_work
from callcenter.service import ServiceContext
from callcenter.web.passwords import ensure_accounts
from tests.test_reports_answer_times import DAY, store_known_day

ROOT = Path(__file__).resolve().parents[2]
NOON = dt.datetime(DAY.year, DAY.month, DAY.day, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SUPERVISOR, AGENT, OTHER_AGENT = "900", "101", "102"


def password(user_id: str) -> str:
    return f"pw-{user_id}-correct-horse"


def write_wav(path: Path, seconds: float = 0.2) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * int(8000 * seconds))


def web_context(database_url: str, tmp_path: Path, clock: Clock | None = None, **env: str) -> ServiceContext:
    settings = load_settings({"CALLCENTER_VAR_DIR": str(tmp_path / "var"),
                              "CALLCENTER_DATABASE_URL": database_url,
                              "CALLCENTER_HOTLINE": str(ROOT / "hotline.example.toml"), **env})
    engine = make_engine(database_url)
    ctx = ServiceContext(settings=settings, bus=EventBus(), engine=engine,
                         sessions=make_session_factory(engine),
                         clock=clock or FrozenClock(NOON))
    passwords = {f"CALLCENTER_WEB_PASSWORD_{a.id}": password(a.id) for a in settings.hotline.agents}
    with unit_of_work(ctx.sessions) as session:
        store_known_day(session)
        ensure_accounts(session, settings.hotline, passwords, settings.var_dir)
    for name in ("A-caller.wav", "A-agent.wav"):
        write_wav(settings.recordings_dir / name)
    return ctx


async def login(client: Any, user_id: str) -> None:
    from tests.support.csrf import browser_login

    await browser_login(client, user_id, password(user_id))


def call_record(linkedid: str, caller: str, at: float) -> Any:
    from callcenter.calls.model import CallRecord

    return CallRecord(linkedid=linkedid, server="pbx", caller=caller, caller_name=None, direction="inbound",
                      queue="service", agent="PJSIP/8101", member_name="李秀英", started_at=at - 30,
                      queue_entered_at=at - 25, answered_at=at - 5, ended_at=at, answered=True,
                      abandoned=False,
                      ring_seconds=17.0, rings=4, within_rule=False, greeting="apology", wait_seconds=20.0,
                      talk_seconds=5.0, hold_seconds=0.0, hangup_first="caller")


def place_call(bus: Any, linkedid: str, caller: str, at: float, ring_started_at: float) -> None:
    """What the tracker publishes for a caller who is queued and starts ringing at agent 101 (C1)."""
    from callcenter.calls.model import AgentRinging, CallQueued, CallStarted

    bus.publish(CallStarted(linkedid=linkedid, caller=caller, at=at - 8))
    bus.publish(CallQueued(linkedid=linkedid, caller=caller, queue="service", position=1, at=at - 1))
    bus.publish(AgentRinging(linkedid=linkedid, caller=caller, queue="service", agent="PJSIP/8101",
                             member_name="李秀英", attempt=1, caller_ring_started_at=ring_started_at, at=at))


def answer_call(bus: Any, linkedid: str, at: float, rings: int) -> None:
    from callcenter.calls.model import AgentRingEnded, GreetingDecision

    bus.publish(AgentRingEnded(linkedid=linkedid, agent="PJSIP/8101", outcome="answered", ring_seconds=3.0,
                               at=at))
    bus.publish(GreetingDecision(linkedid=linkedid, caller_uniqueid=f"{linkedid}-u", agent="PJSIP/8101",
                                 member_name="李秀英", ring_seconds=rings * 5.0 - 2, rings=rings,
                                 greeting="apology" if rings > 3 else "standard", at=at))
