"""Writing a calibration: the calibrated scenario, the fit and parameter tables, metadata, a plot.

The folder `calibrate-<name>-<UTC stamp>-seed<N>/` holds:
- `calibrated.toml`: a self-contained scenario (every parameter written out, fitted ones with
  their CI in a comment), loadable by `sim.model.scenario.load_scenario` and runnable with `compare`;
- `fit.csv`: per moment, observed with its 95% CI, simulated at the fit with its CI, overlap;
- `parameters.csv`: per fitted parameter, base value, fitted value, SE and 95% CI;
- `metadata.json`: versions, git commit, the observed input, seeds, the command line;
- `fit.png`: observed vs simulated moments with their CIs.
Every file is written atomically (sim.output).
"""

from __future__ import annotations

import dataclasses
import json
import math
import shlex
from pathlib import Path
from typing import Any

from sim.calibration.fit import Calibration
from sim.model.params import GROUPS, parameter_fields
from sim.output import (
    RESULTS_DIR,
    atomic_write,
    atomic_write_csv,
    atomic_write_json,
    atomic_write_text,
    environment_metadata,
    results_dir,
    scenario_metadata,
    utc_now,
)

FILES: tuple[str, ...] = ("calibrated.toml", "fit.csv", "parameters.csv", "metadata.json", "fit.png")


def default_calibrate_dir(name: str, seed: int, base: Path = RESULTS_DIR) -> Path:
    """Create `<base>/calibrate-<name>-<UTC yyyymmdd-HHMMSS>-seed<N>` (-2, -3... if already taken)."""
    return results_dir("calibrate", name, seed, base)


# ---------------------------------------------------------------------- calibrated.toml
def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    return repr(float(value))


def _comment(name: str, cal: Calibration) -> str:
    estimate = next((e for e in cal.estimates if e.name == name), None)
    if estimate is not None:
        weak = ", NOT IDENTIFIED" if estimate.unidentified else ", weakly identified" if estimate.weak else ""
        return (
            f"  # fitted: 95% CI {estimate.ci_low:.4g} to {estimate.ci_high:.4g} "
            f"(SE {estimate.se:.3g}{weak}); {cal.base.name} has {estimate.base:.4g}"
        )
    if name in cal.known:
        return "  # known for this company (observed figures, [known] or --set)"
    return ""


def calibrated_toml(cal: Calibration) -> str:
    """The calibrated scenario as a self-contained TOML file (no `extends`)."""
    flat = cal.scenario.params.flat()
    lines = [
        f"# Calibrated by `run.py calibrate` to {cal.observed.source} on {utc_now():%Y-%m-%d} (UTC).",
        f"# Base scenario {cal.base.name!r}; {len(cal.seeds)} replications x {cal.days} days, root seed "
        f"{cal.root_seed}. Fit table: fit.csv next to this file.",
        f"name = {json.dumps(calibrated_name(cal))}",
        f"description = {json.dumps(_description(cal))}",
    ]
    for group, cls in GROUPS.items():
        lines += ["", f"[{group}]"]
        for f in dataclasses.fields(cls):
            lines.append(f"{f.name} = {_toml_value(flat[f.name])}{_comment(f.name, cal)}")
    lines += _interventions(cal)
    return "\n".join(lines) + "\n"


def calibrated_name(cal: Calibration) -> str:
    """The calibrated scenario's name: the company's name and `-calibrated`."""
    return f"{cal.observed.name}-calibrated"


def _description(cal: Calibration) -> str:
    fitted = ", ".join(e.name for e in cal.estimates)
    return f"{cal.observed.name}: {cal.base.name} with {fitted} fitted to observed figures"


def _interventions(cal: Calibration) -> list[str]:
    fields = parameter_fields()
    lines: list[str] = []
    for item in cal.base.interventions:
        lines += ["", "[[interventions]]", f"day = {item.day}"]
        description = getattr(item, "description", "")
        if description:
            lines.append(f"description = {json.dumps(description)}")
        for group in GROUPS:
            values = {k: v for k, v in item.values.items() if fields[k][0] == group}
            if values:
                lines.append(f"[interventions.{group}]")
                lines += [f"{k} = {_toml_value(v)}" for k, v in values.items()]
    return lines


