"""The `calibrate` command: fit a scenario's behavioural parameters to a company's figures.

`calibrate OBSERVED` reads either a TOML of observed figures (`examples/observed_company.toml`)
or a CRM export CSV with its column mapping (`--mapping examples/crm/hubspot_mapping.toml`),
fits the unobserved parameters by simulated method of moments with common random numbers
(`sim.calibration.fit`), prints the fitted values with 95% CIs and the fit table, and writes a folder
with `calibrated.toml`, ready for `compare`. Method and formats: docs/CALIBRATION.md.

Examples::

    python run.py calibrate examples/observed_company.toml --seed 1
    python run.py calibrate examples/crm/hubspot_export.csv --mapping examples/crm/hubspot_mapping.toml
    python run.py calibrate my_client.toml --scenario segregated --set n_reps=12 --json

As in every command (`sim.cli.common`): every input (the figures, the whole export, the base
scenario, the options) is checked before anything runs; bad input raises ParameterError (one
`error:` line naming file, row and column or key, exit code 2) and nothing is written.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.cli.common import (
    EXIT_OK,
    add_days_option,
    add_out_option,
    add_output_options,
    add_replications_option,
    add_seed_option,
    add_workers_option,
    align,
    check_options,
    command_line,
    new_results_folder,
    parse_set,
    removed_if_unused,
)
from sim.model.params import ParameterError

if TYPE_CHECKING:
    from sim.calibration.fit import Calibration
    from sim.calibration.observed import Observed

DEFAULT_BASE = "defined"  # the typical company of DESIGN.md section 4 (also sim.run's default)
# As sim.calibration.fit.DEFAULT_* (kept here so that --help does not import scipy and pandas; tested).
DEFAULT_REPLICATIONS, DEFAULT_DAYS, DEFAULT_MAX_EVALS, DEFAULT_STARTS, DEFAULT_COMPANIES = 4, 250, 40, 4, 40
MAX_REPLICATIONS = 200
MAX_EVALS_LIMIT = 10_000


def register_calibrate(subparsers: Any) -> None:
    """`calibrate OBSERVED`: fit behavioural parameters to observed figures or a CRM export."""
    p = subparsers.add_parser(
        "calibrate",
        help="fit a scenario to a company's observed figures or CRM export",
        description="Fit the unobserved behavioural parameters of a base scenario to a company's observed "
        "figures (a TOML file) or a CRM export (a CSV with --mapping) by simulated method of moments with "
        "common random numbers. Prints fitted values with 95%% CIs and the fit table, and writes "
        "calibrated.toml, fit.csv, parameters.csv, metadata.json and fit.png to a new folder. "
        "Formats and method: docs/CALIBRATION.md.",
        epilog="Example: python run.py calibrate examples/crm/hubspot_export.csv "
        "--mapping examples/crm/hubspot_mapping.toml",
    )
    p.add_argument("observed", type=Path, help="observed figures (.toml) or a CRM export (.csv)")
    p.add_argument("--mapping", type=Path, help="column mapping of a CRM export (.toml); needed for a .csv")
    p.add_argument(
        "--deals",
        type=Path,
        help="a deals file (.csv) joined to the export by id ([deals.columns] in the mapping)",
    )
    p.add_argument(
        "--scenario", default=DEFAULT_BASE, help="base scenario name or .toml file (default: %(default)s)"
    )
    p.add_argument(
        "--set", action="append", metavar="KEY=VALUE", help="a known parameter value, not fitted (repeatable)"
    )
    add_replications_option(
        p,
        default=DEFAULT_REPLICATIONS,
        help="replications per parameter point, same seeds at every point (default: %(default)s)",
    )
    add_days_option(p, default=DEFAULT_DAYS)
    add_seed_option(p)
    add_workers_option(p)
    p.add_argument(
        "--max-evals",
        type=int,
        default=DEFAULT_MAX_EVALS,
        help="parameter points the optimiser may evaluate, each R runs (default: %(default)s)",
    )
    p.add_argument(
        "--starts",
        type=int,
        default=DEFAULT_STARTS,
        help="Sobol' start points (default: %(default)s; 0: none)",
    )
    p.add_argument(
        "--companies",
        type=int,
        default=DEFAULT_COMPANIES,
        help="simulated companies (own seeds, own teams) for the moments' covariance, run at the start and "
        "at the fit (default: %(default)s)",
    )
    add_out_option(p)
    add_output_options(p)
    p.set_defaults(handler=handle_calibrate)


# ---------------------------------------------------------------------- checks
def check_calibrate_args(args: argparse.Namespace) -> None:
    """Raise ParameterError (one line: option, problem, allowed) before anything is read or run."""
    if not 1 <= args.replications <= MAX_REPLICATIONS:
        raise ParameterError(f"-n/--replications: got {args.replications}; allowed: 1 to {MAX_REPLICATIONS}")
    check_options(args, "days", "seed", "workers")
    if not 1 <= args.max_evals <= MAX_EVALS_LIMIT:
        raise ParameterError(f"--max-evals: got {args.max_evals}; allowed: 1 to {MAX_EVALS_LIMIT}")
    if not 0 <= args.starts <= 1024:
        raise ParameterError(f"--starts: got {args.starts}; allowed: 0 to 1024")
    if not 2 <= args.companies <= 10_000:
        raise ParameterError(f"--companies: got {args.companies}; allowed: 2 to 10000")
    check_options(args, "out")


def load_input(observed: Path, mapping: Path | None, deals: Path | None = None) -> Observed:
    """Observed figures from a TOML file, or moments from a CRM export (and deals file) and its mapping."""
    suffix = observed.suffix.lower()
    if deals is not None and (suffix != ".csv" or deals.suffix.lower() != ".csv"):
        raise ParameterError(
            f"--deals: {deals}: only a .csv deals file beside a .csv export; allowed: leave it out"
        )
    if suffix == ".csv":
        if mapping is None:
            raise ParameterError(
                f"{observed}: a CRM export needs --mapping; "
                "allowed: e.g. --mapping examples/crm/hubspot_mapping.toml"
            )
        from sim.calibration.crm import load_crm

        return load_crm(observed, mapping, deals)
    if suffix == ".toml":
        if mapping is not None:
            raise ParameterError(
                f"--mapping: {mapping}: only for a .csv export; allowed: leave it out for .toml"
            )
        from sim.calibration.observed import load_observed

        return load_observed(observed)
    raise ParameterError(
        f"{observed}: unknown input type; allowed: observed figures (.toml) or a CRM export (.csv)"
    )


# ---------------------------------------------------------------------- handler
def handle_calibrate(args: argparse.Namespace) -> int:
    """Check everything, fit, write the folder and report."""
    from sim.api import draw_seed, resolve_scenario

    check_calibrate_args(args)
    observed = load_input(args.observed, args.mapping, args.deals)
    base = resolve_scenario(args.scenario)
    overrides = parse_set(args.set)  # checked by calibrate() before any run
    seed = draw_seed() if args.seed is None else args.seed

    from sim.experiments.limits import check_days

    check_days(args.days)
    from sim.calibration.fit import calibrate
    from sim.reporting.calibration import default_calibrate_dir, write_calibration

    folder = new_results_folder(args, lambda out: default_calibrate_dir(observed.name, seed, out))
    with removed_if_unused(folder), _progress(args) as bar:
        result = calibrate(
            observed,
            base,
            overrides=overrides,
            replications=args.replications,
            days=args.days,
            seed=seed,
            max_evals=args.max_evals,
            starts=args.starts,
            companies=args.companies,
            workers=args.workers,
            on_run=bar.update,
        )
        write_calibration(result, folder, command_line(args))
    if args.json:
        print(json.dumps(json_report(result, folder), allow_nan=False))
    elif args.quiet:
        print(folder)
    else:
        print(text_report(result, folder, seed_given=args.seed is not None))
    return EXIT_OK


def _progress(args: argparse.Namespace) -> Any:
    """The shared run counter; a calibration cannot know its total, the optimiser decides it."""
    from sim.experiments.runner import progress_bar

    return progress_bar(None, not (args.json or args.quiet), desc="calibrate runs")


# ---------------------------------------------------------------------- reports
def _g(value: float) -> str:
    return "n/a" if value != value else f"{value:.4g}"  # NaN check without importing math


def text_report(result: Calibration, folder: Path, seed_given: bool) -> str:
    """What a person reads: setup, fitted parameters with CIs, the fit table, warnings, files."""
    from sim.reporting.calibration import calibrated_name

    seed_note = "" if seed_given else f"  (drawn at random; repeat with --seed {result.root_seed})"
    head = align(
        [
            ("Calibrated", f"{result.observed.name} ({result.observed.source}) on base {result.base.name!r}"),
            (
                "Runs",
                f"{len(result.seeds)} replications x {result.days} days, {result.companies} companies "
                f"for the covariance; {result.runs} runs",
            ),
            ("Root seed", f"{result.root_seed}{seed_note}"),
            ("Optimiser", f"{result.status}; Jacobian condition number {result.condition_number:.3g}"),
        ]
    )
    params = [("Fitted parameter", "value", "95% CI", "SE", "base")]
    params += [
        (e.name, _g(e.value), f"{_g(e.ci_low)} to {_g(e.ci_high)}", _g(e.se), _g(e.base))
        for e in result.estimates
    ]
    fit = [("Moment", "observed (95% CI)", "simulated (95% CI)", "residual", "company SD", "overlap")]
    for row in result.fit:
        low, high = row.observed.ci
        fit.append(
            (
                row.moment,
                f"{_g(row.observed.value)} ({_g(low)} to {_g(high)})",
                f"{_g(row.simulated)} ({_g(row.sim_ci_low)} to {_g(row.sim_ci_high)})",
                f"{row.residual:+.2f} SE",
                _g(row.scale),
                "yes" if row.overlap else "NO",
            )
        )
    parts = [head, align(params, right=(1, 3, 4), indent="  "), align(fit, right=(3, 4), indent="  ")]
    if result.observed.left_out:
        parts.append("\n".join(_left_out(result)))
    warnings = _warnings(result)
    if warnings:
        parts.append("\n".join(f"Warning: {w}" for w in warnings))
    toml = folder / "calibrated.toml"
    parts.append(
        f"Scenario: {toml} ({calibrated_name(result)})\n"
        f"Compare:  python run.py compare {toml} integrate_today --on {toml}\nResults:  {folder}"
    )
    return "\n\n".join(parts)


def _warnings(result: Calibration) -> list[str]:
    out = [_extreme(result, name) for name in result.extreme]
    out += [f"{e.name} is NOT IDENTIFIED: {e.unidentified}" for e in result.estimates if e.unidentified]
    out += [
        f"{e.name} is weakly identified: its CI spans much of its range"
        for e in result.estimates
        if e.weak and not e.unidentified
    ]
    out += [
        f"{r.moment}: the simulated and observed 95% CIs do not overlap" for r in result.fit if not r.overlap
    ]
    window = result.observed.months * 250 / 12  # working days the observed figures cover
    if abs(result.days - window) > 0.2 * window:
        out.append(
            f"--days {result.days} differs from the observed window ({window:.0f} working days): the "
            "between-company variance is measured over runs of --days, so the CIs fit that window; "
            f"use --days {window:.0f}"
        )
    return out


def _left_out(result: Calibration) -> list[str]:
    """What the input could not give, and the parameters that therefore keep the base's value."""
    from sim.calibration.fit import FIT_FOR

    lines = [f"Left out: {k}: {why}" for k, why in result.observed.left_out.items()]
    fitted = {e.name for e in result.estimates} | set(result.known)
    kept = dict.fromkeys(
        FIT_FOR[m] for m in result.observed.left_out if m in FIT_FOR and FIT_FOR[m] not in fitted
    )
    flat = result.scenario.params.flat()
    lines += [
        f"Not fitted: {p} keeps the base's {flat[p]:.4g} (no moment of the input identifies it)" for p in kept
    ]
    return lines


def _extreme(result: Calibration, name: str) -> str:
    moment = result.observed.moments[name]
    return (
        f"observed {name} is {moment.value:.0%} ({moment.value * moment.n:.0f} of {moment.n:.0f}): a rate "
        "of exactly 0 or 1 is rarely real; check the mapping (are lost deals mapped to lost in [stages] "
        "or [statuses]?)"
    )


def json_report(result: Calibration, folder: Path) -> dict[str, Any]:
    """The calibration as one JSON-ready object."""
    from sim.output import jsonable
    from sim.reporting.calibration import calibrated_name, fit_rows, parameter_rows

    return jsonable(
        {
            "observed": result.observed.source,
            "base_scenario": result.base.name,
            "calibrated_scenario": calibrated_name(result),
            "root_seed": result.root_seed,
            "replications": len(result.seeds),
            "days": result.days,
            "runs": result.runs,
            "optimiser_status": result.status,
            "jacobian_condition_number": result.condition_number,
            "parameters": parameter_rows(result),
            "fit": fit_rows(result),
            "warnings": _warnings(result),
            "left_out": result.observed.left_out,
            "companies": result.companies,
            "folder": str(folder),
            "scenario_file": str(folder / "calibrated.toml"),
        }
    )
