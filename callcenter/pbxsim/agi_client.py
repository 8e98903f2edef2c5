"""FastAGI client: what Asterisk does for ``AGI(agi://host:port/script)``.

Connects, sends the ``agi_*`` environment (as recorded in queue_agi_greeting.json), then runs the
commands the server sends, answering ``200 result=…`` and emitting AGIExecStart/AGIExecEnd on the
channel. No server listening: AGISTATUS=FAILURE and the dialplan goes on, as Asterisk does."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shlex
import wave
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from callcenter.pbxsim.channels import Channel, HangupRequest, next_key

if TYPE_CHECKING:
    from callcenter.pbxsim.pbx import Pbx

log = logging.getLogger(__name__)
CONNECT_TIMEOUT = 2.0
SAMPLES_PER_SECOND = 8000
_STAT = re.compile(r"\$\{STAT\(e,([^)]*)\)\}")
_VARIABLE = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def environment(channel: Channel, url: str) -> list[tuple[str, str]]:
    script = urlsplit(url).path.lstrip("/")
    return [
        ("agi_network", "yes"), ("agi_network_script", script), ("agi_request", url),
        ("agi_channel", channel.name), ("agi_language", "en"), ("agi_type", channel.name.split("/", 1)[0]),
        ("agi_uniqueid", channel.uniqueid), ("agi_version", "20.20.1"), ("agi_callerid", channel.cid_num),
        ("agi_calleridname", "unknown" if channel.cid_name == "<unknown>" else channel.cid_name),
        ("agi_callingpres", "0"), ("agi_callingani2", "0"), ("agi_callington", "0"), ("agi_callingtns", "0"),
        ("agi_dnid", "unknown"), ("agi_rdnis", "unknown"), ("agi_context", channel.context),
        ("agi_extension", channel.exten), ("agi_priority", str(channel.priority)), ("agi_enhanced", "0.0"),
        ("agi_accountcode", ""), ("agi_threadid", "140632972678848"),
    ]


async def run_agi(pbx: Pbx, channel: Channel, url: str) -> str:
    """Run one FastAGI session on ``channel``; returns AGISTATUS."""
    parts = urlsplit(url)
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(parts.hostname or "127.0.0.1", parts.port or 4573), CONNECT_TIMEOUT)
    except (TimeoutError, OSError) as exc:
        log.warning("FastAGI %s unreachable (%s): AGISTATUS=FAILURE, dialplan continues", url, exc)
        pbx.set_var(channel, "AGISTATUS", "FAILURE")
        return "FAILURE"
    status = "SUCCESS"
    try:
        writer.write("".join(f"{k}: {v}\n" for k, v in environment(channel, url)).encode() + b"\n")
        await writer.drain()
        while True:
            line = await reader.readline()
            if not line:
                break
            command = line.decode("utf-8", "replace").strip()
            if not command:
                continue
            reply, hangup = await _execute(pbx, channel, command)
            writer.write(f"{reply}\n".encode())
            await writer.drain()
            if hangup:
                status = "HANGUP"
                break
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()
    pbx.set_var(channel, "AGISTATUS", status)
    return status


async def _execute(pbx: Pbx, channel: Channel, command: str) -> tuple[str, bool]:
    command_id = str(pbx.rng.randrange(100_000_000, 2_000_000_000))
    common = [("CommandId", command_id), ("Command", command)]
    pbx.emit("AGIExecStart", "agi,all", channel.headers() + common)
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    reply, hangup = await _dispatch(pbx, channel, [w for w in words])
    code = reply.split(" ", 1)[0]
    pbx.emit("AGIExecEnd", "agi,all", channel.headers() + common + [
        ("ResultCode", code), ("Result", "Success" if code == "200" else "Failure")])
    return reply, hangup


async def _dispatch(pbx: Pbx, channel: Channel, words: list[str]) -> tuple[str, bool]:
    verb = " ".join(words[:2]).upper()
    if channel.pending is not None or channel.hungup:
        return "511 Command Not Permitted on a dead channel or intercept routine", True
    if verb == "GET VARIABLE" and len(words) >= 3:
        value = channel.var(words[2])
        return ("200 result=0" if value is None else f"200 result=1 ({value})"), False
    if " ".join(words[:3]).upper() == "GET FULL VARIABLE" and len(words) >= 4:
        return f"200 result=1 ({full_variable(pbx, channel, words[3])})", False
    if verb == "RECORD FILE" and len(words) >= 6:
        return record_file(f"{words[2]}.{words[3]}"), False
    if verb == "SET VARIABLE" and len(words) >= 4:
        pbx.set_var(channel, words[2], words[3])
        return "200 result=1", False
    if verb == "STREAM FILE" and len(words) >= 3:
        return await _stream(pbx, channel, words[2])
    if verb == "GET DATA" and len(words) >= 3:
        return await _get_data(pbx, channel, words[2], words[3] if len(words) >= 4 else "")
    head = words[0].upper() if words else ""
    if head == "EXEC" and len(words) >= 2:
        if words[1].lower() == "playback" and len(words) >= 3:
            reply, hangup = await _stream(pbx, channel, words[2].split(",")[0])
            return ("200 result=0" if not hangup else reply), hangup
        return "200 result=0", False
    if head == "ANSWER":
        return "200 result=0", False
    if head == "HANGUP":
        channel.request(HangupRequest("system", 16))
        return "200 result=1", True
    if head in ("VERBOSE", "NOOP"):
        return "200 result=1", False
    return "510 Invalid or unknown command", False


def full_variable(pbx: Pbx, channel: Channel, expression: str) -> str:
    """GET FULL VARIABLE: ${NAME}, the directories ${ASTSPOOLDIR}/${ASTDATADIR} and ${STAT(e,path)}."""
    # pbxsim's recordings folder is its ${ASTSPOOLDIR}/monitor, where MixMonitor writes.
    text = expression.replace("${ASTSPOOLDIR}/monitor", pbx.config.recordings_dir)
    text = text.replace("${ASTSPOOLDIR}", str(Path(pbx.config.recordings_dir).parent))
    text = text.replace("${ASTDATADIR}", pbx.config.data_dir)
    text = _STAT.sub(lambda m: "1" if Path(m.group(1)).exists() else "0", text)
    return _VARIABLE.sub(lambda m: channel.var(m.group(1)) or "", text)


def record_file(path: str) -> str:
    """RECORD FILE on a channel that sends no audio: the file is made, then the timeout ends it
    (res_agi: ``result=-1 (writefile)`` when the file cannot be created)."""
    if not Path(path).parent.is_dir():
        return "200 result=-1 (writefile)"
    try:
        with wave.open(path, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(SAMPLES_PER_SECOND)
    except OSError:
        return "200 result=-1 (writefile)"
    return "200 result=0 (timeout) endpos=0"


async def _stream(pbx: Pbx, channel: Channel, prompt: str) -> tuple[str, bool]:
    seconds = pbx.prompt_seconds(prompt)
    log = pbx.calls.get(channel.linkedid)
    if log is not None:
        log.heard.append(prompt)
    request = await pbx.wait(channel, seconds)
    if request is not None:
        channel.request(request)  # leave it for the application around the AGI
        return "200 result=-1 endpos=0", True
    pbx.set_var(channel, "PLAYBACKSTATUS", "SUCCESS")
    return f"200 result=0 endpos={int(seconds * SAMPLES_PER_SECOND)}", False


async def _get_data(pbx: Pbx, channel: Channel, prompt: str, timeout: str) -> tuple[str, bool]:
    """The prompt, then a key (pbxsim's caller presses it as the prompt ends), or the wait for
    one: the timeout in ms, 6 s without one (ast_app_getdata_full), before ``(timeout)``."""
    _reply, hangup = await _stream(pbx, channel, prompt)
    if hangup:
        return "200 result=-1", True
    key = next_key(channel)
    if key is not None:
        return f"200 result={key}", False
    wait_ms = int(timeout) if timeout.lstrip("-").isdigit() and int(timeout) != 0 else 6000
    request = await pbx.wait(channel, wait_ms / 1000 if wait_ms > 0 else None)
    if request is not None:
        channel.request(request)  # leave it for the application around the AGI
        return "200 result=-1", True
    return "200 result= (timeout)", False
