"""Pattern 3: the structure effect, after Kotler, Rackham and Krishnaswamy (HBR 2006).

Integrated sales and marketing earn more than segregated ("undefined") ones. The check is the
revenue difference integrated minus segregated over paired replications (common random numbers):
it passes when the difference's 95% CI lies above zero. The steps in between (defined over
segregated, aligned over defined, integrated over aligned) are shown as informational rows: the
source orders the stages but says nothing of the size of each step.
"""

from __future__ import annotations

from sim.experiments import stats
from sim.validation.core import INFO, UP, Arm, Design, Pattern, Row, RunTable, Size, difference_row

NAME = "structure"
SOURCE = (
    'Kotler, P., Rackham, N. and Krishnaswamy, S. (2006). "Ending the War Between Sales and '
    'Marketing". Harvard Business Review 84(7/8).'
)
SHORT_SOURCE = "Kotler et al. 2006 (HBR)"
TRUST = (
    "Qualitative: a framework from the authors' consulting cases and interviews, with no measured "
    "effect sizes. Good for the direction (integration helps), silent on how much."
)
STAGES: tuple[str, ...] = ("segregated", "defined", "aligned", "integrated")
FULL = Size(replications=10, days=500)
QUICK = Size(replications=3, days=250)


def design(quick: bool) -> Design:
    """The four Kotler stages as shipped."""
    return Design(tuple(Arm.of(s) for s in STAGES), QUICK if quick else FULL)


def evaluate(table: RunTable, quick: bool, seed: int) -> list[Row]:
    """The headline check, then each stage step as information."""
    size = QUICK if quick else FULL
    seg, integ = table.paired(Arm.of("segregated"), Arm.of("integrated"), size, "revenue")
    headline = "revenue: integrated - segregated"
    note = _note(seg, stats.paired_difference(seg, integ))
    rows = [difference_row(NAME, headline, SHORT_SOURCE, "> 0 (95% CI above zero)", seg, integ, UP, note)]
    for lower, upper in zip(STAGES, STAGES[1:], strict=False):
        a, b = table.paired(Arm.of(lower), Arm.of(upper), size, "revenue")
        diff = stats.paired_difference(a, b)
        step = diff.difference
        rows.append(
            Row(
                NAME,
                f"revenue: {upper} - {lower}",
                SHORT_SOURCE,
                "> 0 (ordering of the stages; shown, not checked)",
                step.mean,
                step.low,
                step.high,
                INFO,
                _note(a, diff),
                step.n,
            )
        )
    return rows


def _note(a, diff: stats.PairedDifference) -> str:
    return f"paired over replications; uplift {100 * diff.uplift:+.0f} % on a mean of {a.mean():,.0f}"


PATTERN = Pattern(
    name=NAME,
    title="Integrated sales and marketing earn more than segregated ones",
    source=SOURCE,
    short_source=SHORT_SOURCE,
    target="revenue integrated > segregated, paired 95% CI of the difference above zero",
    trust=TRUST,
    design=design,
    evaluate=evaluate,
)
