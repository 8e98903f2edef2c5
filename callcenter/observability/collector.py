"""Gauges read at scrape time from the running parts of this process (AMI link, store health)
and from the database (transcription queue, callbacks), which every process shares."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from callcenter.db.models.callbacks import Callback
from callcenter.db.models.speech import TranscriptionJob
from callcenter.db.session import unit_of_work

log = logging.getLogger(__name__)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


class ServiceCollector(Collector):
    def __init__(self, ctx: Any) -> None:
        self._ctx = ctx

    def collect(self) -> Iterator[Metric]:
        listener = self._ctx.extras.get("ami_listener")
        if listener is not None:  # this process follows an Asterisk
            yield _gauge("callcenter_ami_link_up", "1 while the AMI listener is logged in",
                         1.0 if listener.connected.is_set() else 0.0)
            yield CounterMetricFamily("callcenter_ami_reconnects", "AMI logins after the first",
                                      value=max(0, listener.connects - 1))
        health = self._ctx.extras.get("store_health")
        if health is not None:  # this process stores calls
            view = health.view()
            yield _gauge("callcenter_spool_depth", "Finished calls waiting in the spool for the database",
                         view.waiting)
            yield _gauge("callcenter_database_up", "1 while the call store reaches the database",
                         1.0 if view.database_ok else 0.0)
        yield from self._shared()

    def _shared(self) -> Iterator[Metric]:
        now = dt.datetime.now(dt.UTC)
        try:
            with unit_of_work(self._ctx.sessions) as session:
                queued, oldest = session.execute(
                    select(func.count(), func.min(TranscriptionJob.created_at))
                    .where(TranscriptionJob.status == "queued")).one()
                due = session.scalar(select(func.count()).where(
                    Callback.status == "pending", Callback.due_at <= now))
                overdue = session.scalar(select(func.count()).where(
                    Callback.status.in_(("pending", "failed")), Callback.promised_at < now))
        except SQLAlchemyError as exc:
            log.warning("metrics: database not readable (%s)", type(exc).__name__)
            return
        yield _gauge("callcenter_transcription_queue_depth", "Transcription jobs waiting for a worker",
                     queued or 0)
        yield _gauge("callcenter_transcription_lag_seconds", "Age of the oldest job waiting for a worker",
                     _age(now, oldest))
        yield _gauge("callcenter_callbacks_due", "Callbacks whose next attempt is due now", due or 0)
        yield _gauge("callcenter_callbacks_overdue", "Callbacks not done past the time promised to the "
                     "caller (R22)", overdue or 0)


def _age(now: dt.datetime, then: dt.datetime | None) -> float:
    if then is None:
        return 0.0
    if then.tzinfo is None:  # SQLite hands back naive UTC
        then = then.replace(tzinfo=dt.UTC)
    return max(0.0, (now - then).total_seconds())
