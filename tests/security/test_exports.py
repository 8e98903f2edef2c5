"""Export formula injection (OWASP "CSV Injection"): a caller ID of ``=HYPERLINK(…)`` must reach the
CSV and the XLSX as text, never as a live formula. Through the real web app, as a supervisor
(who sees whole numbers, so the hostile caller ID is exported as it came)."""

from __future__ import annotations

import csv
import io

import pytest
from httpx import AsyncClient
from openpyxl import load_workbook
from sqlalchemy import update

from callcenter.db.models.calls import Call
from callcenter.db.session import unit_of_work
from callcenter.reports.render import neutralised
from callcenter.service import ServiceContext
from tests.browser.webapp import SUPERVISOR, login
from tests.support import web as web_fixtures

Q = "from=2026-11-24&to=2026-11-24"
ctx = web_fixtures.ctx
client = web_fixtures.client
HOSTILE = '=HYPERLINK("//evil.cn","点我")'  # fits calls.caller (32)


@pytest.mark.parametrize("text", [HOSTILE, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1+1"])
def test_every_formula_start_is_prefixed_with_a_quote(text: str) -> None:
    assert neutralised(text) == "'" + text


@pytest.mark.parametrize("cell", ["13800138000", "张先生", "", None, 12, -3.5, "a=b"])
def test_plain_cells_and_numbers_stay_as_they_are(cell: str | float | None) -> None:
    assert neutralised(cell) == cell


async def test_a_hostile_caller_id_is_exported_as_text_in_csv_and_xlsx(ctx: ServiceContext,
                                                                        client: AsyncClient) -> None:
    with unit_of_work(ctx.sessions) as session:
        session.execute(update(Call).where(Call.linkedid == "A").values(caller=HOSTILE))
    await login(client, SUPERVISOR)
    text = (await client.get(f"/calls/export.csv?{Q}")).text.lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    callers = [r[2] for r in rows[1:]]
    assert "'" + HOSTILE in callers
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for c in row)

    book = load_workbook(io.BytesIO((await client.get(f"/calls/export.xlsx?{Q}")).content))
    cells = [c for row in book.active.iter_rows() for c in row]
    hostile = [c for c in cells if isinstance(c.value, str) and HOSTILE in c.value]
    assert [(c.value, c.data_type) for c in hostile] == [("'" + HOSTILE, "s")]  # text, not a formula
    assert not any(c.data_type == "f" for c in cells)
