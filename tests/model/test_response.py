"""Response time: a late call still reaches a few buyers, and an SLA's length matters."""

from __future__ import annotations

from helpers import run


def test_late_contact_floor_raises_a_slow_firms_reach_monotonically():
    reached = [
        run({"late_contact_floor": f}, seed=1, days=150, scenario="segregated").summary()["sals"]
        for f in (0.0, 0.05, 0.2)
    ]
    assert reached[0] < reached[1] < reached[2]


def test_a_longer_sla_lets_leads_wait_longer():
    """Not a switch: first-contact times grow with the SLA's length."""
    median = [
        run({"sla_first_contact_hours": h}, seed=1, days=100, scenario="defined").summary()[
            "median_response_hours"
        ]
        for h in (1.0, 4.0, 16.0)
    ]
    assert median[0] < median[1] < median[2]
