"""pbxsim's queue_log, written as Asterisk 20's logger.c writes it (``queue_log = yes`` in
logger.conf): one line per queue event, ``epoch|callid|queuename|agent|event|data1|data2|…``,
the epoch in whole seconds (``time(NULL)``), flushed line by line. The call id is the Uniqueid
of the channel running Queue(); the agent is the member's name (``NONE`` where app_queue has no
member); the data fields are app_queue.c's, in its order."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from callcenter.pbxsim.channels import Channel


class QueueLog:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, at: float, callid: str, queue: str, agent: str, event: str, *data: object) -> None:
        line = "|".join([str(int(at)), callid, queue, agent or "NONE", event, *(str(d) for d in data)])
        with self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")


def caller_number(channel: Channel) -> str:
    """ENTERQUEUE's caller: S_COR(caller id number valid, number, "")."""
    return "" if channel.cid_num in ("", "<unknown>") else channel.cid_num


def whole(now: float, since: float) -> int:
    """``time(NULL) - start`` as app_queue computes it: both ends in whole seconds."""
    return int(now) - int(since)
