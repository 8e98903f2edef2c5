"""The report page's headline tiles (R1, R2): 三声内接听率, 15秒接通率, 放弃率 and 超时未致歉 of the
whole period and scope, from the same figures as the table's 合计 column, written as it writes
them (percentages to one decimal)."""

from __future__ import annotations

from dataclasses import dataclass

from callcenter.reports.answer_times import AnswerTimeReport, AnswerTimes
from callcenter.reports.measures import FIGURE_BY_NAME
from callcenter.web.common import query_string
from callcenter.web.i18n import translator


@dataclass(frozen=True)
class Tile:
    name: str
    label: str
    text: str
    detail: str
    href: str | None = None
    alert: bool = False


def _percent(value: int | float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


def _label(name: str, lang: str) -> str:
    figure = FIGURE_BY_NAME.get(name)
    return figure.label(lang) if figure is not None else translator(lang)(name)


def tiles(report: AnswerTimeReport, lang: str) -> list[Tile]:
    t, total = translator(lang), report.total
    counted = total.counted_offered
    late_no_apology = total.count("late_no_apology")
    return [
        _rate(total, "within_rule_pct", t("tile_ratio", part=total.count("within_rule"),
                                          whole=total.count("answered")), lang),
        _rate(total, "answered_15s_pct", t("tile_ratio", part=total.count("answered_15s"), whole=counted),
              lang),
        _rate(total, "abandon_rate", t("tile_ratio", part=total.count("abandoned"), whole=counted), lang),
        # R2: every late answer owes the caller an apology; one without it is a finding.
        Tile("late_no_apology", _label("late_no_apology", lang), str(late_no_apology),
             t("tile_of_late", n=total.count("late")),
             "/calls?" + query_string(report.period, figure="late_no_apology", by="total")
             if late_no_apology else None, alert=late_no_apology > 0),
    ]


def _rate(total: AnswerTimes, name: str, detail: str, lang: str) -> Tile:
    return Tile(name, _label(name, lang), _percent(total.value(name)), detail)
