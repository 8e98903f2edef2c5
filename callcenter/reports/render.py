"""The answer-time report as rows for people and machines: table text, CSV, JSON.

One layout serves the CLI, the pages and the exports (same labels, same numbers).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from typing import Any

from callcenter.hotline import Hotline
from callcenter.reports.answer_times import AnswerTimeReport, AnswerTimes
from callcenter.reports.measures import FIGURES
from callcenter.words.catalogue import gettext
from callcenter.words.enums import ENUMS, word

Cell = str | int | float | None


def key_label(by: str, key: str | None, hotline: Hotline | None, lang: str = "zh",
              with_id: bool = True) -> str:
    """A group's name: the agent's 工号 and name, the department (with the queue's id for the CLI
    and the exports, where the id is what one types; pages show the department only)."""
    if by == "total":
        return gettext(lang, "report_total")
    if key is None:
        return gettext(lang, f"no_key.{by}" if by in ("agent", "queue") else "no_key.other")
    if by == "agent" and hotline is not None and (agent := hotline.agent(key)):
        return f"{key} {agent.name}"
    if by == "queue" and hotline is not None and (dept := hotline.department_of_queue(key)):
        return f"{dept.name} ({key})" if with_id else dept.name
    if by == "hour":
        return f"{key}:00"
    return key


def figure_headers(lang: str = "zh") -> list[str]:
    return [f.label(lang) for f in FIGURES]


def figure_values(figures: AnswerTimes) -> list[Cell]:
    return [figures.value(f.name) for f in FIGURES]


def rows_for(report: AnswerTimeReport, hotline: Hotline | None,
             lang: str = "zh") -> tuple[list[str], list[list[Cell]]]:
    """Header and one row per group, then the total row (key column first)."""
    first = word(lang, "group", report.by if report.by in ENUMS["group"] else "total")
    header = [first, *figure_headers(lang)]
    rows = [[key_label(report.by, r.key, hotline, lang), *figure_values(r)] for r in report.rows]
    rows.append([key_label("total", None, hotline, lang), *figure_values(report.total)])
    return header, rows


# A spreadsheet reads a cell starting with one of these as a formula (=HYPERLINK(…), +cmd|…,
# @SUM(…)) or, after a tab or CR, may do so on import (OWASP "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: Cell) -> Cell:
    """A text cell that a spreadsheet would run as a formula, prefixed with a single quote so it
    stays text (OWASP's advice); numbers and every other text are left as they are."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def safe_rows(header: list[str], rows: list[list[Cell]]) -> tuple[list[Cell], list[list[Cell]]]:
    """What any export writes: every cell neutralised (caller IDs and names come from outside)."""
    return [neutralised(h) for h in header], [[neutralised(v) for v in row] for row in rows]


def to_csv(header: list[str], rows: list[list[Cell]]) -> str:
    safe_header, safe = safe_rows(header, rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(safe_header)
    writer.writerows([["" if v is None else v for v in row] for row in safe])
    return out.getvalue()


def to_json(report: AnswerTimeReport, hotline: Hotline | None, lang: str = "zh") -> dict[str, Any]:
    def one(figures: AnswerTimes, by: str) -> dict[str, Any]:
        return {"key": figures.key, "label": key_label(by, figures.key, hotline, lang),
                "figures": {f.name: figures.value(f.name) for f in FIGURES}}

    t = report.thresholds
    return {
        "period": {"from": report.period.first.isoformat(), "to": report.period.last.isoformat(),
                   "timezone": report.period.timezone},
        "by": report.by,
        "thresholds": {"rule_window_seconds": t.window_seconds,
                       "short_abandon_seconds": t.short_abandon_seconds,
                       "long_hold_seconds": t.long_hold_seconds, "fifteen_seconds": t.fifteen_seconds},
        "labels": {f.name: f.label(lang) for f in FIGURES},
        "rows": [one(r, report.by) for r in report.rows],
        "total": one(report.total, "total"),
    }


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - _width(text))
    return gap + text if right else text + gap


def to_table(header: list[str], rows: list[list[Cell]]) -> str:
    """Figures down, groups across: a report has ~30 figures and usually few groups."""
    columns = [[header[0], *[str(r[0]) for r in rows]]]
    for i, name in enumerate(header[1:], start=1):
        columns.append([name, *[_cell(r[i]) for r in rows]])
    transposed = columns  # one line per figure, the groups side by side
    widths = [max(_width(line[c]) for line in transposed) for c in range(len(transposed[0]))]
    out = []
    for n, line in enumerate(transposed):
        out.append("  ".join(_pad(cell, widths[c], right=c > 0) for c, cell in enumerate(line)))
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def _cell(value: Cell) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)
