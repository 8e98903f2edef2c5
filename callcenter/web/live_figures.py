"""Today's headline figures for the wallboard, the whole centre's and each queue's, from the same
report query as the report page (so the wallboard and the report never disagree)."""

from __future__ import annotations

from typing import Any

from callcenter.db.session import unit_of_work
from callcenter.reports.answer_times import answer_time_report
from callcenter.reports.measures import Thresholds
from callcenter.reports.period import Period, local_today

HEADLINE = ("offered", "answered", "abandoned", "within_rule_pct", "service_level_excl", "answered_15s_pct",
            "late_no_apology", "avg_ring")
QUEUE_TILE = ("offered", "within_rule_pct")  # a queue's tile: today's figures beside its live ones


def today_figures(ctx: Any) -> dict[str, Any]:
    tz = ctx.settings.hotline.centre.timezone
    today = local_today(ctx.clock.now(), tz)
    with unit_of_work(ctx.sessions) as session:
        thresholds = Thresholds.from_rules(ctx.settings.hotline.rules)
        report = answer_time_report(session, Period(today, today, tz), "total", thresholds)
        by_queue = answer_time_report(session, Period(today, today, tz), "queue", thresholds)
    queues = {row.key: {name: row.value(name) for name in QUEUE_TILE} for row in by_queue.rows if row.key}
    return {"day": today.isoformat(), **{name: report.total.value(name) for name in HEADLINE},
            "queues": queues}
