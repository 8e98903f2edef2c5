"""The instruments every area counts into (one registry per process, not prometheus_client's
global one). Gauges that are read rather than counted (AMI link, spool, queues, callbacks) come
from ``callcenter.observability.collector`` at scrape time."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

CALLS = Counter("callcenter_calls", "Finished calls stored, by direction and outcome",
                ["direction", "outcome"], registry=REGISTRY)
RINGS = Histogram("callcenter_call_rings", "Rings a caller heard before the answer or the hang-up (R1)",
                  buckets=(1, 2, 3, 4, 5, 6, 8, 10), registry=REGISTRY)
GREETINGS = Counter("callcenter_greetings", "Agent greetings decided at the answer (R2): standard, "
                    "apology, or standard without a tracker decision (none)", ["greeting"], registry=REGISTRY)
GREETING_SECONDS = Histogram("callcenter_greeting_decision_seconds",
                             "From Asterisk's FastAGI request to the greeting chosen",
                             buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
                             registry=REGISTRY)
WEB_REQUESTS = Counter("callcenter_web_requests", "Web requests answered, by method, route and status",
                       ["method", "route", "status"], registry=REGISTRY)
WEB_SECONDS = Histogram("callcenter_web_request_seconds", "Time to answer a web request", ["route"],
                        registry=REGISTRY)


def call_stored(direction: str, answered: bool, abandoned: bool, rings: int | None) -> None:
    outcome = "answered" if answered else "abandoned" if abandoned else "unanswered"
    CALLS.labels(direction, outcome).inc()
    if rings is not None:
        RINGS.observe(rings)


def greeting_decided(greeting: str | None, seconds: float) -> None:
    GREETINGS.labels(greeting or "none").inc()
    GREETING_SECONDS.observe(seconds)
