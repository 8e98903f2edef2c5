"""Two PBXs into one PostgreSQL (issue 16): two `callcenter run --role tracker` processes, each
with its embedded pbxsim at 5,000 calls/h (simulated, sped up 60 times), storing into one
PostgreSQL database for a minute. Every 5 s: the calls each pbxsim has ended (its status line)
against the calls stored for its PBX name; the backlog is the difference. No growing backlog:
the second half's largest backlog is not above the first half's (plus a margin of one sample's
arrivals)."""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._common import ROOT, write_result

SPEED = int(os.environ.get("TWO_PBX_SPEED") or 10)  # 10: each PBX's 5,000 calls/h ten times over
CALLS_PER_HOUR = 5000
SECONDS = 60
PBXS = ("pbx-a", "pbx-b")
STATUS = re.compile(r"active (\d+) .* total (\d+)")


def _ended(output: str) -> int | None:
    found = STATUS.findall(output)
    if not found:
        return None
    active, total = found[-1]
    return int(total) - int(active)


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import text

    from callcenter.db.session import make_engine, migrate
    from tests.support.postgres import start_cluster
    from tests.topology.cluster import Cluster, around_the_clock

    pg = start_cluster()
    samples: list[dict[str, Any]] = []
    try:
        url = pg.create_database("twopbx")
        migrate(url)
        engine = make_engine(url)
        with tempfile.TemporaryDirectory() as tmp:
            cluster = Cluster(url, Path(tmp), around_the_clock(Path(tmp)),
                              extra_env={"CALLCENTER_LIVE_STREAMS": "0"})
            try:
                args = ("--speed", str(SPEED), "--calls-per-hour", str(CALLS_PER_HOUR),
                        "--duration", str(SECONDS + 30))
                parts = [cluster.start(pbx, ("tracker",), *args, "--seed", str(i + 1),
                                       CALLCENTER_PBX_NAME=pbx, CALLCENTER_PBXSIM_SYSTEMNAME=pbx)
                         for i, pbx in enumerate(PBXS)]
                for part in parts:
                    cluster.wait_running(part)
                started = time.monotonic()
                while time.monotonic() - started < SECONDS:
                    time.sleep(5)
                    with engine.connect() as conn:
                        counts = conn.execute(text("SELECT server, count(*) FROM calls GROUP BY server"))
                        stored = {name: int(n) for name, n in counts.all()}
                    row: dict[str, Any] = {"t": round(time.monotonic() - started, 1)}
                    for part in parts:
                        ended = _ended(part.output())
                        kept = stored.get(part.name, 0)
                        row[part.name] = {"ended": ended, "stored": kept,
                                          "backlog": None if ended is None else ended - kept}
                    samples.append(row)
                    print(json.dumps(row), flush=True)
            finally:
                cluster.stop_all()
        engine.dispose()
    finally:
        pg.stop()
    result: dict[str, Any] = {"pbxs": len(PBXS), "calls_per_hour_each": CALLS_PER_HOUR, "speed": SPEED,
                              "seconds": SECONDS, "samples": samples}
    half = len(samples) // 2
    for pbx in PBXS:
        backlogs = [s[pbx]["backlog"] for s in samples if s[pbx]["backlog"] is not None]
        first, second = backlogs[:half] or [0], backlogs[half:] or [0]
        last = samples[-1][pbx]
        result[pbx] = {"stored": last["stored"], "ended": last["ended"], "backlog_max_first_half": max(first),
                       "backlog_max_second_half": max(second)}
    margin = CALLS_PER_HOUR * SPEED / 3600 * 5  # one sample's arrivals
    result["no_growing_backlog"] = all(
        result[p]["backlog_max_second_half"] <= result[p]["backlog_max_first_half"] + margin for p in PBXS)
    print(json.dumps({k: v for k, v in result.items() if k != "samples"}, indent=2))
    result["load_average_after"] = [round(x, 1) for x in os.getloadavg()]
    write_result("two_pbx_ingest" if SPEED == 10 else f"two_pbx_ingest_{SPEED}x", result)


if __name__ == "__main__":
    main()
