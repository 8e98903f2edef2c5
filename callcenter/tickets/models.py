"""Which category model a command uses: the centre's active version in the configured database
(refitted from its own agents' decisions and `tickets learn`), else the one fitted on the shipped
examples. Reading never creates or migrates a database."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from callcenter.config import database_url
from callcenter.db.session import make_engine
from callcenter.tickets.classifier import CategoryModel, default_model


def current_model(env: Mapping[str, str] | None = None) -> CategoryModel:
    url = database_url(os.environ if env is None else env)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not (parsed.database and Path(parsed.database).is_file()):
        return default_model()
    engine = make_engine(url)
    try:
        if not inspect(engine).has_table("ticket_category_models"):
            return default_model()
        from callcenter.tickets.learning import active_model

        with Session(engine) as session:
            return active_model(session) or default_model()
    finally:
        engine.dispose()
