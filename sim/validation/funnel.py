"""Pattern 2: a typical ("defined") company's funnel lies in industry benchmark ranges.

DESIGN.md section 4: MQL->SAL 40-60%, SAL->SQL 50-70%, SQL->won 20-30%. The model has no
acceptance step in its SAL count: its "SAL" is an MQL a rep reached, so the first two bands are
checked on MQL -> reached and reached -> SQL (`mql_to_sal`, `sal_to_sql`). These are loose
benchmarks, so they are plausibility bands, not targets: a stage passes when its mean over
replications lies in the band. The 95% interval (Student t over replications) is shown so a
reader can see whether the mean is safely inside or near an edge.
"""

from __future__ import annotations

from sim.experiments import stats
from sim.validation.core import Arm, Design, Pattern, Row, RunTable, Size, verdict

NAME = "funnel"
SOURCE = (
    "Loose industry benchmarks for B2B lead funnels (marketing-automation vendors' and analysts' "
    "published conversion rates), as collected in DESIGN.md section 4."
)
SHORT_SOURCE = "industry benchmarks"
TRUST = (
    "Low to moderate: vendor and analyst figures from convenience samples, with definitions of "
    "MQL, SAL and SQL that differ between companies; good for plausibility, not for calibration "
    "to any one company."
)
BANDS: dict[str, tuple[str, float, float]] = {
    "mql_to_sal": ("MQL -> reached (SAL)", 0.40, 0.60),
    "sal_to_sql": ("reached (SAL) -> SQL", 0.50, 0.70),
    "sql_to_won": ("SQL -> won", 0.20, 0.30),
}
ARM = Arm.of("defined")
FULL = Size(replications=10, days=500)
QUICK = Size(replications=3, days=250)


def design(quick: bool) -> Design:
    """The defined company, as shipped."""
    return Design((ARM,), QUICK if quick else FULL)


def evaluate(table: RunTable, quick: bool, seed: int) -> list[Row]:
    """One row per funnel stage: mean and CI over replications, pass when the mean is in the band."""
    size = QUICK if quick else FULL
    return [
        band_row(label, low, high, table.values(ARM, size, column))
        for column, (label, low, high) in BANDS.items()
    ]


def band_row(label: str, low: float, high: float, values) -> Row:
    """A stage's mean over replications against its plausibility band."""
    iv = stats.mean_ci(values)
    ok = low <= iv.mean <= high
    note = "plausibility band; mean over replications, Student t CI"
    target = f"{low:.2f}-{high:.2f} (share)"
    return Row(NAME, label, SHORT_SOURCE, target, iv.mean, iv.low, iv.high, verdict(ok), note, iv.n)


PATTERN = Pattern(
    name=NAME,
    title="Funnel of a typical (defined) company lies in benchmark ranges",
    source=SOURCE,
    short_source=SHORT_SOURCE,
    target="MQL->SAL 40-60 %, SAL->SQL 50-70 %, SQL->won 20-30 % (plausibility bands; SAL = reached)",
    trust=TRUST,
    design=design,
    evaluate=evaluate,
)