# ---------------------------------------------------------------------- tables
def fit_rows(cal: Calibration) -> list[dict[str, Any]]:
    """fit.csv: one row per moment."""
    rows = []
    for row in cal.fit:
        low, high = row.observed.ci
        rows.append(
            {
                "moment": row.moment,
                "parameter": row.parameter,
                "observed": row.observed.value,
                "observed_se": row.observed.se,
                "observed_ci_low": low,
                "observed_ci_high": high,
                "observed_n": row.observed.n,
                "simulated": row.simulated,
                "simulated_ci_low": row.sim_ci_low,
                "simulated_ci_high": row.sim_ci_high,
                "residual_se": row.residual,
                "company_sd": row.scale,
                "residual_company_sd": row.residual_sd,
                "overlap": row.overlap,
            }
        )
    return rows


def parameter_rows(cal: Calibration) -> list[dict[str, Any]]:
    """parameters.csv: one row per fitted parameter."""
    return [
        {
            "parameter": e.name,
            "base": e.base,
            "fitted": e.value,
            "se": e.se,
            "ci_low": e.ci_low,
            "ci_high": e.ci_high,
            "search_low": e.low,
            "search_high": e.high,
            "at_bound": e.at_bound,
            "weakly_identified": e.weak,
            "not_identified": e.unidentified,
        }
        for e in cal.estimates
    ]


def metadata(cal: Calibration, argv: list[str]) -> dict[str, Any]:
    """Everything needed to repeat the calibration and to know what produced it."""
    return {
        "kind": "calibrate",
        "created_utc": utc_now().isoformat(timespec="seconds"),
        "command": shlex.join(argv),
        "observed": {
            "name": cal.observed.name,
            "source": cal.observed.source,
            "months": cal.observed.months,
            "figures": cal.observed.figures,
            "moments": {k: dataclasses.asdict(m) for k, m in cal.observed.moments.items()},
        },
        "known": cal.known,
        "base_scenario": scenario_metadata(cal.base),
        "calibrated_scenario": calibrated_name(cal),
        "root_seed": cal.root_seed,
        "seeds": cal.seeds,
        "replications": len(cal.seeds),
        "days": cal.days,
        "companies": cal.companies,
        "left_out": cal.observed.left_out,
        "extreme_rates": cal.extreme,
        "evaluations": cal.evaluations,
        "runs": cal.runs,
        "optimiser_status": cal.status,
        "jacobian_condition_number": cal.condition_number,
        "jacobian": cal.jacobian,
        "environment": environment_metadata(),
    }


def write_calibration(cal: Calibration, folder: Path, argv: list[str]) -> Path:
    """Write every file of FILES into `folder` (created), atomically."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / "calibrated.toml", calibrated_toml(cal))
    atomic_write_csv(folder / "fit.csv", fit_rows(cal))
    atomic_write_csv(folder / "parameters.csv", parameter_rows(cal))
    atomic_write_json(folder / "metadata.json", metadata(cal, argv))
    atomic_write(folder / "fit.png", lambda tmp: plot_fit(cal, tmp))
    return folder


# ---------------------------------------------------------------------- the plot
def plot_fit(cal: Calibration, path: Path) -> None:
    """One small panel per moment: observed and simulated values with their 95% CIs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(cal.fit)
    cols = min(n, 4)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.8 * rows), squeeze=False)
    for ax, row in zip(axes.flat, cal.fit, strict=False):
        low, high = row.observed.ci
        ax.errorbar(
            [0],
            [row.observed.value],
            yerr=[[row.observed.value - low], [high - row.observed.value]],
            fmt="o",
            color="black",
            capsize=4,
            label="observed",
        )
        sim_err = [[row.simulated - row.sim_ci_low], [row.sim_ci_high - row.simulated]]
        ax.errorbar(
            [1],
            [row.simulated],
            yerr=sim_err,
            fmt="s",
            color="tab:blue" if row.overlap else "tab:red",
            capsize=4,
            label="simulated",
        )
        ax.set_xticks([0, 1], ["observed", "simulated"])
        ax.set_xlim(-0.6, 1.6)
        ax.set_title(f"{row.moment}\n({row.parameter})", fontsize=9)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    fig.suptitle(f"{cal.observed.name}: observed vs simulated at the fit (95% CIs)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=110)
    plt.close(fig)
