"""Every internal value a person may see, as words: ``word(lang, "hangup_first", "caller")`` →
先挂机方 来电人 / caller. The catalogue key is ``<kind>.<value>``; ``ENUMS`` lists them all so
the tests can check that both catalogues carry each one and no page shows one raw."""

from __future__ import annotations

from callcenter.words.catalogue import gettext

ENUMS: dict[str, tuple[str, ...]] = {
    "hangup_first": ("caller", "agent", "system", "unknown"),  # R10
    "greeting": ("standard", "apology"),  # R2, R3
    "call_outcome": ("answered", "abandoned", "other"),
    "leg_outcome": ("answered", "no_answer", "cancelled", "busy", "failed"),
    "moment": ("call_started", "queued", "leg_ringing", "leg_answered", "leg_no_answer", "leg_cancelled",
               "leg_busy", "leg_failed", "hold", "unhold", "answered", "ended"),
    "speaker": ("agent", "caller"),
    "finding": ("greeting_missing", "self_id_missing", "apology_missing", "forbidden_phrase",
                "closing_missing"),  # R2, R3, R16
    "category": ("repair", "complaint", "inquiry", "suggestion", "praise", "billing", "release",
                 "other"),  # R5
    "ticket_status": ("open", "in_progress", "done", "closed"),
    "callback_reason": ("inquiry_30min", "complaint_48h", "complaint_followup", "repair_reminder",
                        "repair_followup", "dropped", "abandoned", "message"),  # R6-R9, R12, R18
    "callback_status": ("pending", "running", "done", "failed", "cancelled"),
    "callback_outcome": ("promised", "on_time", "late", "overdue", "to_come", "cancelled"),
    "complaint_reply": ("complaints", "replied_in_time", "replied_late", "overdue", "waiting"),  # R7
    "desk_action": ("log_in", "log_out", "pause", "resume", "originate", "callback_now", "ticket_update",
                    "ticket_confirm", "ticket_assign", "ticket_close", "ticket_transfer", "ticket_open",
                    "ticket_adopt", "ticket_keep"),
    "agent_state": ("available", "ringing", "talking", "listening", "paused", "logged_out", "unavailable"),
    "call_state": ("ivr", "waiting", "ringing", "talking", "hold"),
    # R19's emergencies; "suspected": the learned signal's, no cue named (tickets/urgent_model.py)
    "danger": ("gas", "fire", "flood", "lift", "sparks", "falling", "person", "suspected"),
    "role": ("agent", "supervisor"),
    "by": ("agent", "queue", "hour", "day", "total"),  # the report's grouping, as a choice
    "group": ("agent", "queue", "hour", "day", "total"),  # ... and as its first column's heading
    "recording_side": ("mixed", "caller", "agent"),  # MixMonitor's file and its r()/t() files (C3)
    "figure": ("all", "offered", "answered", "abandoned", "short_abandoned", "within_rule",
               "within_rule_pct", "rings_1", "rings_2", "rings_3", "rings_4", "rings_5", "rings_6",
               "avg_ring", "p90_ring", "avg_wait", "p90_wait", "longest_wait", "avg_abandon_wait", "late",
               "late_apology", "late_no_apology", "ring_no_answer", "agent_hangup_first", "long_hold",
               "transfers", "transferred", "talk_seconds", "service_level_excl", "service_level_incl",
               "answered_15s_pct"),
}


def enum_keys() -> list[str]:
    return [f"{kind}.{value}" for kind, values in ENUMS.items() for value in values]


def word(lang: str, kind: str, value: object) -> str:
    """The words for an internal value; empty for None, the value itself if it is not an enum we
    know (a name, a number), never a catalogue key."""
    if value is None or value == "":
        return ""
    key = f"{kind}.{value}"
    text = gettext(lang, key)
    return str(value) if text == key else text  # a value we do not know: say it as it is
