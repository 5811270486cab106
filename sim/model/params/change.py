"""What an intervention costs: a one-off payment and a dip in working hours that fades.

Changing how sales and marketing work together is not free: consultants, training and systems are
paid once, and people work below their usual pace while they learn the new way. An intervention
carries these values next to its `day` (`change_cost`, `change_dip`, `change_dip_days` in a
scenario's `[[interventions]]` block); the defaults cost nothing, so an intervention without them
runs exactly as before. `sim.model.interventions` applies the dip; the payment is recorded as the
flow `change_cost`, and break-even (`sim.reporting.payback`) counts both.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.model.params.base import _Validated, param

CHANGE_SOURCE = (
    "Assumed. Change-management studies describe a temporary fall in performance after an "
    "organisational change before the gains arrive (the 'change curve'; Elrod and Tippett 2002, "
    "J. Organizational Change Management 15(3)); its size and length here are an analyst's "
    "assumption, to be set per client."
)


@dataclass(frozen=True)
class ChangeCost(_Validated):
    """The cost of one intervention: paid once on its day, and hours lost over the days after."""

    change_cost: float = param(
        0.0,
        0,
        1e10,
        unit="currency",
        plausible=(0.0, 500_000.0),
        label="One-off cost of the change",
        source="Paid once on the intervention's day (consultants, training, systems, moves). Plausible "
        "up to about 5% of the default 10 M yearly revenue target for a team of 26; none by default, "
        "so that an intervention costs only what its scenario says.",
    )
    change_dip: float = param(
        0.0,
        0,
        0.9,
        unit="share of hours",
        plausible=(0.0, 0.3),
        label="Hours lost to the change on its day",
        source="Share of every rep's and marketer's working hours lost on the intervention's day, "
        "fading linearly to none after `change_dip_days`. " + CHANGE_SOURCE,
    )
    change_dip_days: int = param(
        60,
        1,
        1000,
        unit="working days",
        plausible=(20, 125),
        label="Days until the dip is over",
        source="Working days over which `change_dip` fades to zero: about three months by default, "
        "one to six months plausible. " + CHANGE_SOURCE,
    )

    def dip_on(self, age: int) -> float:
        """Share of hours lost `age` working days after the change (0 on its day is the full dip)."""
        if self.change_dip == 0 or not 0 <= age < self.change_dip_days:
            return 0.0
        return self.change_dip * (1 - age / self.change_dip_days)
