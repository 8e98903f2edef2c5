"""One definition of the team (issue 14 item 5): the desk's team column is the report's 合计 for
the same day and calls, and the report page's headline tiles are the figures of its table (R1, R2).

The known day (tests/test_reports_answer_times.py) answers 5 calls, 3 within three rings: 60.0 %.
Its agents' own rates are 100 %, 50 % and 0 %, whose mean (50 %) is what a "team average" of
agents would have said."""

from __future__ import annotations

import re

from callcenter.service import ServiceContext
from tests.browser.webapp import AGENT, SUPERVISOR, login
from tests.support import web as web_fixtures
from tests.test_reports_answer_times import DAY

ctx = web_fixtures.ctx  # the hand-computed day, the clock at its noon
Q = f"from={DAY}&to={DAY}"


def report_cells(page: str, figure: str) -> list[str]:
    row = re.search(rf'<tr[^>]*data-figure="{figure}"[^>]*>(.*?)</tr>', page, re.S)
    assert row is not None, figure
    cells = re.findall(r"<td>(.*?)</td>", row.group(1), re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


def tile_text(page: str, name: str) -> str:
    tile = re.search(rf'id="tile-{name}".*?<b class="tile-value">(.*?)</b>', page, re.S)
    assert tile is not None, name
    return re.sub(r"<[^>]+>", "", tile.group(1)).strip()


async def test_the_desks_team_figure_is_the_reports_total_for_the_same_day(ctx: ServiceContext) -> None:
    async with web_fixtures.app_client(ctx) as agent, web_fixtures.app_client(ctx) as supervisor:
        await login(agent, AGENT)
        figures = (await agent.get("/desk/api/quality")).json()
        await login(supervisor, SUPERVISOR)
        page = (await supervisor.get(f"/reports?{Q}&by=agent")).text
    columns = re.findall(r"<th>([^<]*)</th>", page.split("<thead>")[1].split("</thead>")[0])[1:]
    rates = dict(zip(columns, report_cells(page, "within_rule_pct"), strict=True))
    assert figures["day"] == DAY.isoformat()
    # The desk writes the rate as the report page does (one decimal and %).
    assert f"{figures['team']['three_ring_pct']:.1f}%" == rates["合计"] == "60.0%"
    assert figures["team"]["answered"] == int(report_cells(page, "answered")[-1]) == 5
    assert figures["team"]["late"] == int(report_cells(page, "late")[-1])
    own_column = next(c for c in columns if c.startswith(AGENT))
    assert f"{figures['own']['three_ring_pct']:.1f}%" == rates[own_column] == "100.0%"


async def test_report_tiles_are_chinese_first_and_equal_the_tables_total(ctx: ServiceContext) -> None:
    async with web_fixtures.app_client(ctx) as client:
        await login(client, SUPERVISOR)
        page = (await client.get(f"/reports?{Q}")).text
        english = (await client.get(f"/reports?{Q}&lang=en")).text
    labels = re.findall(r'<span class="tile-label">([^<]*)</span>', page)
    assert labels == ["三声内接听率", "15秒接通率", "放弃率", "超时未致歉"]
    assert page.index('id="tiles"') < page.index('id="figures"')  # above the table
    assert tile_text(page, "within_rule_pct") == report_cells(page, "within_rule_pct")[-1] == "60.0%"
    assert tile_text(page, "answered_15s_pct") == report_cells(page, "answered_15s_pct")[-1]
    # 2 abandons of 7 counted calls (8 offered, 1 short abandon apart): 28.6 %
    assert tile_text(page, "abandon_rate") == "28.6%"
    assert tile_text(page, "late_no_apology") == report_cells(page, "late_no_apology")[-1] == "1"
    assert 'class="tile alert" id="tile-late_no_apology"' in page  # R2: a late answer without apology
    assert "3 / 5 通" in page
    assert re.findall(r'<span class="tile-label">([^<]*)</span>', english) == [
        "Within 3 rings % of answered", "Answered within 15 s %", "Abandon rate", "Late, without apology"]
    tiles = page.split('id="tiles"')[1].split("</section>")[0]
    assert not re.search(r"\d+\.\d{2,}", tiles)  # no raw floats
