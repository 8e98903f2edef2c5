"""Bus messages as small JSON objects and back, for the relay between processes.

Only the kinds some role receives from another process cross (``roles.INBOUND``); a finished
call record goes as the spool writes it (``store.codec``), without its journal.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from callcenter.calls.model import CallEnded, CallRecord, LiveCall
from callcenter.messages import CallStored, LiveSnapshot
from callcenter.roles import outbound
from callcenter.store.codec import record_from_json, record_to_json

KINDS: dict[str, type] = {k.__name__: k for k in outbound()}


class UnknownKind(ValueError):
    """A message kind this version does not know (a newer process on the same channel)."""


def encode(message: Any) -> tuple[str, dict[str, Any]]:
    kind = type(message).__name__
    if kind not in KINDS:
        raise UnknownKind(kind)
    if isinstance(message, CallEnded):
        return kind, {"record": _record(message.record)}
    if isinstance(message, CallStored):
        return kind, {"call_id": message.call_id, "record": _record(message.record)}
    if isinstance(message, LiveSnapshot):
        return kind, {"server": message.server, "calls": [dataclasses.asdict(c) for c in message.calls]}
    return kind, dataclasses.asdict(message)


def decode(kind: str, body: dict[str, Any]) -> Any:
    cls = KINDS.get(kind)
    if cls is None:
        raise UnknownKind(kind)
    if cls is CallEnded:
        return CallEnded(_unrecord(body["record"]))
    if cls is CallStored:
        return CallStored(int(body["call_id"]), _unrecord(body["record"]))
    if cls is LiveSnapshot:
        return LiveSnapshot(str(body["server"]), tuple(LiveCall(**c) for c in body["calls"]))
    return cls(**body)


def _record(record: CallRecord) -> dict[str, Any]:
    return record_to_json(record, [], 0.0)


def _unrecord(payload: dict[str, Any]) -> CallRecord:
    return record_from_json(payload)[0]
