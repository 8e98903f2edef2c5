"""Today's headline figures for the wallboard, from the same report query as the pages."""

from __future__ import annotations

from typing import Any

from callcenter.db.session import unit_of_work
from callcenter.reports.answer_times import answer_time_report
from callcenter.reports.measures import Thresholds
from callcenter.reports.period import Period, local_today

HEADLINE = ("offered", "answered", "abandoned", "within_rule_pct", "service_level_excl", "answered_15s_pct",
            "late_no_apology", "avg_ring")


def today_figures(ctx: Any) -> dict[str, Any]:
    tz = ctx.settings.hotline.centre.timezone
    today = local_today(ctx.clock.now(), tz)
    with unit_of_work(ctx.sessions) as session:
        report = answer_time_report(session, Period(today, today, tz), "total",
                                    Thresholds.from_rules(ctx.settings.hotline.rules))
    return {"day": today.isoformat(), **{name: report.total.value(name) for name in HEADLINE}}
