"""Messages too big for one PostgreSQL notification (8000 bytes), kept a few minutes for the
relay between processes to read (``callcenter.relay.link``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db.base import Base


class RelayMessage(Base):
    __tablename__ = "relay_messages"
    __table_args__ = (Index("ix_relay_messages_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    created_at: Mapped[dt.datetime]
    payload: Mapped[str] = mapped_column(Text)
