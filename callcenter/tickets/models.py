"""Which category model a command or the service uses: the centre's active version in the
configured database (refitted from its own agents' decisions and `tickets learn`), else the one
fitted on the shipped examples. Reading never creates or migrates a database; a version is loaded
once per process."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from callcenter.config import database_url
from callcenter.db.models.tickets import CategoryModelVersion
from callcenter.db.session import make_engine
from callcenter.tickets.classifier import CategoryModel, default_model

log = logging.getLogger(__name__)
_lock = threading.Lock()
_loaded: dict[tuple[str, int], CategoryModel] = {}  # by database and version


@cache
def shipped_model() -> CategoryModel:
    return default_model()


def model_for(session: Session) -> CategoryModel:
    """The active version (loaded once), else the shipped model."""
    version_id = session.scalar(select(CategoryModelVersion.id).where(CategoryModelVersion.active.is_(True))
                                .order_by(CategoryModelVersion.id.desc()).limit(1))
    if version_id is None:
        return shipped_model()
    key = (str(session.get_bind().engine.url), version_id)
    with _lock:
        if key not in _loaded:
            blob = session.get(CategoryModelVersion, version_id).blob  # type: ignore[union-attr]
            try:
                _loaded[key] = CategoryModel.loads(blob) if blob else shipped_model()
            except ValueError as exc:  # tickets are still made, by the shipped model
                log.error("tickets: category model version %s: %s", version_id, exc)
                _loaded[key] = shipped_model()
        return _loaded[key]


def current_model(env: Mapping[str, str] | None = None) -> CategoryModel:
    url = database_url(os.environ if env is None else env)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not (parsed.database and Path(parsed.database).is_file()):
        return shipped_model()
    engine = make_engine(url)
    try:
        if not inspect(engine).has_table("ticket_category_models"):
            return shipped_model()
        with Session(engine) as session:
            return model_for(session)
    finally:
        engine.dispose()
