"""Fixtures shared by the whole suite.

``database_url`` runs a test once on SQLite and once on a real PostgreSQL server that the
suite starts itself (a throw-away cluster on a free port). Where PostgreSQL is not installed
the PostgreSQL half is skipped with the reason -- unless CALLCENTER_REQUIRE_POSTGRES=1 (set by
``make test`` and CI), where it fails instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from callcenter.db.session import make_engine, make_session_factory
from callcenter.hotline import Hotline, load_hotline
from tests.support.postgres import PostgresCluster, PostgresUnavailable, start_cluster

ROOT = Path(__file__).resolve().parents[1]
# The real AMI traces and the labeled transcript sample live in the clone (tests/data/README.md):
# the suite reads nothing from beside the checkout.
DATA = ROOT / "tests" / "data"
TRACES = DATA / "ami-traces"
TRANSCRIPTS_SAMPLE = DATA / "transcripts-sample" / "calls.jsonl"


@pytest.fixture(scope="session")
def traces_dir() -> Path:
    return TRACES


@pytest.fixture(scope="session")
def transcripts_sample() -> Path:
    return TRANSCRIPTS_SAMPLE


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    try:
        cluster = start_cluster()
    except PostgresUnavailable as exc:
        if os.environ.get("CALLCENTER_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required here: {exc}")
        pytest.skip(f"PostgreSQL half skipped: {exc}")
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, migrated database: once on SQLite, once on PostgreSQL."""
    from callcenter.db.session import migrate

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
    else:
        cluster: PostgresCluster = request.getfixturevalue("postgres")
        url = cluster.create_database()
    migrate(url)
    return url


@pytest.fixture
def hotline_path() -> Path:
    return ROOT / "hotline.example.toml"


@pytest.fixture
def hotline(hotline_path: Path) -> Hotline:
    return load_hotline(hotline_path)


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on the test's database (SQLite and PostgreSQL), the engine disposed after."""
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()
