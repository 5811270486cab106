"""Coverage of the calibration's 95% intervals, measured on synthetic companies with known truth.

Run on demand (not part of the tests):
    .venv/bin/python benchmarks/bench_calibration_coverage.py                # 30 companies
    .venv/bin/python benchmarks/bench_calibration_coverage.py --quick        # 8 companies, a smoke run

Each company draws the six fitted parameters from their plausible ranges (a Latin hypercube over
the companies, `sim.experiments.worlds.world_draws`) and its team size and budget from ranges of
small and mid-sized companies; it runs one year on `defined` without a first-contact SLA under its
own seed (its own people), is exported as a HubSpot-style CRM file, read back as a user's export
would be, and calibrated with R = 4 and K = 40 as the command does but a smaller optimiser budget
(`--max-evals 30`, `--starts 2`) to keep it affordable (the company's team, budget and SLA given as
known, as `--set` would). The share of true values inside the 95% CIs is reported per parameter
and overall, with a binomial 95% interval. Target: 90-98% overall, no parameter below 80%.

Per-company results are streamed to a JSON-lines file as they finish (`--out`), so a long run can
be watched and an interrupted one keeps what it did; the summary goes to the same folder.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from common import ROOT
from scipy.stats import binomtest

from sim.calibration.crm import load_crm
from sim.calibration.fit import calibrate
from sim.calibration.mapping import load_mapping
from sim.calibration.synthetic import export_from_leads
from sim.experiments.runner import default_executor, replication_seeds
from sim.experiments.worlds import Uncertainty, world_draws, world_values
from sim.model.model import SalesMarketingModel
from sim.model.params import parameter_fields
from sim.model.scenario import load_scenario

BASE = "defined"
FITTED = (
    "cost_per_inquiry",
    "mql_score_threshold",
    "reach_per_attempt",
    "inquiry_fit_mean",
    "base_win_rate",
    "rep_response_latency_hours",
)
COMPANY_RANGES = {"n_reps": (6, 16), "n_marketers": (2, 5), "marketing_budget_share": (0.05, 0.12)}
REVENUE_TARGET = 5_000_000.0
MAPPING = ROOT / "examples" / "crm" / "hubspot_mapping.toml"


def space() -> list[Uncertainty]:
    """The drawn values: the fitted parameters over their plausible ranges, then the company's size."""
    fields = parameter_fields()
    out = [Uncertainty(n, *map(float, fields[n][1].metadata["plausible"]), False) for n in FITTED]
    for name, (low, high) in COMPANY_RANGES.items():
        out.append(Uncertainty(name, low, high, isinstance(low, int)))
    return out


def company(values: dict[str, Any], seed: int, days: int, folder: Path) -> tuple[Path, dict[str, Any]]:
    """Run one company and write its CRM export; returns the export and what the company knows."""
    known = {k: values[k] for k in COMPANY_RANGES}
    known |= {"revenue_target_per_year": REVENUE_TARGET, "sla_first_contact_hours": 0.0}
    scenario = load_scenario(BASE).with_values({**known, **{n: values[n] for n in FITTED}})
    model = SalesMarketingModel(scenario.params, seed=seed).run(days)
    path = folder / f"company_{seed}.csv"
    export_from_leads(model.leads, model.hours_per_day, load_mapping(MAPPING)).to_csv(path, index=False)
    return path, known


def one(
    index: int, values: dict[str, Any], args: argparse.Namespace, pool: Any, folder: Path
) -> dict[str, Any]:
    """Calibrate company `index` and score its intervals against the truth."""
    seed = replication_seeds(args.seed, index + 1)[index]
    start = time.perf_counter()
    export, known = company(values, seed, args.days, folder)
    result = calibrate(
        load_crm(export, MAPPING),
        load_scenario(BASE),
        overrides=known,
        days=args.days,
        seed=seed + 1,
        max_evals=args.max_evals,
        starts=args.starts,
        companies=args.k,
        executor=pool,
    )
    rows = {
        e.name: {
            "truth": values[e.name],
            "fit": e.value,
            "se": e.se,
            "ci_low": e.ci_low,
            "ci_high": e.ci_high,
            "inside": bool(e.ci_low <= values[e.name] <= e.ci_high),
            "not_identified": e.unidentified,
        }
        for e in result.estimates
    }
    return {
        "company": index,
        "seed": seed,
        "known": known,
        "parameters": rows,
        "status": result.status,
        "runs": result.runs,
        "condition_number": result.condition_number,
        "seconds": time.perf_counter() - start,
    }


def summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Coverage per parameter and overall, each with a binomial (Clopper-Pearson) 95% interval."""
    out: dict[str, Any] = {}
    hits: list[bool] = []
    for name in FITTED:
        inside = [r["parameters"][name]["inside"] for r in records if name in r["parameters"]]
        hits += inside
        out[name] = _share(inside)
    out["overall"] = _share(hits)
    return out


def _share(inside: list[bool]) -> dict[str, float]:
    if not inside:
        return {"n": 0, "share": float("nan"), "ci_low": float("nan"), "ci_high": float("nan")}
    test = binomtest(int(sum(inside)), len(inside))
    ci = test.proportion_ci(confidence_level=0.95)
    return {"n": len(inside), "share": float(np.mean(inside)), "ci_low": ci.low, "ci_high": ci.high}


def main() -> None:
    """Draw, export, calibrate and score the companies; stream and summarise."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=30, help="synthetic companies (default: 30)")
    parser.add_argument("--quick", action="store_true", help="8 companies, a smoke run of the whole path")
    parser.add_argument(
        "--days", type=int, default=250, help="working days observed and simulated (default: 250)"
    )
    parser.add_argument(
        "--max-evals", type=int, default=30, help="optimiser points per calibration (default: 30)"
    )
    parser.add_argument("--starts", type=int, default=2, help="Sobol' starts per calibration (default: 2)")
    parser.add_argument(
        "-k", type=int, default=40, help="simulated companies for the covariance (default: 40)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench_calibration_coverage")
    args = parser.parse_args()
    n = 8 if args.quick else args.companies
    args.out.mkdir(parents=True, exist_ok=True)
    stream = args.out / "companies.jsonl"
    draws = world_draws(space(), args.seed, [n])
    load_before, start = os.getloadavg(), time.perf_counter()
    records = []
    with (
        default_executor(args.workers) as pool,
        tempfile.TemporaryDirectory() as tmp,
        stream.open("w") as out,
    ):
        for i in range(n):
            record = one(i, world_values(draws, i), args, pool, Path(tmp))
            records.append(record)
            out.write(json.dumps(record) + "\n")
            out.flush()
            inside = sum(p["inside"] for p in record["parameters"].values())
            print(
                f"company {i + 1}/{n}: {inside}/{len(record['parameters'])} inside, {record['seconds']:.0f} s"
            )
    result = {
        "companies": n,
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "coverage": summary(records),
        "wall_seconds": time.perf_counter() - start,
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "cpu_count": os.cpu_count(),
    }
    (args.out / "summary.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    for name, row in result["coverage"].items():
        print(
            f"{name:28s} {row['share']:6.0%}  ({row['ci_low']:.0%} to {row['ci_high']:.0%}, n = {row['n']})"
        )
    print(
        f"wall time {result['wall_seconds']:.0f} s; load average before {load_before}, "
        f"after {result['load_average_after']}"
    )


if __name__ == "__main__":
    main()
