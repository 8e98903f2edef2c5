"""CSV and XLSX exports of the report and of the calls behind a figure; every export is
audited and phone numbers are masked for agents (R17)."""

from __future__ import annotations

import io
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from openpyxl import Workbook

from callcenter.db.session import unit_of_work
from callcenter.hotline import Hotline
from callcenter.reports.answer_times import answer_time_report
from callcenter.reports.drilldown import drill_calls
from callcenter.reports.render import Cell, rows_for, safe_rows, to_csv
from callcenter.web.auth import CurrentUser, User, audit, shown_phone
from callcenter.web.common import by_of, ctx_of, drill_of, period_of, scope_of, thresholds_of, today_of
from callcenter.web.i18n import lang_of
from callcenter.words.catalogue import gettext
from callcenter.words.enums import word
from callcenter.words.formats import local_time, seconds_value

router = APIRouter()
EXPORT_LIMIT = 100_000
CALL_COLUMNS = ("started", "linkedid", "caller", "queue", "agent", "answered", "abandoned", "ring_seconds",
                "rings", "within_rule", "greeting", "wait_seconds", "talk_seconds", "hold_seconds",
                "hangup_first", "transfers")  # export.<column> in the catalogues
MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def to_xlsx(header: list[str], rows: list[list[Cell]], title: str) -> bytes:
    book = Workbook()
    sheet = book.worksheets[0]  # the one sheet a new workbook starts with
    sheet.title = title[:31]
    safe_header, safe = safe_rows(header, rows)  # openpyxl stores "=…" text as a live formula
    sheet.append(safe_header)
    for row in safe:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _check_format(fmt: str) -> None:
    # Before anything is read or audited: a refused export is not an export.
    if fmt not in MEDIA:
        raise HTTPException(status_code=404, detail="export as csv or xlsx")


def _respond(fmt: str, header: list[str], rows: list[list[Cell]], name: str) -> Response:
    # The BOM lets Excel open a UTF-8 CSV with Chinese labels correctly.
    body: bytes = ("\ufeff" + to_csv(header, rows)).encode() if fmt == "csv" else to_xlsx(header, rows, name)
    return Response(body, media_type=MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


@router.get("/reports/export.{fmt}")
def export_report(request: Request, fmt: str, user: CurrentUser) -> Response:
    _check_format(fmt)
    ctx, period, by, lang = ctx_of(request), period_of(request), by_of(request), lang_of(request)
    with unit_of_work(ctx.sessions) as session:
        report = answer_time_report(session, period, by, thresholds_of(request), scope_of(user),
                                    today_of(request))
        audit(session, user, f"export_{fmt}", f"answer-times {period.first}..{period.last} by {by}")
    header, rows = rows_for(report, ctx.settings.hotline, lang)
    return _respond(fmt, header, rows, f"answer-times-{period.first}-{period.last}-{by}")


def call_header(lang: str) -> list[str]:
    return [gettext(lang, f"export.{column}") for column in CALL_COLUMNS]


def call_row(call: Any, user: User, zone: Any, lang: str = "zh",
             hotline: Hotline | None = None) -> list[Cell]:
    """One call as people read it: local time, the department and agent names, enums as words;
    counts and seconds stay numbers a spreadsheet can sum."""
    dept = hotline.department_of_queue(call.queue) if hotline and call.queue else None
    agent = hotline.agent(call.agent_id) if hotline and call.agent_id else None
    return [local_time(call.started_at, zone, lang), call.linkedid,
            shown_phone(user, call.caller), dept.name if dept else call.queue,
            f"{call.agent_id} {agent.name}" if agent else call.agent_id or call.agent_interface,
            int(call.answered), int(call.abandoned), seconds_value(call.ring_seconds), call.rings,
            None if call.within_rule is None else int(call.within_rule),
            word(lang, "greeting", call.greeting),
            seconds_value(call.wait_seconds), seconds_value(call.talk_seconds),
            seconds_value(call.hold_seconds), word(lang, "hangup_first", call.hangup_first), call.transfers]


@router.get("/calls/export.{fmt}")
def export_calls(request: Request, fmt: str, user: CurrentUser) -> Response:
    _check_format(fmt)
    ctx, period, args, lang = ctx_of(request), period_of(request), drill_of(request), lang_of(request)
    with unit_of_work(ctx.sessions) as session:
        total, calls = drill_calls(session, period, scope_of(user), args.drill, thresholds_of(request),
                                   limit=EXPORT_LIMIT)
        rows = [call_row(c, user, period.zone, lang, ctx.settings.hotline) for c in calls]
        audit(session, user, f"export_{fmt}", f"calls {args.drill.figure} {period.first}..{period.last}: "
                                              f"{len(rows)} of {total}, numbers "
                                              f"{'whole' if user.is_supervisor else 'masked'}")
    return _respond(fmt, call_header(lang), rows,
                    f"calls-{args.drill.figure}-{period.first}-{period.last}")
