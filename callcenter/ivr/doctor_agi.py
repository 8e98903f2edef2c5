"""The FastAGI script of ``callcenter doctor``'s test extension (probe@callcenter-doctor).

It asks Asterisk, from Asterisk's side: which of the hotline's prompts its sounds folder lacks,
whether the probe file the doctor wrote into the service's recordings folder shows in Asterisk's
own recordings folder (``${ASTSPOOLDIR}/monitor``, where MixMonitor writes), and if so records a
short file there for the doctor to find in the service's folder (and remove). The answers go back as channel
variables the extension's UserEvent carries.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from callcenter.hotline import Hotline
from callcenter.ivr import prompts
from callcenter.ivr.agi import AgiCall

TOKEN = re.compile(r"^[0-9a-f]{8,64}$")
MAX_MISSING = 20  # names listed in the UserEvent; the count says how many more


def probe_name(token: str) -> str:
    return f"callcenter-doctor-{token}"


async def _evaluate(call: AgiCall, expression: str) -> str:
    result = await call.command(f'GET FULL VARIABLE "{expression}"')
    value, data = result.get("result", ("0", ""))
    return str(data) if str(value) == "1" else ""


def doctor_script(hotline: Hotline) -> Callable[[AgiCall], Awaitable[None]]:
    names = prompts.prompt_names(hotline)

    async def run(call: AgiCall) -> None:
        token = (await call.get_variable("CC_DOCTOR_TOKEN")) or ""
        if not TOKEN.match(token):
            return  # not the doctor's call: nothing is read or written
        data_dir = await _evaluate(call, "${ASTDATADIR}")
        missing = [name for name in names if await _evaluate(
            call, f"${{STAT(e,{data_dir}/sounds/callcenter/zh/{name}.wav)}}") != "1"]
        spool = await _evaluate(call, "${ASTSPOOLDIR}/monitor")
        seen = await _evaluate(call, f"${{STAT(e,{spool}/{probe_name(token)}.probe)}}")
        if seen == "1":  # one shared folder: Asterisk records into it, the doctor looks on its side
            await call.command(f"RECORD FILE {spool}/{probe_name(token)} wav # 200")
        listed = " ".join(missing[:MAX_MISSING]) + (f" +{len(missing) - MAX_MISSING}"
                                                    if len(missing) > MAX_MISSING else "")
        await call.set_variable("CC_DOCTOR_MISSING", listed or "-")
        await call.set_variable("CC_DOCTOR_PROBE", "1" if seen == "1" else "0")
        await call.set_variable("CC_DOCTOR_SPOOL", spool)

    return run
