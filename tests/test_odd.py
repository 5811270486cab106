"""docs/ODD.md is complete and its generated tables are up to date with the code."""

from __future__ import annotations

import dataclasses
import importlib
import re
import subprocess
import sys

import pytest

from sim import odd
from sim.model import metrics
from sim.model.model import SalesMarketingModel
from sim.model.params import MECHANISMS, ChangeCost, Params, parameter_fields

TEXT = odd.ODD_PATH.read_text(encoding="utf-8")
GENERATED = re.compile(r"<!-- (\w+):start -->.*?<!-- \1:end -->", re.DOTALL)
PROSE = GENERATED.sub("", TEXT)


def test_generated_sections_are_up_to_date() -> None:
    assert odd.update_document(TEXT) == TEXT, "docs/ODD.md is stale: run python -m sim.odd"
    assert odd.main(["--check"]) == 0


def test_check_fails_on_a_stale_document_and_update_fixes_it(tmp_path) -> None:
    path = tmp_path / "ODD.md"
    path.write_text(TEXT.replace("| `n_reps` |", "| `n_reps_old` |"), encoding="utf-8")
    assert odd.main(["--check", "--path", str(path)]) == 1
    assert odd.main(["--path", str(path)]) == 0
    assert path.read_text(encoding="utf-8") == TEXT


@pytest.mark.parametrize("name", sorted(parameter_fields()))
def test_every_parameter_is_described_in_the_prose(name: str) -> None:
    assert f"`{name}`" in PROSE, f"{name} appears only in the generated table, not in a submodel"


def test_every_mechanism_has_a_submodels_heading() -> None:
    submodels = TEXT.split("\n## 7 Submodels", 1)[1].split("\n## ", 1)[0]
    headings = [line for line in submodels.splitlines() if line.startswith("### ")]
    for key, title in MECHANISMS.items():
        number = title.split(".", 1)[0]
        assert any(f"`{key}`" in h and h.startswith(f"### 7.{number} ") for h in headings), key


def test_output_table_raises_for_a_column_without_definition(monkeypatch) -> None:
    monkeypatch.setattr(metrics, "KPI_COLUMNS", (*metrics.KPI_COLUMNS, "fake_column"))
    with pytest.raises(ValueError, match="fake_column"):
        odd.output_table()


def test_output_columns_are_the_timeseries_columns() -> None:
    params = Params().with_values({"n_reps": 2, "n_marketers": 1})
    model = SalesMarketingModel(params, seed=1).run(2)
    assert tuple(model.timeseries().columns) == odd.output_columns()


def test_parameter_table_has_one_row_per_parameter() -> None:
    table = odd.parameter_table()
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert len(rows) == len(parameter_fields()) + len(dataclasses.fields(ChangeCost))  # and an intervention's


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(ChangeCost)])
def test_every_intervention_cost_key_is_described_in_the_prose(name: str) -> None:
    assert f"`{name}`" in PROSE


def test_the_model_does_not_import_the_documentation_tooling() -> None:
    code = "import sys, sim.model.model, sim.model.scenario; sys.exit('sim.odd' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_every_function_the_mechanism_table_names_exists() -> None:
    """The 'where each mechanism lives' table names real code: a renamed or removed function fails it."""
    start = TEXT.index("| § | mechanism | switch | module: functions |")
    rows = TEXT[start : TEXT.index("\n\n", start)].splitlines()[2:]
    missing = []
    for row in rows:
        for part in re.findall(r"`(\w+)\.py`: ([^;|]*)", row.split("|")[4]):
            module = importlib.import_module(f"sim.model.{part[0]}")
            for name in re.findall(r"`(\w+)`", part[1]):
                owner = SalesMarketingModel if part[0] == "model" else module
                if not hasattr(owner, name):
                    missing.append(f"{part[0]}.{name}")
    assert len(rows) == len(MECHANISMS) + 1  # the core pipeline, then one row per switch
    assert not missing
