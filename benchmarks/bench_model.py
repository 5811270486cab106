"""Model speed: one default run, and cost per simulated day as the organisation grows.

Run on demand (not part of the tests): `.venv/bin/python benchmarks/bench_model.py`.
Scaling multiplies the team (reps, marketers) and the revenue target together, so lead volume
grows with the organisation, as it would in a bigger company: 25x is 500 reps and 150
marketers with about a million leads a year.
"""

from __future__ import annotations

import argparse
import time

from common import Figure, cpu_timed, median

from sim.model.model import SalesMarketingModel
from sim.model.params import Params

DAYS = 500  # two simulated years of working days
SCALING_DAYS = 250  # one simulated year per scaling run
DEFAULT_TARGET_S = 0.25  # CPU seconds of one default run
# Cost per simulated day must grow slower than the organisation: 25x the size, under 25x the cost.


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


def time_run(params: Params, seed: int, days: int) -> tuple[float, int, float]:
    """CPU seconds of one run (construction and stepping), its leads, and its wall seconds."""
    model = None

    def run() -> None:
        nonlocal model
        model = SalesMarketingModel(params, seed=seed).run(days)

    start = time.perf_counter()
    seconds = cpu_timed(run)
    return seconds, model.leads.n, time.perf_counter() - start


def warm_up() -> None:
    """Imports, caches and the first allocations, kept out of every measurement."""
    SalesMarketingModel(Params(), seed=0).run(20)


def default_run(repeats: int = 9, days: int = DAYS) -> Figure:
    """(a) Median CPU time of one default run (two simulated years) and runs per second."""
    warm_up()
    runs = [time_run(Params(), seed, days) for seed in range(repeats)]
    seconds = median([cpu for cpu, _, _ in runs])
    return Figure(
        "default_run",
        f"(a) default run, {days} days: median CPU time",
        seconds,
        "s",
        f"<= {DEFAULT_TARGET_S} s",
        seconds <= DEFAULT_TARGET_S,
        {
            "runs_per_second": 1 / seconds,
            "repeats": repeats,
            "all_cpu_s": [cpu for cpu, _, _ in runs],
            "all_wall_s": [wall for _, _, wall in runs],
            "days": days,
        },
    )


def scaling(factors=(1, 5, 25), repeats: int = 3, days: int = SCALING_DAYS) -> Figure:
    """(b) Milliseconds per simulated day at each org size, and the largest's ratio to 1x."""
    warm_up()
    rows = []
    for factor in factors:
        runs = [time_run(scaled(factor), seed, days) for seed in range(repeats)]
        per_day_ms = median([t for t, _, _ in runs]) / days * 1e3
        leads_per_year = median([n for _, n, _ in runs]) * 250 / days
        p = scaled(factor).levers
        rows.append(
            {
                "factor": factor,
                "reps": p.n_reps,
                "marketers": p.n_marketers,
                "leads_per_year": leads_per_year,
                "ms_per_day": per_day_ms,
            }
        )
    for row in rows:
        row["cost_vs_1x"] = row["ms_per_day"] / rows[0]["ms_per_day"]
        row["size_vs_1x"] = row["factor"] / rows[0]["factor"]
    ratio, size = rows[-1]["cost_vs_1x"], rows[-1]["size_vs_1x"]
    return Figure(
        "scaling",
        f"(b) CPU per day, {factors[-1]}x org vs {factors[0]}x (sublinear)",
        ratio,
        "x",
        f"< {size:.0f}x" if size > 1 else "-",
        bool(ratio < size) if size > 1 else None,
        {"rows": rows, "days": days, "repeats": repeats},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 5, 25])
    parser.add_argument("--days", type=int, default=SCALING_DAYS, help="days per scaling run")
    args = parser.parse_args()
    default = default_run(args.repeats)
    print(default.line(), f"({default.detail['runs_per_second']:.2f} runs/s)")
    scale = scaling(tuple(args.factors), max(1, args.repeats // 3), args.days)
    print(f"{'org size':>8} {'reps':>6} {'marketers':>9} {'leads/year':>11} {'ms/day':>8} {'cost vs 1x':>10}")
    for row in scale.detail["rows"]:
        print(
            f"{row['factor']:>7}x {row['reps']:>6} {row['marketers']:>9} {row['leads_per_year']:>11,.0f} "
            f"{row['ms_per_day']:>8.3f} {row['cost_vs_1x']:>9.2f}x"
        )
    print(scale.line())


if __name__ == "__main__":
    main()
