"""``callcenter report answer-times`` prints the same figures as the query layer (DESIGN.md)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callcenter.db.session import make_engine, make_session_factory, migrate, unit_of_work
from callcenter.reports.cli import app
from tests.test_reports_answer_times import store_known_day


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    migrate(url)
    engine = make_engine(url)
    with unit_of_work(make_session_factory(engine)) as session:
        store_known_day(session)
    engine.dispose()
    monkeypatch.setenv("CALLCENTER_DATABASE_URL", url)
    monkeypatch.setenv("CALLCENTER_HOTLINE", str(Path(__file__).parents[1] / "hotline.example.toml"))
    return {}


def run(*args: str) -> str:
    result = CliRunner().invoke(app, ["answer-times", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_json_has_the_day_totals(cli_env: dict[str, str]) -> None:
    data = json.loads(run("--from", "2026-11-24", "--to", "2026-11-24", "--by", "hour", "--format", "json"))
    assert data["total"]["figures"]["offered"] == 8
    assert data["total"]["figures"]["service_level_excl"] == 60.0
    assert [r["key"] for r in data["rows"]] == ["07", "09", "10"]
    assert data["labels"]["answered_15s_pct"] == "15秒接通率"


def test_csv_has_one_row_per_agent_and_a_total(cli_env: dict[str, str]) -> None:
    rows = list(csv.reader(io.StringIO(run("--from", "2026-11-24", "--by", "agent", "--format", "csv",
                                           "--lang", "en"))))
    assert rows[0][:3] == ["Agent", "Offered", "Answered"]
    assert [r[0] for r in rows[1:]] == ["101 李秀英", "102 王磊", "201 陈师傅", "202 刘师傅", "not answered",
                                        "Total"]


def test_table_lists_figures_down_the_side(cli_env: dict[str, str]) -> None:
    out = run("--from", "2026-11-24", "--by", "queue")
    assert "三声内接听率" in out and "客服中心 (service)" in out


def test_a_bad_date_is_a_clear_error(cli_env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["answer-times", "--from", "24.11.2026"])
    assert result.exit_code != 0
    assert "'24.11.2026' is not a date like" in str(result.exception)  # cli.main prints it as "error: …"
