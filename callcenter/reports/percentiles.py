"""Nearest-rank 90th percentile per group, computed in the database.

PostgreSQL has ``percentile_disc`` (nearest rank); SQLite has none, so there the same value is
picked with window functions: the row whose rank is ceil(0.9 × n) within its group.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, select
from sqlalchemy.orm import Session


def nearest_rank_p90(session: Session, column: Any, where: ColumnElement[bool],
                     key: ColumnElement[Any] | None) -> dict[Any, float]:
    """{group key: p90 of ``column``} over rows matching ``where`` (key None: one group, None)."""
    present = and_(where, column.is_not(None))
    if session.get_bind().dialect.name == "postgresql":
        value = func.percentile_disc(0.9).within_group(column)
        if key is None:
            found = session.execute(select(value).where(present)).scalar()
            return {} if found is None else {None: found}
        return dict(session.execute(select(key, value).where(present).group_by(key)).tuples().all())
    group = literal(0) if key is None else key
    ranked = select(
        group.label("k"),
        column.label("v"),
        func.row_number().over(partition_by=group, order_by=column).label("rn"),
        func.count().over(partition_by=group).label("n"),
    ).where(present).subquery()
    stmt = select(ranked.c.k, ranked.c.v).where(ranked.c.rn == (ranked.c.n * 9 + 9) // 10)
    rows = session.execute(stmt).tuples().all()
    if key is None:
        return {None: rows[0][1]} if rows else {}
    return dict(rows)
