"""The pages themselves: the report page (Chinese first, English switch, charts inline, no
CDN), exports, the daily spot-check sample (R20), the follow-up page, account passwords."""

from __future__ import annotations

import csv
import io
import os
import stat
from pathlib import Path

import pytest
from httpx import AsyncClient
from openpyxl import load_workbook
from sqlalchemy import select

from callcenter.db.models.web import SpotCheckMark, WebUser
from callcenter.db.session import unit_of_work
from callcenter.reports.spot_checks import daily_sample
from callcenter.service import ServiceContext
from callcenter.web.passwords import INITIAL_FILE, ensure_accounts
from callcenter.web.scrypt import hash_password, verify_password
from tests.browser.webapp import AGENT, SUPERVISOR, login
from tests.support import web as web_fixtures
from tests.test_reports_answer_times import DAY

Q = "from=2026-11-24&to=2026-11-24"
ctx = web_fixtures.ctx  # the hand-computed day (tests/support/web.py)
client = web_fixtures.client


async def test_report_page_is_chinese_first_with_inline_svg_and_no_cdn(client: AsyncClient) -> None:
    await login(client, SUPERVISOR)
    page = (await client.get(f"/reports?{Q}&by=hour")).text
    assert "接听时效报表" in page and "三声内接听率" in page and "15秒接通率" in page
    assert page.count("<svg") == 2
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page
    english = (await client.get(f"/reports?{Q}&lang=en")).text
    assert "Answer-time report" in english and "Service level, abandons excluded" in english
    assert "Answer-time report" in (await client.get(f"/reports?{Q}")).text  # the choice is remembered


async def test_report_definitions_say_backfilled_calls_carry_whole_seconds(client: AsyncClient) -> None:
    await login(client, SUPERVISOR)
    page = (await client.get(f"/reports?{Q}")).text
    assert "补录来电" in page and "queue_log 只记整秒" in page
    english = (await client.get(f"/reports?{Q}&lang=en")).text
    assert "Backfilled calls" in english and "whole seconds" in english


async def test_navigation_links_to_the_agent_desk_once_logged_in(client: AsyncClient) -> None:
    assert 'href="/desk"' not in (await client.get("/login")).text
    await login(client, AGENT)
    page = (await client.get(f"/reports?{Q}")).text
    assert '<a href="/desk">坐席工作台</a>' in page
    assert '<a href="/desk">Agent desk</a>' in (await client.get(f"/reports?{Q}&lang=en")).text


async def test_figures_link_to_the_calls_behind_them(client: AsyncClient) -> None:
    await login(client, SUPERVISOR)
    page = (await client.get(f"/calls?{Q}&figure=late_apology")).text
    assert "共 1 通" in page and "13800138000" in page


async def test_xlsx_export_has_the_same_figures_as_the_csv(client: AsyncClient) -> None:
    await login(client, SUPERVISOR)
    exported = (await client.get(f"/reports/export.csv?{Q}&by=queue")).text
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    book = load_workbook(io.BytesIO((await client.get(f"/reports/export.xlsx?{Q}&by=queue")).content))
    sheet = [["" if v is None else str(v) for v in row] for row in book.active.iter_rows(values_only=True)]
    assert rows[0] == sheet[0]
    assert [r[:4] for r in rows[1:]] == [r[:4] for r in sheet[1:]]
    assert rows[-1][:3] == ["合计", "8", "5"]


async def test_a_bad_period_is_a_clear_400(client: AsyncClient) -> None:
    await login(client, SUPERVISOR)
    response = await client.get("/api/reports/answer-times?from=2026-11-25&to=2026-11-01")
    assert response.status_code == 400 and "ends" in response.json()["detail"]


