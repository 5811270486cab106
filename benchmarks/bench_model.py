"""Model speed: one default run, and cost per simulated day as the organisation grows.

Run on demand (not part of the tests): `.venv/bin/python benchmarks/bench_model.py`.
Scaling multiplies the team (reps, marketers) and the revenue target together, so lead volume
grows with the organisation, as it would in a bigger company.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

from sim.model import SalesMarketingModel
from sim.params import Params

DAYS = 500  # two simulated years of working days


def scaled(factor: int) -> Params:
    """Default parameters with the team and the revenue target multiplied by `factor`."""
    base = Params()
    return base.with_values(
        {
            "n_reps": base.levers.n_reps * factor,
            "n_marketers": base.levers.n_marketers * factor,
            "revenue_target_per_year": base.market.revenue_target_per_year * factor,
        }
    )


def time_run(params: Params, seed: int, days: int) -> tuple[float, int]:
    """Wall time of one run and the number of leads it created."""
    start = time.perf_counter()
    model = SalesMarketingModel(params, seed=seed).run(days)
    return time.perf_counter() - start, model.leads.n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 10])
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    time_run(Params(), 0, 20)  # warm-up: imports, caches
    rows = []
    for factor in args.factors:
        runs = [time_run(scaled(factor), seed, DAYS) for seed in range(args.repeats)]
        median = statistics.median(t for t, _ in runs)
        leads = statistics.median(n for _, n in runs)
        rows.append((factor, median, leads))
    base_cost = rows[0][1] / DAYS
    print(
        f"{'org size':>8} {'reps':>6} {'median run (s)':>15} {'runs/s':>7} {'ms/day':>7} "
        f"{'leads/run':>10} {'cost vs 1x':>10}"
    )
    for factor, median, leads in rows:
        reps = Params().levers.n_reps * factor
        per_day = median / DAYS
        print(
            f"{factor:>7}x {reps:>6} {median:>15.3f} {1 / median:>7.2f} {per_day * 1e3:>7.3f} "
            f"{leads:>10,.0f} {per_day / base_cost:>9.1f}x"
        )


if __name__ == "__main__":
    main()
