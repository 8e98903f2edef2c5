"""pbxsim under load: 5,000 calls/hour, 30 agents, 60x speed for one simulated hour.

Measures the events per second pbxsim emits and a listener (a raw AMI client on TCP, parsing every
message) consumes, sampled every simulated minute, and whether the backlog (emitted - consumed)
grows. Baseline in the same run: the first simulated minute's rates. Writes
bench/results/pbxsim_workload.json."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from callcenter.pbxsim import Pbx, PbxConfig, QueueConfig
from callcenter.pbxsim.ami_server import AmiServer
from callcenter.pbxsim.driver import ScenarioDriver
from callcenter.pbxsim.rawclient import RawAmiClient
from callcenter.pbxsim.scenario import Scenario
from callcenter.pbxsim.workload import Workload, generate

RESULT = Path(__file__).with_name("results") / "pbxsim_workload.json"
SPEED, CALLS_PER_HOUR, AGENTS, SIM_SECONDS = 60.0, 5000.0, 30, 3600.0


async def _consume(client: RawAmiClient, counter: list[int]) -> None:
    while await client.read(timeout=120) is not None:
        counter[0] += 1


async def run(sim_seconds: float = SIM_SECONDS) -> dict[str, object]:
    agents = [f"agent{i}" for i in range(1, AGENTS + 1)]
    queue = QueueConfig("service", tuple((f"Local/{a}@agents", a) for a in agents), timeout=12.0)
    pbx = Pbx(PbxConfig(queues=[queue]), speed=SPEED, seed=7)
    ami = AmiServer(pbx)
    await ami.start()
    listener = await RawAmiClient.connect("127.0.0.1", ami.port)
    await listener.login("callcenter", "secret")
    consumed = [0]
    reader = asyncio.create_task(_consume(listener, consumed))
    # 30 agents can carry 5,000 calls/hour only if a call holds an agent < 21.6 s: short calls.
    workload = Workload(calls_per_hour=CALLS_PER_HOUR, talk_mean_seconds=10.0, answer_median_seconds=3.0,
                        via="sip",
                        hold_probability=0.05, abandon_probability=0.05)
    driver = ScenarioDriver(pbx, Scenario(name="bench"), ami.port)
    samples: list[dict[str, float]] = []
    start_real, start_sim = time.monotonic(), pbx.timebase.time()
    next_sample, last = 60.0, (0, 0, time.monotonic())
    calls = 0
    for call in generate(workload, agents, seed=7, duration=sim_seconds):
        while call.at > next_sample:
            await pbx.sleep(max(0.0, start_sim + next_sample - pbx.timebase.time()))
            now = time.monotonic()
            samples.append({"sim_minute": next_sample / 60,
                            "emitted_per_s": (pbx.events_emitted - last[0]) / (now - last[2]),
                            "consumed_per_s": (consumed[0] - last[1]) / (now - last[2]),
                            "backlog": pbx.events_emitted - consumed[0]})
            last = (pbx.events_emitted, consumed[0], now)
            next_sample += 60.0
        delay = call.at - (pbx.timebase.time() - start_sim)
        if delay > 0:
            await pbx.sleep(delay)
        await driver.place(call)
        calls += 1
    real = time.monotonic() - start_real
    lag = (pbx.timebase.time() - start_sim) - sim_seconds
    await pbx.stop()
    await asyncio.sleep(0.5)
    backlog_end = pbx.events_emitted - consumed[0]
    reader.cancel()
    await asyncio.gather(reader, return_exceptions=True)
    await listener.close()
    await ami.stop()
    backlogs = [s["backlog"] for s in samples]
    half = len(backlogs) // 2 or 1
    return {
        "speed": SPEED, "calls_per_hour": CALLS_PER_HOUR, "agents": AGENTS, "simulated_seconds": sim_seconds,
        "calls_placed": calls, "real_seconds": round(real, 2), "schedule_lag_sim_seconds": round(lag, 2),
        "events_emitted": pbx.events_emitted, "events_consumed_before_stop": consumed[0],
        "emitted_per_s_mean": round(pbx.events_emitted / real, 1),
        "consumed_per_s_mean": round(consumed[0] / real, 1),
        "baseline_first_minute": samples[0] if samples else None,
        "backlog_max_first_half": max(backlogs[:half], default=0),
        "backlog_max_second_half": max(backlogs[half:], default=0),
        "backlog_after_stop": backlog_end,
        "answered": sum(1 for c in pbx.calls.values() if c.answered_by),
        "abandoned": sum(1 for c in pbx.calls.values() if c.abandoned),
        "samples": samples,
    }


def main() -> dict[str, object]:
    result = asyncio.run(run())
    RESULT.parent.mkdir(exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=1))
    print(f"pbxsim_workload: {result['calls_placed']} calls in {result['real_seconds']} s real; "
          f"emitted {result['emitted_per_s_mean']}/s, consumed {result['consumed_per_s_mean']}/s; "
          f"backlog max {result['backlog_max_first_half']} (first half) / "
          f"{result['backlog_max_second_half']} "
          f"(second half); schedule lag {result['schedule_lag_sim_seconds']} sim s")
    return result


if __name__ == "__main__":
    main()
