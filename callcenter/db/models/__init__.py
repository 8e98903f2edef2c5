"""Typed models, one module per area of the service. ``load_all`` imports every one so that
``Base.metadata`` (and Alembic) sees the whole schema."""

from __future__ import annotations

import importlib

# Each area's models; add a module here when an area gets tables.
MODULES = ("calls", "tickets", "callbacks", "agents", "speech", "web", "relay")


def load_all() -> None:
    for name in MODULES:
        importlib.import_module(f"callcenter.db.models.{name}")
