"""The web front end of ``bench/login_flood.py`` in a process of its own (the layout where a flood
cannot reach the event loop that answers FastAGI): same database, same accounts. Prints its port,
then takes one line per phase on stdin, ``throttled`` or ``relaxed``, and answers ``ok``."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from callcenter.bus import EventBus
from callcenter.clock import SystemClock
from callcenter.config import load_settings
from callcenter.db.session import make_engine, make_session_factory
from callcenter.service import ServiceContext
from callcenter.web.component import WebComponent
from callcenter.web.throttle import LoginThrottle


async def serve(url: str, tmp: Path) -> None:
    from tests.browser.webapp import ROOT

    # As tests.browser.webapp.web_context, whose accounts and day the bench has stored already.
    settings = load_settings({"CALLCENTER_VAR_DIR": str(tmp / "var"), "CALLCENTER_DATABASE_URL": url,
                              "CALLCENTER_HOTLINE": str(ROOT / "hotline.example.toml"),
                              "CALLCENTER_WEB_PORT": "0"})
    engine = make_engine(url)
    ctx = ServiceContext(settings=settings, bus=EventBus(), engine=engine,
                         sessions=make_session_factory(engine), clock=SystemClock())
    await ctx.bus.start()
    web = WebComponent(ctx)
    await web.start()
    relaxed = ctx.settings.hotline.web.model_copy(update={"login_failures_before_delay": 100,
                                                          "login_lock_after_failures": 1000})
    throttles = {"throttled": LoginThrottle(ctx.settings.hotline.web, ctx.clock.time),
                 "relaxed": LoginThrottle(relaxed, ctx.clock.time)}
    print(web.port, flush=True)
    try:
        while line := (await asyncio.to_thread(sys.stdin.readline)).strip():
            web.app.state.login_throttle = throttles[line]  # kept across rounds, as in-process
            print("ok", flush=True)
    finally:
        await web.stop()
        await ctx.bus.stop()
        ctx.engine.dispose()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    asyncio.run(serve(sys.argv[1], Path(sys.argv[2])))
