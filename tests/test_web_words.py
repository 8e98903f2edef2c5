"""The API and the exports speak the hotline's time and words (issue 14): instants in the JSON API
carry the hotline's offset (+08:00), never bare UTC; the calls CSV gives local times, departments,
agents' names and the internal values as words in the reader's language."""

from __future__ import annotations

import csv
import datetime as dt
import io

from httpx import AsyncClient

from tests.browser.webapp import SUPERVISOR, login
from tests.support import web as web_fixtures

ctx = web_fixtures.ctx  # the hand-computed day (tests/support/web.py): call A began 07:55 in Shanghai
client = web_fixtures.client
Q = "from=2026-11-24&to=2026-11-24"


async def test_the_api_gives_instants_in_the_hotlines_zone_with_their_offset(client: AsyncClient) -> None:
    await login(client, SUPERVISOR)
    calls = (await client.get(f"/api/calls?{Q}&figure=all")).json()["calls"]
    first = next(c for c in calls if c["linkedid"] == "A")
    assert first["started_at"] == "2026-11-24T07:55:00+08:00"
    detail = (await client.get(f"/api/calls/{first['id']}")).json()
    stamps = [detail["ended_at"], *(m["at"] for m in detail["timeline"]),
              *(leg["started_at"] for leg in detail["legs"])]
    assert all(dt.datetime.fromisoformat(s).utcoffset() == dt.timedelta(hours=8) for s in stamps), stamps


async def test_the_calls_csv_speaks_the_readers_language_in_local_time(client: AsyncClient) -> None:
    await login(client, SUPERVISOR)
    for lang, words in (("zh", {"标准问候", "来电人", "客服中心", "101 李秀英"}),
                        ("en", {"standard greeting", "caller", "客服中心", "Hung up first"})):
        body = (await client.get(f"/calls/export.csv?{Q}&figure=all&lang={lang}")).content.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(body)))
        assert rows[-1][0] == "2026-11-24 07:55:00"  # call A, the earliest, in Shanghai time
        cells = {cell for row in rows for cell in row}
        assert words <= cells, words - cells
        assert not cells & {"standard", "apology", "service", "repair"}  # no internal value left
