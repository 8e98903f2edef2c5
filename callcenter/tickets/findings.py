"""Quality findings per call and per agent (R2, R3, R16), stored in ``quality_findings``.

A call's findings are replaced when it is checked again, so re-running a transcript never
doubles them."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from callcenter.db.models.tickets import QualityFinding
from callcenter.tickets.quality import QualityReport

KINDS = ("greeting_missing", "self_id_missing", "apology_missing", "forbidden_phrase", "closing_missing")


def findings_of(report: QualityReport, answered_late: bool | None) -> list[tuple[str, str, float | None]]:
    """(kind, detail, at_seconds) for everything the agent missed or said against the standards."""
    found: list[tuple[str, str, float | None]] = []
    if not report.greeting_ok:
        found.append(("greeting_missing", "开头没有标准问候并报出中心名称 (R3)", None))
    elif not report.identified:
        found.append(("self_id_missing", "问候中没有报工号或姓名 (R3)", None))
    if answered_late and not report.apology_given:
        found.append(("apology_missing", "超过三声接听，未说“对不起，让您久等了” (R2)", None))
    for hit in report.forbidden:
        found.append(("forbidden_phrase", hit.phrase, hit.at_seconds))
    if not report.closing_ok:
        found.append(("closing_missing", "结束时没有说“再见” (R16)", None))
    return found


def store(session: Session, call_id: int | None, agent_id: str | None, report: QualityReport,
          answered_late: bool | None, now: dt.datetime) -> list[QualityFinding]:
    if call_id is not None:
        session.execute(delete(QualityFinding).where(QualityFinding.call_id == call_id))
    rows = [QualityFinding(call_id=call_id, agent_id=agent_id, kind=kind, detail=detail, at_seconds=at,
                           created_at=now) for kind, detail, at in findings_of(report, answered_late)]
    session.add_all(rows)
    session.flush()
    return rows


def by_agent(session: Session, since: dt.datetime | None = None) -> dict[str, Counter[str]]:
    """Findings counted per agent and kind (R16 per-agent quality)."""
    query = select(QualityFinding.agent_id, QualityFinding.kind, func.count()).group_by(
        QualityFinding.agent_id, QualityFinding.kind)
    if since is not None:
        query = query.where(QualityFinding.created_at >= since)
    result: dict[str, Counter[str]] = {}
    for agent_id, kind, count in session.execute(query):
        result.setdefault(agent_id or "", Counter())[kind] = count
    return result
