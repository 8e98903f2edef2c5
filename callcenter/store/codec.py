"""A finished call record and its journal as one JSON object (a spool line) and back."""

from __future__ import annotations

import dataclasses
from typing import Any

from callcenter.calls.model import CallRecord, HoldRecord, LegRecord

VERSION = 1


def record_to_json(record: CallRecord, journal: list[tuple[float, str, str]],
                   taken_at: float) -> dict[str, Any]:
    fields = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
    fields["legs"] = [dataclasses.asdict(leg) for leg in record.legs]
    fields["holds"] = [dataclasses.asdict(hold) for hold in record.holds]
    fields["recordings"] = list(record.recordings)
    fields["flags"] = list(record.flags)
    return {"v": VERSION, "taken_at": taken_at, "record": fields, "journal": [list(j) for j in journal]}


def record_from_json(payload: dict[str, Any]) -> tuple[CallRecord, list[tuple[float, str, str]]]:
    if payload.get("v") != VERSION:
        raise ValueError(f"spool entry version {payload.get('v')!r}, expected {VERSION}")
    fields = dict(payload["record"])
    fields["legs"] = tuple(LegRecord(**leg) for leg in fields.get("legs", ()))
    fields["holds"] = tuple(HoldRecord(**hold) for hold in fields.get("holds", ()))
    fields["recordings"] = tuple(fields.get("recordings", ()))
    fields["flags"] = tuple(fields.get("flags", ()))
    journal = [(float(at), str(name), str(raw)) for at, name, raw in payload.get("journal", ())]
    return CallRecord(**fields), journal
