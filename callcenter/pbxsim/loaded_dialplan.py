"""Extensions pbxsim runs from the extensions.conf it was given (``PbxConfig.dialplan``), step by
step, for the applications they use: Answer, AGI, UserEvent, Hangup. The doctor's test extension
(probe@callcenter-doctor) runs so, the way Asterisk runs what it has loaded."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from callcenter.ivr import extensions_conf
from callcenter.pbxsim.agi_client import run_agi
from callcenter.pbxsim.apps import Target, _guard, answer, dialplan_hangup
from callcenter.pbxsim.channels import Channel

if TYPE_CHECKING:
    from callcenter.pbxsim.pbx import Pbx

_VARIABLE = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def substitute(channel: Channel, text: str) -> str:
    return _VARIABLE.sub(lambda m: channel.var(m.group(1)) or "", text)


def user_event(pbx: Pbx, channel: Channel, data: str) -> None:
    """UserEvent(name,Key: value,…): one header per body item, class user (app_userevent.c)."""
    name, *body = data.split(",")
    headers = [(key.strip(), value.strip()) for key, _, value in (item.partition(":") for item in body)]
    pbx.emit("UserEvent", "user,all", channel.headers() + [("UserEvent", name)] + headers)


async def run_loaded(pbx: Pbx, channel: Channel, on_answer: Any) -> Target:
    steps = sorted(s for s in extensions_conf.parse(pbx.config.dialplan or "")
                   if s.context == channel.context and s.extension == channel.exten)
    if not steps:  # not loaded: no such extension, the channel is hung up
        dialplan_hangup(pbx, channel)
        return None

    async def body() -> Target:
        for step in steps:
            data = substitute(channel, step.data)
            app = step.application.lower()
            if app != "answer":  # answer() shows its own Newexten
                pbx.newexten(channel, step.priority, step.application, data)
            if app == "answer":
                answer(pbx, channel, step.priority, on_answer)
            elif app == "agi":
                await run_agi(pbx, channel, data)
            elif app == "userevent":
                user_event(pbx, channel, data)
            elif app == "hangup":
                break
        dialplan_hangup(pbx, channel)
        return None
    return await _guard(pbx, channel, body())
