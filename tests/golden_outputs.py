"""Golden outputs: SHA-256 digests of a few short runs, to prove optimisations change no result.

Every case is a shipped scenario (its interventions included) run for a fixed number of days with
a fixed seed, sometimes with overrides that reach rarely used branches (rotation, ablations, a
bigger organisation). The digests cover every array of the daily record (`model.daily`), the
summary, the weekly and monthly tables, and every column of the final lead table, so any change
in the random numbers consumed or in the arithmetic shows up.

`tests/test_golden.py` recomputes them. To regenerate them deliberately (a change of results that
is explained in its commit message): `python tests/golden_outputs.py --update`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
GOLDEN_FILE = Path(__file__).resolve().parent / "golden" / "golden.json"
DAYS = 150
ALL_OFF = {
    name: False
    for name in (
        "awareness",
        "lead_scoring",
        "response_decay",
        "follow_up",
        "cherry_picking",
        "collateral",
        "menial_requests",
        "content_aging",
        "field_feedback",
        "meetings",
        "marketing_pay",
        "trust",
        "rotation",
        "hybrid_roles",
        "scripts",
    )
}

# name: (scenario, seed, days, overrides)
CASES: dict[str, tuple[str, int, int, dict[str, Any]]] = {
    "segregated": ("segregated", 11, DAYS, {}),
    "integrated": ("integrated", 12, DAYS, {}),
    "hybrid_small": ("hybrid_small", 13, DAYS, {}),
    "integrate_at_month_6": ("integrate_at_month_6", 14, DAYS, {}),
    "defined": ("defined", 15, DAYS, {}),
    "aligned": ("aligned", 16, DAYS, {}),
    "defined_rotation": ("defined", 17, DAYS, {"rotation_share": 0.1}),
    "segregated_sales_acceptance_batches": (
        "segregated",
        18,
        DAYS,
        {"lead_acceptance_by": "sales", "routing_interval_hours": 4.0},
    ),
    "defined_all_mechanisms_off": ("defined", 19, DAYS, ALL_OFF),
    "defined_5x": ("defined", 20, 60, {"n_reps": 100, "n_marketers": 30, "revenue_target_per_year": 1e8}),
}


def _digest(array: Any) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def _table_digests(table) -> dict[str, str]:
    return {str(c): _digest(table[c].to_numpy(dtype=float)) for c in table.columns}


def run_case(scenario: str, seed: int, days: int, overrides: dict[str, Any]):
    """Build and run one case's model through the public scenario loader."""
    from sim.model.model import SalesMarketingModel
    from sim.model.scenario import load_scenario

    resolved = load_scenario(scenario, overrides)
    model = SalesMarketingModel(resolved.params, seed=seed, interventions=resolved.interventions)
    return model.run(days)


def digests(model) -> dict[str, dict[str, str]]:
    """Digests of everything a run produces, grouped by output."""
    summary = model.summary()
    return {
        "daily": {name: _digest(np.asarray(v, dtype=np.float64)) for name, v in model.daily.items()},
        "summary": {
            "all": _digest(np.array([summary[k] for k in sorted(summary)])),
            "keys": ",".join(sorted(summary)),
        },
        "week": _table_digests(model.timeseries("week")),
        "month": _table_digests(model.timeseries("month")),
        "leads": {name: _digest(col[: model.leads.n]) for name, col in model.leads.cols.items()},
    }


def compute_all() -> dict[str, dict[str, dict[str, str]]]:
    """Digests of every case."""
    return {name: digests(run_case(*case)) for name, case in CASES.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="rewrite the golden file")
    args = parser.parse_args()
    computed = compute_all()
    if args.update:
        GOLDEN_FILE.parent.mkdir(exist_ok=True)
        GOLDEN_FILE.write_text(json.dumps(computed, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {GOLDEN_FILE}")
        return
    stored = json.loads(GOLDEN_FILE.read_text(encoding="utf-8"))
    bad = [
        f"{case}/{part}/{key}"
        for case in stored
        for part in stored[case]
        for key in stored[case][part]
        if computed.get(case, {}).get(part, {}).get(key) != stored[case][part][key]
    ]
    print("\n".join(bad) or "all golden outputs identical")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
