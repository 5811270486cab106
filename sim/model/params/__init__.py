"""Model parameters (sim/model/params/levers.py for now; the split by table follows)."""

from sim.model.params.levers import (
    FIXED_DURING_RUN,
    GROUPS,
    LEAD_JUDGES,
    MECHANISMS,
    PAY_BASIS_REVENUE_WEIGHT,
    Intervention,
    Levers,
    Market,
    Mechanisms,
    ParameterError,
    Params,
    group_of,
    param,
    parameter_fields,
    suggest,
)

__all__ = [
    "FIXED_DURING_RUN",
    "GROUPS",
    "LEAD_JUDGES",
    "MECHANISMS",
    "PAY_BASIS_REVENUE_WEIGHT",
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
