"""The comparison report: its numbers are the comparison's, its HTML stands alone, payback is right."""

from __future__ import annotations

import base64
import json
import math
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from sim.experiments.compare import compare
from sim.experiments.runner import replication_seeds
from sim.reporting import formats, render, report, sections, sentences
from sim.reporting import payback as pay

REPLICATIONS, DAYS, SEED = 4, 200, 9  # small, yet past the intervention on day 126


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """segregated vs integrate_at_month_6, run in this process and written as the CLI would."""
    folder = tmp_path_factory.mktemp("report")
    result = compare(
        ["segregated", "integrate_at_month_6"],
        replications=REPLICATIONS,
        seed=SEED,
        days=DAYS,
        workers=1,
        folder=folder,
    )
    report.write_comparison(result, folder, ["run.py", "compare", "segregated", "integrate_at_month_6"])
    return result, folder


# ---------------------------------------------------------------------- numbers match comparison.csv
NUMBER = r"[-+]?[\d,]+(?:\.\d+)?"
REVENUE_SENTENCE = re.compile(
    rf"\*\*(?P<b>\w+)\*\* earned (?P<size>{NUMBER})(?P<unit>| M| k) (?P<dir>more|less) revenue over .*? "
    rf"than \*\*(?P<a>\w+)\*\* \(95% CI (?P<low>{NUMBER}) to (?P<high>{NUMBER})(?P<ci_unit>| M| k), "
    rf"(?P<uplift>[-+][\d.]+)%\), across (?P<n>\d+) paired replications"
)
SCALE = {" M": 1e6, " k": 1e3, "": 1.0}


def parsed(text: str) -> float:
    return float(text.replace(",", ""))


def decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def assert_shown(text: str, unit: str, value: float) -> None:
    """`text` is `value` rounded to the digits shown (in the unit shown)."""
    step = 10 ** -decimals(text) * SCALE[unit]
    assert abs(parsed(text) * SCALE[unit] - value) <= step / 2 + 1e-9 * abs(value), (text, unit, value)


def test_headline_sentence_numbers_are_those_of_comparison_csv(written):
    _, folder = written
    md = (folder / "report.md").read_text()
    table = pd.read_csv(folder / "comparison.csv")
    row = table[(table["kpi"] == "revenue") & (table["scenario"] == "integrate_at_month_6")].iloc[0]
    m = REVENUE_SENTENCE.search(md)
    assert m, md[:2000]
    assert (m["b"], m["a"], int(m["n"])) == ("integrate_at_month_6", "segregated", row["n"])
    sign = 1 if m["dir"] == "more" else -1
    assert_shown(m["size"], m["unit"], sign * row["difference"])
    ends = sorted(sign * np.array([row["difference_ci_low"], row["difference_ci_high"]]))
    assert_shown(m["low"], m["ci_unit"], ends[0])
    assert_shown(m["high"], m["ci_unit"], ends[1])
    assert abs(float(m["uplift"]) - 100 * row["uplift"]) <= 0.5


def test_kpi_table_row_matches_comparison_csv(written):
    _, folder = written
    md = (folder / "report.md").read_text()
    table = pd.read_csv(folder / "comparison.csv").set_index(["kpi", "scenario"])
    row = table.loc[("deals_won", "integrate_at_month_6")]
    line = next(x for x in md.splitlines() if x.startswith("| Deals won |"))
    numbers = [parsed(n) for n in re.findall(r"[-+]?[\d,]+(?:\.\d+)?", line)]
    expected = [
        row["baseline_mean"],
        row["baseline_ci_low"],
        row["baseline_ci_high"],
        row["scenario_mean"],
        row["scenario_ci_low"],
        row["scenario_ci_high"],
        row["difference"],
        row["difference_ci_low"],
        row["difference_ci_high"],
    ]
    for shown, value in zip(numbers, expected, strict=False):  # then uplift, p, d_z
        assert abs(shown - value) <= 0.5 + 0.05 * (abs(value) < 100), (line, value)


def test_report_markdown_is_what_was_written(written):
    result, folder = written
    assert report.report_markdown(result) == (folder / "report.md").read_text()


# ---------------------------------------------------------------------- payback
def slow_break_even(diffs: list[float], days: list[int]) -> float:
    """The definition, written the obvious way: last non-positive point, then the next day."""
    if diffs[-1] <= 0:
        return math.nan
    last_bad = max((i for i, v in enumerate(diffs) if v <= 0), default=-1)
    return float(days[last_bad + 1])


def test_break_even_days_follow_the_definition():
    days = [5, 10, 15, 20, 25, 30]
    cases = {
        "dips back below zero": [0, -1, 2, -1, 3, 4],
        "positive from the start": [1, 2, 3, 4, 5, 6],
        "ends below zero": [1, 2, 3, 2, 1, -1],
        "ends at zero": [0, 0, 0, 0, 0, 0],
        "turns positive at the end": [-5, -4, -3, -2, -1, 0.5],
    }
    curves = pd.DataFrame(cases, index=pd.Index(days, name="day"))
    got = pay.break_even_days(curves)
    for name, diffs in cases.items():
        want = slow_break_even(diffs, days)
        assert (math.isnan(got[name]) and math.isnan(want)) or got[name] == want, name


