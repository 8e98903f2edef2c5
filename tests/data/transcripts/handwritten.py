"""Convert handwritten*.txt (hand-written, hand-labeled calls) into handwritten*.jsonl, the format
of tests/data/transcripts-sample/calls.jsonl.   python tests/data/transcripts/handwritten.py"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent


def _none(value: str) -> str | None:
    return None if value == "-" else value


def convert(text: str) -> list[dict[str, object]]:
    records: list[dict[str, object]] = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("=="):
            fields = [f.strip() for f in line[2:].split("|")]
            cid, category, urgent, name, address, phone, time, greeting, apology, forbidden, closing = fields
            category, *secondary = category.split("+")
            records.append({"id": cid, "turns": [], "labels": {
                "category": category, "secondary_categories": secondary, "urgent": urgent == "1",
                "caller_name": _none(name), "address": _none(address), "phone": _none(phone),
                "preferred_time": _none(time), "greeting_ok": greeting == "1",
                "apology_given": apology == "1",
                "forbidden_phrases": [] if forbidden == "-" else forbidden.split(","),
                "closing_ok": closing == "1"}})
            continue
        speaker, _, words = line.partition(":")
        records[-1]["turns"].append(  # type: ignore[attr-defined]
            {"speaker": {"a": "agent", "c": "caller"}[speaker.strip()], "text": words.strip()})
    return records


if __name__ == "__main__":
    for name in ("handwritten", "handwritten2", "handwritten3", "handwritten4", "handwritten5",
                 "handwritten6", "handwritten7", "handwritten_train_b", "handwritten9",
                 "handwritten_train_c", "handwritten8", "handwritten_train_a", "handwritten10",
                 "handwritten11", "handwritten12", "handwritten13", "handwritten14",
                 "handwritten15", "handwritten16", "handwritten17", "handwritten18", "handwritten19",
                 "handwritten20", "handwritten21"):
        with (HERE / f"{name}.jsonl").open("w", encoding="utf-8") as out:
            for record in convert((HERE / f"{name}.txt").read_text(encoding="utf-8")):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
