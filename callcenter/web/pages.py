"""The answer-time report page: filters, charts and the figures, each linked to its calls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from callcenter.db.session import unit_of_work
from callcenter.reports.answer_times import AnswerTimeReport, AnswerTimes, answer_time_report
from callcenter.reports.measures import FIGURES, Figure
from callcenter.reports.period import Period
from callcenter.reports.render import key_label
from callcenter.web.auth import CurrentUser, User
from callcenter.web.charts import Bar, bar_chart
from callcenter.web.common import (
    NO_KEY,
    by_of,
    ctx_of,
    period_of,
    query_string,
    scope_of,
    thresholds_of,
    today_of,
)
from callcenter.web.i18n import lang_of, translator
from callcenter.web.report_tiles import tiles
from callcenter.web.templating import render
from callcenter.words.formats import number_text, percent_text, seconds_text

router = APIRouter()
SERVICE_LEVEL_TARGET = 80.0  # the usual 80/20-style goal line on the chart; not a rule of DOMAIN.md


@dataclass(frozen=True)
class Cell:
    text: str
    href: str | None


@dataclass(frozen=True)
class FigureRow:
    figure: Figure
    cells: list[Cell]


@router.get("/")
def home(user: CurrentUser) -> Response:
    return RedirectResponse("/reports", status_code=303)


def _cell(figure: Figure, figures: AnswerTimes, period: Period, by: str, key: str | None, lang: str) -> Cell:
    value = figures.value(figure.name)
    if figure.kind == "percent":
        text = percent_text(value, lang)
    elif figure.name.startswith("avg_"):  # averages to one decimal in every column (8.0 beside 13.5)
        text = seconds_text(value, "–", lang)
    else:
        text = number_text(value, lang)
    if figure.drill is None or not value:
        return Cell(text, None)
    return Cell(text, "/calls?" + query_string(period, figure=figure.drill, by=by, key=key))


def figure_rows(report: AnswerTimeReport, lang: str = "zh") -> list[FigureRow]:
    groups: list[tuple[AnswerTimes, str, str | None]] = [
        (r, report.by, NO_KEY if r.key is None else r.key) for r in report.rows]
    groups.append((report.total, "total", None))
    return [FigureRow(f, [_cell(f, g, report.period, by, key, lang) for g, by, key in groups])
            for f in FIGURES]


def charts(report: AnswerTimeReport, hourly: AnswerTimeReport, lang: str) -> list[Markup]:
    t = translator(lang)
    ring_figures = [f for f in FIGURES if f.name.startswith("rings_")]
    # R1: the fourth ring and later are drawn in the warning colour.
    rings = [Bar(f.label(lang), float(report.total.count(f.name)), alert=n > 3)
             for n, f in enumerate(ring_figures, start=1)]
    by_hour = {r.key: r.value("service_level_excl") for r in hourly.rows}
    hours = [Bar(f"{h:02d}", by_hour.get(f"{h:02d}"),
                 alert=(by_hour.get(f"{h:02d}") or 100) < SERVICE_LEVEL_TARGET,
                 text="" if by_hour.get(f"{h:02d}") is None else None) for h in range(24)]
    return [bar_chart(rings, title=t("ring_chart")),
            bar_chart(hours, title=t("sl_chart"), max_value=100.0, unit="%", target=SERVICE_LEVEL_TARGET,
                      width=900)]


def load_reports(request: Request, user: User) -> tuple[AnswerTimeReport, AnswerTimeReport]:
    ctx = ctx_of(request)
    period, by, thresholds, scope = period_of(request), by_of(request), thresholds_of(request), scope_of(user)
    today = today_of(request)
    with unit_of_work(ctx.sessions) as session:
        report = answer_time_report(session, period, by, thresholds, scope, today)
        hourly = report if by == "hour" else answer_time_report(session, period, "hour", thresholds, scope,
                                                                today)
    return report, hourly


@router.get("/reports")
def reports_page(request: Request, user: CurrentUser) -> Response:
    report, hourly = load_reports(request, user)
    lang = lang_of(request)
    hotline = ctx_of(request).settings.hotline
    columns = [key_label(report.by, r.key, hotline, lang, with_id=False)
               for r in report.rows] + [key_label("total", None, None, lang)]
    context: dict[str, Any] = {
        "user": user, "report": report, "columns": columns, "rows": figure_rows(report, lang),
        "charts": charts(report, hourly, lang), "query": query_string(report.period, by=report.by),
        "by_choices": ("agent", "queue", "hour", "day"), "tiles": tiles(report, lang),
    }
    return render(request, "report.html", **context)
