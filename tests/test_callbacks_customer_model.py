"""How pbxsim's customers behave when a callback dials them (scenario/demo globals, C6)."""

from __future__ import annotations

from callcenter.pbxsim import Pbx, PbxConfig
from callcenter.pbxsim.callback_flow import BUSY, customer_ring
from callcenter.pbxsim.members import NEVER


def test_a_customers_own_ring_setting_wins_over_the_drawn_model() -> None:
    pbx = Pbx(PbxConfig(default_ring_seconds=8.0))
    pbx.globals.update({"RING_13800138000": "3.5", "RING_13900139000": "busy", "RING_13700137000": "never",
                        "CUSTOMER_BUSY_PROBABILITY": "1"})
    assert customer_ring(pbx, "13800138000") == 3.5
    assert customer_ring(pbx, "13900139000") == BUSY
    assert customer_ring(pbx, "13700137000") == NEVER
    assert customer_ring(pbx, "13600136000") == BUSY  # no setting of its own: drawn (always busy here)


def test_without_any_setting_a_customer_answers_after_the_pbx_ring_time() -> None:
    assert customer_ring(Pbx(PbxConfig(default_ring_seconds=6.0)), "13800138000") == 6.0


def test_drawn_customers_follow_the_probabilities_and_the_seed() -> None:
    def draws(seed: int) -> list[float]:
        pbx = Pbx(PbxConfig(default_ring_seconds=8.0), seed=seed)
        pbx.globals.update({"CUSTOMER_BUSY_PROBABILITY": "0.2", "CUSTOMER_NO_ANSWER_PROBABILITY": "0.3"})
        return [customer_ring(pbx, "13800138000") for _ in range(2000)]
    first = draws(7)
    assert first == draws(7)
    assert 0.17 < first.count(BUSY) / 2000 < 0.23
    assert 0.27 < first.count(NEVER) / 2000 < 0.33
    assert 0.47 < first.count(8.0) / 2000 < 0.53
