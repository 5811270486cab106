"""Model parameters: market uncertainties, organisational levers and mechanism switches.

The split follows the EMA Workbench: `Market` (market.py; customers.py after the sale) holds what a
company cannot choose (uncertainties), `Levers` (levers.py) what management sets (policies), `Mechanisms`
(mechanisms.py) switches each mechanism on or off (ablation). `Params` (inputs.py) bundles the
three; an `Intervention` changes values from a day on and may cost something (`ChangeCost`,
change.py); base.py holds the declaration and validation they share. A parameter's field name is
also its scenario key, sweep key and output column.

Everything is re-exported here, so callers import from `sim.model.params` and need not know
which table a name lives in.
"""

from sim.model.params.base import ParameterError, param, suggest
from sim.model.params.change import ChangeCost
from sim.model.params.customers import Market
from sim.model.params.inputs import GROUPS, Intervention, Params, group_of, parameter_fields
from sim.model.params.levers import (
    ASSUMED_LEVERS,
    FIXED_DURING_RUN,
    LEAD_JUDGES,
    PAY_BASIS_REVENUE_WEIGHT,
    Levers,
)
from sim.model.params.mechanisms import MECHANISMS, Mechanisms

__all__ = [
    "ASSUMED_LEVERS",
    "FIXED_DURING_RUN",
    "GROUPS",
    "LEAD_JUDGES",
    "MECHANISMS",
    "PAY_BASIS_REVENUE_WEIGHT",
    "ChangeCost",
    "Intervention",
    "Levers",
    "Market",
    "Mechanisms",
    "ParameterError",
    "Params",
    "group_of",
    "param",
    "parameter_fields",
    "suggest",
]
