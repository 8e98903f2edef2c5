"""The desk's audit trail: every action taken at an agent's desk, by whom, for whom (R17)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db.base import Base, utcnow


class DeskAction(Base):
    """One action at a desk. ``actor`` differs from ``agent_id`` when a supervisor acts for an
    agent; a refused or failed action is kept too, with Asterisk's answer in ``error``."""

    __tablename__ = "desk_actions"
    __table_args__ = (Index("ix_desk_actions_agent_at", "agent_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(16))  # 工号 of whoever clicked
    actor_role: Mapped[str] = mapped_column(String(16))
    agent_id: Mapped[str] = mapped_column(String(16))  # whose desk
    action: Mapped[str] = mapped_column(String(32))  # log_in, pause, originate, ticket_update …
    detail: Mapped[str] = mapped_column(Text, default="")
    ok: Mapped[bool] = mapped_column(Boolean, default=True)
    error: Mapped[str | None] = mapped_column(Text)


class WrapUpPause(Base):
    """An agent's after-call wrap-up pause (话后处理) and when it ends: kept so a restart during
    the wrap-up lifts it on time instead of leaving the agent paused for ever."""

    __tablename__ = "wrap_up_pauses"

    agent_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    interface: Mapped[str] = mapped_column(String(128))  # PJSIP/<extension>
    until: Mapped[dt.datetime]
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
