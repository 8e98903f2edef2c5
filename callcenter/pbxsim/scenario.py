"""Scenarios: calls described step by step in TOML (who calls when, which key, which agents
answer after how long or not at all, holds, who hangs up), run against a Pbx.

    name = "answered_fast"
    flow = "traces"                      # or "hotline" (contract C3)
    [[queues]]                           # optional; the hotline flow builds them from the hotline file
    name = "service"
    members = [["Local/agent1@agents", "Agent 1"]]
    timeout = 15
    [globals]                            # dialplan globals, e.g. RING_agent1 = "4"
    [[calls]]
    at = 1.0                             # seconds after the start
    via = "originate"                    # "originate": AMI Originate of Local/inbound@from-pstn (as
                                         # the traces) | "sip" | "pjsip"
    caller = "13800138000"
    hangup_after = 22                    # the caller hangs up this long after the IVR answered
    keys = "1"                           # menu keys pressed, in order (hotline flow)
    variables = { __RING_agent1 = "8" }  # RING_<agent> / TALK_<agent>: answer after, talk for ("never")
    holds = [{ at = 12, seconds = 5 }]   # caller holds, seconds after the IVR answered
    agent_holds = [{ at = 20, seconds = 3 }]  # the agent's phone holds (re-INVITE sendonly), same clock
    redirect = { at = 20, context = "from-pstn", exten = "repair" }        # AMI Redirect of the caller
    blind_transfer = { at = 20, context = "from-pstn", exten = "repair" }  # the agent's blind transfer
    say = [{ side = "caller", at = 1.0, text = "我家水管漏水了" },          # speech for the recordings:
           { side = "agent", at = 0.2, text = "您好，请讲" }]              # seconds after the bridge
    [[phones]]                           # a PJSIP phone unregisters / registers again (registered
    at = 0.0                             # by default); seconds after the start
    phone = "8102"
    registered = false
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from callcenter.errors import ConfigError
from callcenter.pbxsim.queue_state import QueueConfig
from callcenter.pbxsim.recordings import SIDES, Utterance

SCENARIOS_DIR = Path(__file__).parent / "scenarios"


@dataclass(frozen=True)
class Hold:
    at: float
    seconds: float


@dataclass(frozen=True)
class PhoneStep:
    """A phone's registration changing ``at`` seconds after the start (registrations.py)."""

    at: float
    phone: str
    registered: bool


@dataclass(frozen=True)
class CallPlan:
    at: float
    caller: str
    via: str = "originate"
    hangup_after: float | None = None
    # Patience: a caller still not answered this long after calling hangs up (nobody waits for ever).
    give_up_after: float | None = None
    keys: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    holds: tuple[Hold, ...] = ()
    agent_holds: tuple[Hold, ...] = ()  # the answering phone's holds, seconds after the IVR answered
    redirect: tuple[float, str, str] | None = None  # (seconds after answer, context, exten)
    blind_transfer: tuple[float, str, str] | None = None  # (seconds after answer, context, exten)
    say: tuple[Utterance, ...] = ()  # what each side says, seconds after the conversation started


@dataclass(frozen=True)
class Scenario:
    name: str
    flow: str = "traces"
    queues: tuple[QueueConfig, ...] = ()
    globals: dict[str, str] = field(default_factory=dict)
    calls: tuple[CallPlan, ...] = ()
    duration: float | None = None
    phones: tuple[PhoneStep, ...] = ()

    @property
    def end(self) -> float:
        if self.duration is not None:
            return self.duration
        return max((c.at + (c.hangup_after or 0) for c in self.calls), default=0.0) + 2.0


def load_scenario(path: Path | str) -> Scenario:
    path = Path(path)
    if not path.exists() and (SCENARIOS_DIR / f"{path}.toml").exists():
        path = SCENARIOS_DIR / f"{path}.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("scenario", f"file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("scenario", f"{path} is not valid TOML: {exc}") from None
    return parse_scenario(data, str(path))


def parse_scenario(data: dict[str, Any], source: str = "scenario") -> Scenario:
    try:
        queues = tuple(_queue(q) for q in data.get("queues", []))
        calls = tuple(sorted((_call(c) for c in data.get("calls", [])), key=lambda c: c.at))
        flow = str(data.get("flow", "traces"))
        if flow not in ("traces", "hotline"):
            raise ValueError(f"flow must be 'traces' or 'hotline', not {flow!r}")
        return Scenario(name=str(data.get("name", Path(source).stem)), flow=flow, queues=queues,
                        globals={k: str(v) for k, v in data.get("globals", {}).items()}, calls=calls,
                        duration=float(data["duration"]) if "duration" in data else None,
                        phones=tuple(sorted((_phone(p) for p in data.get("phones", [])), key=lambda p: p.at)))
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"scenario {source}", f"{type(exc).__name__}: {exc}") from None


def _queue(raw: dict[str, Any]) -> QueueConfig:
    members = tuple((str(m[0]), str(m[1])) for m in raw["members"])
    return QueueConfig(name=str(raw["name"]), members=members, timeout=float(raw.get("timeout", 15)),
                       retry=float(raw.get("retry", 1)), agi=raw.get("agi"))


def _call(raw: dict[str, Any]) -> CallPlan:
    via = str(raw.get("via", "originate"))
    if via not in ("originate", "sip", "pjsip"):
        raise ValueError(f"via must be originate, sip or pjsip, not {via!r}")
    holds = tuple(Hold(float(h["at"]), float(h["seconds"])) for h in raw.get("holds", []))
    agent_holds = tuple(Hold(float(h["at"]), float(h["seconds"])) for h in raw.get("agent_holds", []))
    return CallPlan(at=float(raw["at"]), caller=str(raw["caller"]), via=via,
                    hangup_after=float(raw["hangup_after"]) if "hangup_after" in raw else None,
                    keys=str(raw.get("keys", "")),
                    variables={k: str(v) for k, v in raw.get("variables", {}).items()},
                    holds=holds, agent_holds=agent_holds, redirect=_move(raw.get("redirect")),
                    blind_transfer=_move(raw.get("blind_transfer")),
                    say=tuple(sorted((_utterance(u) for u in raw.get("say", [])), key=lambda u: u.at)))


def _phone(raw: dict[str, Any]) -> PhoneStep:
    registered = raw["registered"]
    if not isinstance(registered, bool):
        raise ValueError(f"phones: registered must be true or false, not {registered!r}")
    at = float(raw["at"])
    if at < 0:
        raise ValueError(f"phones: at must be zero or more seconds after the start, not {at:g}")
    return PhoneStep(at, str(raw["phone"]), registered)


def _move(raw: dict[str, Any] | None) -> tuple[float, str, str] | None:
    return (float(raw["at"]), str(raw["context"]), str(raw["exten"])) if raw else None


def _utterance(raw: dict[str, Any]) -> Utterance:
    side, text = str(raw["side"]), str(raw["text"]).strip()
    if side not in SIDES:
        raise ValueError(f"say: side must be 'caller' or 'agent', not {side!r}")
    if not text:
        raise ValueError("say: text must not be empty")
    at = float(raw["at"])
    if at < 0:
        raise ValueError(f"say: at must be zero or more seconds after the bridge, not {at:g}")
    return Utterance(side, at, text)