def test_payback_recomputed_from_the_written_timeseries(written):
    result, folder = written
    series = pd.read_parquet(folder / "timeseries.parquet")
    (payback,) = pay.paybacks(result)
    for rep in range(REPLICATIONS):
        rows = series[series["replication"] == rep]
        a = rows[rows["scenario"] == "segregated"].sort_values("day")
        b = rows[rows["scenario"] == "integrate_at_month_6"].sort_values("day")
        cum = np.cumsum(b["revenue"].to_numpy() - a["revenue"].to_numpy())
        want = slow_break_even(list(cum), list(a["day"]))
        got = payback.break_even[rep]
        assert (math.isnan(got) and math.isnan(want)) or got == want
    md = (folder / "report.md").read_text()
    assert "When does the change pay back?" in md
    iv = payback.interval()
    if payback.n_break_even:
        assert f"break-even on working day {iv.mean:,.0f} on average" in md
    assert (folder / "plots" / "payback_1.png").is_file()


def test_no_break_even_is_said_in_words():
    days = pd.Index([5, 10, 15], name="day")
    curves = pd.DataFrame({0: [-1.0e5, -2.0e5, -3.0e5], 1: [1.0e5, -1.0e5, -2.0e5]}, index=days)
    payback = pay.Payback("a", "b", curves, pay.break_even_days(curves), [(3, "change")])
    text = pay.payback_sentence(payback, 15)
    assert "none of the 2 paired replications breaks even within the horizon of 15 working days" in text


def test_some_replications_not_breaking_even_are_counted():
    days = pd.Index([5, 10, 15], name="day")
    curves = pd.DataFrame({0: [-1.0, 2.0, 3.0], 1: [1.0, 2.0, 3.0], 2: [1.0, -1.0, -2.0]}, index=days)
    payback = pay.Payback("a", "b", curves, pay.break_even_days(curves))
    text = pay.payback_sentence(payback, 15)
    assert "in 2 of 3 paired replications; 1 do not break even within 15 working days" in text


# ---------------------------------------------------------------------- content
def test_report_says_what_was_compared_and_how_it_differs(written):
    _, folder = written
    md = (folder / "report.md").read_text()
    assert "Segregated for six months, then integrated" in md  # the scenario's description
    assert "None: all scenarios start with the same parameter values." in md
    assert "changes 14 values from working day 126 (integrate sales and marketing)" in md
    assert "| `sla_first_contact_hours` | 0 | 2 |" in md
    for caveat in ("A model, not a forecast", "What it leaves out", "docs/ODD.md"):
        assert caveat in md


def test_stability_warning_is_shown(written):
    result, folder = written
    assert result.warning  # 4 replications are too few
    assert result.warning in (folder / "report.md").read_text()
    assert result.warning in (folder / "report.html").read_text()


def test_lever_table_lists_the_levers_that_differ():
    from sim.model.scenario import load_scenario

    blocks = sections.lever_table([load_scenario("segregated"), load_scenario("integrated")])
    md = render.render_markdown(blocks)
    assert "| `routing_interval_hours` | h | 8 | 0 |" in md
    assert "`n_reps`" not in md  # same in both


# ---------------------------------------------------------------------- HTML
class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_html_is_self_contained_with_embedded_plots(written):
    _, folder = written
    page = (folder / "report.html").read_text()
    parser = _Tags()
    parser.feed(page)
    tags = parser.tags
    assert not any(t in ("script", "link", "iframe") for t, _ in tags)
    assert "http://" not in page and "https://" not in page
    images = [a["src"] for t, a in tags if t == "img"]
    assert len(images) == len(sections.FIGURES) + 1  # plus the payback plot
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "@media print" in page
    assert "<strong>integrate_at_month_6</strong> earned" in page


def test_inline_markup_is_escaped_then_formatted():
    assert (
        render.inline_html("**a** <b> `x_y` *i*")
        == "<strong>a</strong> &lt;b&gt; <code>x_y</code> <em>i</em>"
    )


# ---------------------------------------------------------------------- files and metadata
def test_every_file_is_written_with_its_content(written):
    result, folder = written
    for name in report.REPORT_FILES:
        assert (folder / name).is_file(), name
    summary = pd.read_csv(folder / "summary.csv")
    assert len(summary) == 2 * REPLICATIONS
    series = pd.read_parquet(folder / "timeseries.parquet")
    assert {"run_id", "scenario", "replication", "seed", "period", "day", "revenue"} <= set(series.columns)
    assert len(series) == 2 * REPLICATIONS * DAYS // 5
    meta = json.loads((folder / "metadata.json").read_text())
    assert meta["root_seed"] == SEED
    assert meta["seeds"] == replication_seeds(SEED, REPLICATIONS)
    assert meta["days"] == DAYS
    assert meta["command"] == "run.py compare segregated integrate_at_month_6"
    assert [s["name"] for s in meta["scenarios"]] == ["segregated", "integrate_at_month_6"]
    assert meta["scenarios"][1]["interventions"][0]["day"] == 126
    assert meta["scenarios"][0]["params"]["routing_interval_hours"] == 8.0
    assert "mesa" in meta["environment"]["packages"] and "commit" in meta["environment"]["git"]


