"""Durations as people read them on the calls list, the call detail, the spot checks and the calls
CSV: ring and wait times to one decimal of a second, a conversation as 2分12秒 (2 min 12 s), never
the raw float the PBX's timestamps give (4.832150936126709, 131.90573596954346)."""

from __future__ import annotations

import csv
import io
import re

from httpx import AsyncClient
from sqlalchemy import select, update

from callcenter.db.models.calls import Call
from callcenter.db.session import unit_of_work
from callcenter.service import ServiceContext
from callcenter.words.formats import seconds_text, talk_text
from tests.browser.webapp import SUPERVISOR, login
from tests.support import web as web_fixtures

ctx = web_fixtures.ctx  # the hand-computed day (tests/support/web.py)
client = web_fixtures.client
Q = "from=2026-11-24&to=2026-11-24"
RAW_FLOAT = re.compile(r"\d\.\d{2,}")


def _text(html: str) -> str:
    return re.sub(r"<script.*?</script>|<[^>]+>", " ", html, flags=re.S)


def _raw_timings(ctx: ServiceContext) -> int:
    """Every call of the day with the fractions real timestamps give; call A: 4.83… s, 131.9… s."""
    with unit_of_work(ctx.sessions) as session:
        session.execute(update(Call).where(Call.ring_seconds.is_not(None))
                        .values(ring_seconds=Call.ring_seconds + 0.832150936126709,
                                wait_seconds=Call.wait_seconds + 0.4127))
        session.execute(update(Call).where(Call.linkedid == "A")
                        .values(talk_seconds=131.90573596954346, hold_seconds=0.25))
        return int(session.scalars(select(Call.id).where(Call.linkedid == "A")).one())


def test_durations_read_as_one_decimal_or_minutes_and_seconds() -> None:
    assert seconds_text(4.832150936126709) == "4.8" and seconds_text(None, "–") == "–"
    assert talk_text(131.90573596954346, "zh") == "2分12秒" and talk_text(59.5, "zh") == "1分00秒"
    assert talk_text(3725.2, "en") == "1 h 02 min 05 s"


async def test_calls_list_detail_spot_checks_and_csv_show_no_raw_floats(ctx: ServiceContext,
                                                                        client: AsyncClient) -> None:
    call_id = _raw_timings(ctx)
    await login(client, SUPERVISOR)
    listing = _text((await client.get(f"/calls?{Q}")).text)
    assert "4.8" in listing and "2分12秒" in listing
    detail = _text((await client.get(f"/calls/{call_id}")).text)
    assert "4.8" in detail and "2分12秒" in detail
    english = _text((await client.get(f"/calls/{call_id}?lang=en")).text)
    assert "2 min 12 s" in english
    spot = _text((await client.get("/spot-checks?day=2026-11-24")).text)
    for page in (listing, detail, spot):
        assert not RAW_FLOAT.findall(page), RAW_FLOAT.findall(page)
    exported = (await client.get(f"/calls/export.csv?{Q}")).text
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    assert not [cell for row in rows for cell in row if RAW_FLOAT.fullmatch(cell)]
    a = next(row for row in rows if "A" in row)
    assert "4.8" in a and "131.9" in a and "0.2" in a  # the CSV keeps seconds (one decimal) to sum
