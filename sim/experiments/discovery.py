"""Scenario discovery: which assumptions a comparison's ranking hinges on.

Over plausible worlds (`sim.experiments.worlds`) an arm may beat the baseline in most worlds but
not all. Scenario discovery (Bryant and Lempert 2010; the EMA Workbench's PRIM and CART) looks for
a simple box of the drawn assumptions in which the cases of interest concentrate. Here the cases
are the worlds in which the arm does *not* beat the baseline on a KPI; when there are too few of
those to learn from (it wins nearly everywhere), the worlds in which its gain is below the median,
so the answer names what the size of the gain rests on. The box is the purest leaf of a shallow
classification tree (CART, scikit-learn's DecisionTreeClassifier, fixed random_state, so the same
worlds give the same box), read back as threshold rules.

With a few dozen worlds and many assumptions, a box is a pointer to check (for example with
`--set` at both ends of its range), not proof: the report says how many worlds it rests on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MIN_WORLDS = 8  # below this no tree is fitted: too few worlds to split
MIN_CASES = 3  # fewer "not better" worlds than this: study the weaker half instead
MAX_DEPTH = 2  # a box of at most two rules stays readable
TOP_IMPORTANCES = 6


@dataclass(frozen=True)
class Rule:
    """One side of a split: `name <= threshold` (below) or `name > threshold`."""

    name: str
    below: bool
    threshold: float

    def text(self) -> str:
        """The rule as `name <= 0.31`."""
        return f"{self.name} {'<=' if self.below else '>'} {self.threshold:.3g}"


@dataclass(frozen=True)
class Discovery:
    """Where the cases of interest concentrate among the drawn worlds."""

    baseline: str
    scenario: str
    kpi: str
    case: str  # "not better" or "weaker half"
    n_worlds: int
    n_cases: int
    rules: tuple[Rule, ...]  # the box; empty when no split separates the cases
    in_box: int  # worlds in the box
    cases_in_box: int
    importances: tuple[tuple[str, float], ...]  # the tree's impurity decrease per assumption, top first

    @property
    def density(self) -> float:
        """Share of the box's worlds that are cases."""
        return self.cases_in_box / self.in_box if self.in_box else float("nan")

    @property
    def coverage(self) -> float:
        """Share of all cases that lie in the box."""
        return self.cases_in_box / self.n_cases if self.n_cases else float("nan")


def cases(uplifts: pd.Series) -> tuple[str, np.ndarray]:
    """The worlds to explain: those where the arm is not better, else those with the smaller gains."""
    not_better = (uplifts <= 0).to_numpy()
    if not_better.sum() >= MIN_CASES:
        return "not better", not_better
    return "weaker half", (uplifts < uplifts.median()).to_numpy()


def discover(
    draws: pd.DataFrame, uplifts: pd.Series, baseline: str, scenario: str, kpi: str = "revenue"
) -> Discovery | None:
    """Fit a shallow CART tree of the cases on the drawn assumptions and read back its purest box.

    Args:
        draws: One row per world (index: world = replication), one column per drawn assumption.
        uplifts: Per replication, the arm's KPI over the baseline's minus 1 (higher: better).
        baseline: The baseline's name.
        scenario: The arm's name.
        kpi: The KPI the uplifts are of.

    Returns:
        None with fewer than MIN_WORLDS worlds or no drawn assumption; else the box.
    """
    from sklearn.tree import DecisionTreeClassifier

    common = draws.index.intersection(uplifts.index)
    if len(common) < MIN_WORLDS or draws.columns.empty:
        return None
    x = draws.loc[common].to_numpy(dtype=float)
    case, y = cases(uplifts.loc[common])
    names = list(draws.columns)
    if y.all() or not y.any():
        return Discovery(baseline, scenario, kpi, case, len(y), int(y.sum()), (), len(y), int(y.sum()), ())
    tree = DecisionTreeClassifier(
        max_depth=MAX_DEPTH, min_samples_leaf=max(2, len(y) // 8), random_state=0
    ).fit(x, y)
    rules, members = _purest_box(tree, x, names)
    order = np.argsort(-tree.feature_importances_, kind="stable")[:TOP_IMPORTANCES]
    importances = tuple(
        (names[i], float(tree.feature_importances_[i])) for i in order if tree.feature_importances_[i] > 0
    )
    return Discovery(
        baseline,
        scenario,
        kpi,
        case,
        len(y),
        int(y.sum()),
        rules,
        int(members.sum()),
        int(y[members].sum()),
        importances,
    )


def _purest_box(tree, x: np.ndarray, names: list[str]) -> tuple[tuple[Rule, ...], np.ndarray]:
    """The leaf with the highest share of cases (ties: more cases), as rules and a member mask."""
    t = tree.tree_
    case_column = list(tree.classes_).index(True)
    leaves = tree.apply(x)
    best, best_key = 0, (-1.0, -1)
    for leaf in np.unique(leaves):
        counts = t.value[leaf][0] * t.weighted_n_node_samples[leaf]
        key = (float(t.value[leaf][0][case_column]), int(round(counts[case_column])))
        if key > best_key:
            best, best_key = int(leaf), key
    return _path_rules(t, best, names), leaves == best


def _path_rules(t, leaf: int, names: list[str]) -> tuple[Rule, ...]:
    """The splits from the root down to `leaf` (scikit-learn sends `x <= threshold` left)."""
    parent: dict[int, tuple[int, bool]] = {}
    for node in range(t.node_count):
        if t.children_left[node] != -1:
            parent[int(t.children_left[node])] = (node, True)
            parent[int(t.children_right[node])] = (node, False)
    rules: list[Rule] = []
    node = leaf
    while node in parent:
        up, left = parent[node]
        rules.append(Rule(names[t.feature[up]], left, float(t.threshold[up])))
        node = up
    return tuple(reversed(rules))