# ---------------------------------------------------------------------- formats
@pytest.mark.parametrize(
    ("value", "text"),
    [(12_345_678, "12.3 M"), (1_234_567, "1.23 M"), (456_789, "457 k"), (4_567, "4.6 k"), (-12, "-12")],
)
def test_money_has_about_three_significant_digits(value, text):
    assert formats.fmt_money(value) == text


def test_horizon_in_words():
    assert formats.horizon_words(500) == "two years (500 working days)"
    assert formats.horizon_words(200) == "200 working days (0.8 years)"


def test_negative_and_unclear_revenue_differences_read_correctly():
    row = pd.Series(
        {
            "kpi": "revenue",
            "baseline": "a",
            "scenario": "b",
            "n": 10,
            "difference": -1.5e6,
            "difference_ci_low": -2.5e6,
            "difference_ci_high": 0.2e6,
            "uplift": -0.1,
        }
    )
    text = sentences.revenue_sentence(row, 500)
    assert "earned 1.50 M less revenue" in text
    assert "(95% CI -0.20 to 2.50 M, -10%)" in text
    assert "interval includes zero" in text


def test_year_length_is_the_models():
    from sim.model.model import WORKING_DAYS_PER_YEAR

    assert formats.YEAR_DAYS == WORKING_DAYS_PER_YEAR


# ---------------------------------------------------------------------- one replication, the method
def test_one_replication_says_that_no_interval_exists_instead_of_nan():
    nan = math.nan
    row = pd.Series(
        {
            "kpi": "revenue",
            "baseline": "a",
            "scenario": "b",
            "n": 1,
            "difference": 1.5e6,
            "difference_ci_low": nan,
            "difference_ci_high": nan,
            "uplift": 0.1,
            "scenario_mean": 2.0e6,
            "baseline_mean": 0.5e6,
        }
    )
    texts = [
        sentences.revenue_sentence(row, 500),
        sentences.kpi_sentence(row),
        sentences.kpi_sentence(row.replace({"revenue": "win_rate"})),
        formats.fmt_with_ci("money", 1.5e6, nan, nan),
        formats.fmt_with_ci("count", 12.0, nan, nan, sign=True),
        formats.fmt_interval("share", nan, nan),
    ]
    for text in texts:
        assert formats.NO_INTERVAL in text and "nan" not in text.lower(), text
    assert "across 1 paired replication." in texts[0]
    curves = pd.DataFrame({0: [-1.0, 2.0, 3.0]}, index=pd.Index([5, 10, 15], name="day"))
    text = pay.payback_sentence(pay.Payback("a", "b", curves, pay.break_even_days(curves)), 15)
    assert text.count(formats.NO_INTERVAL) == 2 and "nan" not in text.lower()


def test_report_names_the_interval_method_and_levels_stay_above_zero(written):
    result, folder = written
    md = (folder / "report.md").read_text()
    assert "on the log scale of the mean" in md and "logit scale" in md
    levels = result.comparison
    assert (levels[["baseline_ci_low", "scenario_ci_low"]] >= 0).all().all()
    shares = levels[levels["kpi"].isin(["win_rate", "selling_time_share"])]
    assert (shares[["baseline_ci_high", "scenario_ci_high"]] <= 1).all().all()


def test_costed_break_even_counts_the_one_off_cost_in_words():
    days = pd.Index([5, 10, 15], name="day")
    curves = pd.DataFrame({0: [-1.0e5, 2.0e5, 3.0e5], 1: [-2.0e5, 1.0e5, 2.0e5]}, index=days)
    payback = pay.Payback("a", "b", curves, pay.break_even_days(curves), [], 250_000.0, 1_234.0)
    text = pay.payback_sentence(payback, 15)
    assert "cumulative difference of revenue less one-off costs at the end" in text
    assert "one-off cost of 250 k" in text and "1,234 working hours" in text
    assert pay.payback_record(payback)["change_cost"] == 250_000.0


def test_figures_drawn_by_two_processes_are_the_same_files_byte_for_byte(written, tmp_path, monkeypatch):
    from sim.experiments import runner

    pools = []

    def recorded(workers):
        pools.append(workers)
        return make_pool(workers)

    make_pool = runner.default_executor
    monkeypatch.setattr(runner, "default_executor", recorded)
    result, _ = written
    alone = report.write_figures(result, tmp_path / "alone", workers=1)
    assert pools == []  # one worker: drawn here
    shared = report.write_figures(result, tmp_path / "shared", workers=2)
    assert pools == [len(report.FIGURE_GROUPS)]  # two: drawn by a pool of one process a group
    assert [p.name for p in shared] == [p.name for p in alone] and len(alone) >= 6
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(alone, shared, strict=True))
