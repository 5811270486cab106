"""Draw docs/steady_state.png: four years of each stage's trust and yearly revenue.

The figure of docs/VALIDATION.md, "Steady state": after the burn-in, segregated's trust levels
off instead of collapsing, and each stage's revenue is flat from year to year, so a two-year
result does not depend on the horizon. Three seeds per stage::

    .venv/bin/python scripts/plot_steady_state.py [--out docs/steady_state.png] [--years 4]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import sim  # noqa: E402
from sim.model.demand import WORKING_DAYS_PER_YEAR  # noqa: E402

STAGES = ("segregated", "defined", "aligned", "integrated")
SEEDS = (1, 2, 3)


def main() -> None:
    """Run each stage for the years asked, three seeds, and save the two panels."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/steady_state.png"))
    parser.add_argument("--years", type=int, default=4)
    args = parser.parse_args()
    days = args.years * WORKING_DAYS_PER_YEAR
    fig, (trust_ax, revenue_ax) = plt.subplots(1, 2, figsize=(11, 4))
    years = np.arange(1, args.years + 1)
    for stage in STAGES:
        runs = [sim.run(stage, seed=seed, days=days).model.daily for seed in SEEDS]
        trust = np.mean([r["trust_sales_in_marketing"] for r in runs], axis=0)
        (line,) = trust_ax.plot(np.arange(days) / WORKING_DAYS_PER_YEAR, trust, lw=1, label=stage)
        revenue = np.mean([np.reshape(r["revenue"], (args.years, -1)).sum(axis=1) for r in runs], axis=0)
        revenue_ax.plot(years, revenue / 1e6, "o-", color=line.get_color(), label=stage)
    trust_ax.set(xlabel="year", ylabel="trust of sales in marketing", ylim=(0, 1), title="Trust, daily")
    revenue_ax.set(xlabel="year", ylabel="revenue (M)", title="Revenue by year", xticks=years)
    revenue_ax.set_ylim(bottom=0)
    trust_ax.legend(frameon=False)
    fig.suptitle(f"Each stage from its steady state: {args.years} years after burn-in, {len(SEEDS)} seeds")
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(args.out)


if __name__ == "__main__":
    main()
