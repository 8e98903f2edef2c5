"""A tracker places the callbacks of its PBX that the scheduler, run apart, asks it to (issue 16).

The request (``PlaceCallback``) comes through the relay from another process: every field is
checked as any input is (the agent leg one of the hotline's phones or queues, the number one it
dials, the variables and caller ID as the executor builds them), and each attempt is placed at
most once: the tracker first takes it in the database (``outcomes.claim_placement``), so a repeated
or late request, or a second tracker named the same, places nothing. Asterisk's OriginateResponse
goes back to the scheduler as OriginateResult, as for any Originate.
"""

from __future__ import annotations

import asyncio
import logging

from callcenter.callbacks import outcomes
from callcenter.callbacks.executor import action_id, checked, send
from callcenter.calls.model import OriginateResult
from callcenter.db.session import unit_of_work
from callcenter.messages import PlaceCallback
from callcenter.service import ServiceContext

log = logging.getLogger(__name__)


class PlacingComponent:
    name = "callbacks-placing"

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self._timeout_ms = ctx.settings.hotline.callbacks.originate_timeout_seconds * 1000

    async def start(self) -> None:
        self.ctx.bus.subscribe(PlaceCallback, self.on_request, name="callbacks:placing")

    async def stop(self) -> None:
        return None

    async def on_request(self, request: PlaceCallback) -> None:
        pbx = self.ctx.settings.pbx_name
        if request.pbx != pbx:
            return  # another PBX's tracker places it
        try:
            checked(self.ctx.settings.hotline, request)
        except (TypeError, ValueError) as exc:
            log.warning("callbacks: refused a request to place a callback on %s: %s", pbx, exc)
            return
        actions = self.ctx.actions
        if actions is None:
            log.warning("callbacks: callback #%s not placed: Asterisk %s is not connected; the scheduler "
                        "retries it", request.callback_id, pbx)
            return
        sent_as = action_id(request.callback_id, request.attempt)
        now = self.ctx.clock.now()

        def claim() -> bool:
            with unit_of_work(self.ctx.sessions) as session:
                return outcomes.claim_placement(session, request.callback_id, request.attempt, sent_as, pbx,
                                                now)
        try:
            taken = await asyncio.to_thread(claim)
        except Exception as exc:  # noqa: BLE001 (the database is away: nothing placed, the attempt expires)
            log.warning("callbacks: callback #%s not placed: the database is not reachable (%s)",
                        request.callback_id, str(exc).splitlines()[0][:200])
            return
        if not taken:
            log.info("callbacks: attempt %s of callback #%s was placed already, settled or is too old; "
                     "not placed again", request.attempt, request.callback_id)
            return
        try:
            await send(actions, self.ctx.settings.hotline, request, self._timeout_ms)
        except Exception as exc:  # noqa: BLE001 (an AMI error: the attempt failed, the scheduler retries)
            log.warning("callbacks: originate for #%s on %s failed: %s", request.callback_id, pbx, exc)
            self.ctx.bus.publish(OriginateResult(sent_as, False, "0", None, None, self.ctx.clock.time()))


def build(ctx: ServiceContext) -> PlacingComponent:
    return PlacingComponent(ctx)