async def test_spot_check_sample_is_daily_seeded_and_markable_r20(ctx: ServiceContext,
                                                                  client: AsyncClient) -> None:
    with unit_of_work(ctx.sessions) as session:
        first = {a: [s.call.linkedid for s in calls] for a,
                 calls in daily_sample(session, DAY, "Asia/Shanghai", 1).items()}
        again = {a: [s.call.linkedid for s in calls] for a,
                 calls in daily_sample(session, DAY, "Asia/Shanghai", 1).items()}
        full = daily_sample(session, DAY, "Asia/Shanghai", 5)
    assert first == again and set(first) == {"101", "102", "201"}
    assert {s.call.linkedid for s in full["101"]} == {"A", "B"}  # never more than the agent took
    await login(client, SUPERVISOR)
    page = (await client.get("/spot-checks?day=2026-11-24")).text
    assert "标记已审阅" in page
    call_id = full["201"][0].call.id
    response = await client.post(f"/spot-checks/{call_id}/reviewed", data={"day": "2026-11-24"})
    assert response.status_code in (200, 303)
    with unit_of_work(ctx.sessions) as session:
        mark = session.scalars(select(SpotCheckMark)).one()
    assert (mark.call_id, mark.reviewed_by, mark.agent_id) == (call_id, SUPERVISOR, "201")


async def test_followups_page_is_for_supervisors(client: AsyncClient) -> None:
    await login(client, AGENT)
    assert (await client.get(f"/followups?{Q}")).status_code == 403
    await login(client, SUPERVISOR)
    page = await client.get(f"/followups?{Q}")
    assert page.status_code == 200 and "投诉48小时内回复" in page.text
    assert (await client.get(f"/api/reports/followups?{Q}")).json()["complaint_replies"]["complaints"] == 0


def test_passwords_are_scrypt_hashes_never_the_password() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("scrypt$") and "correct" not in stored
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterz", stored)
    assert not verify_password("x", "not-a-hash")


def test_missing_accounts_get_env_or_generated_passwords_written_once(ctx: ServiceContext,
                                                                      tmp_path: Path) -> None:
    var = tmp_path / "fresh"
    with unit_of_work(ctx.sessions) as session:
        for user in session.scalars(select(WebUser).where(WebUser.id.in_(["103", "301"]))):
            session.delete(user)
    with unit_of_work(ctx.sessions) as session:
        made = ensure_accounts(session, ctx.settings.hotline,
                               {"CALLCENTER_WEB_PASSWORD_103": "from-the-env-1"}, var)
    assert [user for user, _ in made] == ["301"]  # 103's came from the environment: not written anywhere
    written = (var / INITIAL_FILE).read_text().split()
    assert written == ["301", made[0][1]]
    assert stat.S_IMODE(os.stat(var / INITIAL_FILE).st_mode) == 0o600
    with unit_of_work(ctx.sessions) as session:
        assert verify_password("from-the-env-1", session.get(WebUser, "103").password_hash)  # type: ignore[union-attr]
        assert ensure_accounts(session, ctx.settings.hotline, {}, var) == []  # second start: nothing new


def test_web_passwords_command_prints_and_later_shows_the_generated_passwords(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from callcenter.web.cli import app

    monkeypatch.setenv("CALLCENTER_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CALLCENTER_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("CALLCENTER_HOTLINE", str(Path(__file__).parents[1] / "hotline.example.toml"))
    monkeypatch.setenv("CALLCENTER_WEB_PASSWORD_900", "supervisor-from-env")
    first = CliRunner().invoke(app, ["passwords"])
    assert first.exit_code == 0, first.output
    printed = dict(line.split("\t") for line in first.output.splitlines())
    assert set(printed) == {"101", "102", "103", "201", "202", "301"}  # 900's came from the environment
    second = CliRunner().invoke(app, ["passwords"])  # as the README says: it shows them again
    assert "every account exists" in second.output
    assert dict(line.split("\t") for line in second.output.splitlines()[1:]) == printed
    reset = CliRunner().invoke(app, ["passwords", "--reset", "101"])
    (line,) = reset.output.splitlines()
    assert line.startswith("101\t") and line.split("\t")[1] != printed["101"]
    assert CliRunner().invoke(app, ["passwords", "--reset", "999"]).exit_code != 0
