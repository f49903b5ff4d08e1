"""The seminar notebooks: each runs from top to bottom, shows what it promises, uses only negsim's
public API (`import sim`), and is stored in git without outputs.

Every notebook is executed once per test session with nbclient, from an empty temporary folder, as
a student who installed negsim would run it: the notebooks find the shipped scenarios through the
API, not through a clone, and write nothing into the folder they run in. A probe cell appended to
the in-memory copy prints the notebook's key results as JSON, so the assertions check the values
the notebook computed, not only that it did not crash. The probes name variables of the
notebooks: renaming one there means updating the probe here.
"""

from __future__ import annotations

import ast
import html
import json
import math
import re
import time
from pathlib import Path
from typing import Any

import pytest

import sim.api
from sim.results.summary import wilson_interval
from sim.scenario.estimates import UNIT
from sim.scenario.loader import load_scenario
from sim.scenario.walk import iter_estimates

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
FLAGSHIP = ROOT / "scenarios" / "2024-12-mediation-paths.yaml"
EXPECTED = (
    "01-one-negotiation.ipynb",
    "02-from-quotes-to-parameters.ipynb",
    "03-mediation-paths.ipynb",
    "04-ripeness-exercise.ipynb",
)
# Per cell, not per notebook: generous because the machine may be busy with other work. Each
# notebook takes well under a minute on an idle 2-core machine; the times are reported, not asserted.
CELL_TIMEOUT = 300
PROBE_MARK = "NOTEBOOK-PROBE:"
OUTCOMES = ("agreement", "ceasefire", "breakdown", "stalemate")
PUBLIC = {*sim.api.__all__, "__version__"}  # what a notebook may use of negsim: `sim.<name>`
PLOTS = ["agreement", "durations", "events", "survival", "terms", "trajectories"]

PROBES = {
    "01-one-negotiation.ipynb": """
print("NOTEBOOK-PROBE:" + json.dumps({
    "outcome": model.outcome, "end_round": model.end_round, "rounds": model.rounds,
    "running": model.running, "months": [int(m) for m in sorted(history["month"].unique())],
    "terms": model.terms, "actors": len(list(model.agents)),
    "batch_outcome": str(table.loc[REPLICATION, "outcome"]),
    "batch_end_round": int(table.loc[REPLICATION, "end_round"]),
}))
""",
    "02-from-quotes-to-parameters.ipynb": """
print("NOTEBOOK-PROBE:" + json.dumps({
    "ukraine_rows": ukraine[["parameter", "basis", "quote or reason"]].to_dict("records"),
    "examples": {kind: {"sd": float(sample[key].std()), "mean": float(sample[key].mean()),
                        "basis": numbers.loc[key, "basis"]} for kind, key in EXAMPLES.items()},
    "versions": comparison.drop(columns="draws").reset_index().to_dict("records"),
    "runs": RUNS,
}))
""",
    "03-mediation-paths.ipynb": """
print("NOTEBOOK-PROBE:" + json.dumps({
    "summary": summary_table.reset_index().to_dict("records"),
    "few": few_table.reset_index().to_dict("records"),
    "agreed": {key: int(t["outcome"].eq("agreement").sum()) for key, t in tables.items()},
    "rows": {key: len(t) for key, t in tables.items()},
    "runs": RUNS, "few_runs": FEW, "same_runs": bool(same_runs), "width_ratio": width_ratio,
    "plots": sorted(plots), "first_run_folder": str(result.folder),
    "wilson": {key: [float(b) for b in wilson(share, RUNS)]
               for key, share in summary_table["agreement"].items()},
}))
""",
    "04-ripeness-exercise.ipynb": """
print("NOTEBOOK-PROBE:" + json.dumps({
    "grid": grid.drop(columns=["envelope says"], errors="ignore").to_dict("records"),
    "costs": COSTS, "parties": PARTIES,
    "baseline": baseline.reset_index().to_dict("records"),
}))
""",
}


def _outputs(cell: Any, kind: str | None = None) -> list[Any]:
    return [o for o in cell.get("outputs", []) if kind is None or o.get("output_type") == kind]


def _text(cell: Any) -> str:
    return "".join(o.get("text", "") for o in _outputs(cell, "stream") if o.get("name") == "stdout")


def _tagged(nb: Any, tag: str) -> Any:
    cells = [c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"expected one cell tagged {tag!r}, found {len(cells)}"
    return cells[0]


def _shows(page: str, text: str) -> bool:
    """Whether an HTML table shows `text`, escaped or not (pandas' Styler does not escape)."""
    return any(form in page for form in (text, html.escape(text), html.escape(text, quote=False)))


def _figures(cell: Any) -> list[str]:
    """The text/plain of every figure the cell displayed, e.g. '<Figure size 1400x900 with 6 Axes>'."""
    return [
        o["data"].get("text/plain", "")
        for o in cell.get("outputs", [])
        if o.get("output_type") in ("display_data", "execute_result") and "image/png" in o.get("data", {})
    ]


class Executed:
    def __init__(self, nb: Any, probe: dict[str, Any], seconds: float) -> None:
        self.nb, self.probe, self.seconds = nb, probe, seconds


_CACHE: dict[str, Executed] = {}


def _code_cells(name: str) -> list[Any]:
    return [c for c in nbformat.read(NOTEBOOKS / name, as_version=4).cells if c.cell_type == "code"]


def _python(source: str) -> ast.Module:
    """A code cell as Python: IPython's `%magic` and `!shell` lines are left out."""
    kept = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    return ast.parse("\n".join(kept))


@pytest.fixture(scope="module")
def run_notebook(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")

    def run(name: str) -> Executed:
        if name not in _CACHE:
            nb = nbformat.read(NOTEBOOKS / name, as_version=4)
            nb.cells.append(nbformat.v4.new_code_cell("import json\n" + PROBES[name]))
            workdir = tmp_path_factory.mktemp(Path(name).stem)  # empty, and outside any clone
            client = nbclient.NotebookClient(
                nb,
                timeout=CELL_TIMEOUT,
                kernel_name="python3",
                resources={"metadata": {"path": str(workdir)}},
            )
            started = time.perf_counter()
            client.execute()
            seconds = time.perf_counter() - started
            left = sorted(p.relative_to(workdir).as_posix() for p in workdir.glob("*/*"))
            wrote = [f"results/{FLAGSHIP.stem}"] if name == "03-mediation-paths.ipynb" else []
            assert left == wrote, f"{name} wrote into the folder it ran in: {left}"
            probe_text = _text(nb.cells[-1])
            assert PROBE_MARK in probe_text, f"{name}: the probe printed nothing"
            probe = json.loads(probe_text.split(PROBE_MARK, 1)[1])
            nb.cells.pop()
            _CACHE[name] = Executed(nb, probe, seconds)
            if reporter is not None and capture is not None:  # the time is reported, not asserted
                with capture.global_and_fixture_disabled():
                    reporter.write_line(f"\n{name} ran in {seconds:.1f} s")
        return _CACHE[name]

    return run


def test_notebooks_are_stored_without_outputs() -> None:
    """Outputs are stripped before committing: no outputs, no execution counts, no run metadata."""
    found = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    assert set(EXPECTED) <= set(found), f"missing notebooks: {set(EXPECTED) - set(found)}"
    for name in found:
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        nbformat.validate(nb)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            where = f"{name}, cell {cell.get('id')}"
            assert cell.outputs == [], f"{where} has stored outputs: clear them before committing"
            assert cell.execution_count is None, f"{where} has an execution count"
            assert "execution" not in cell.metadata, f"{where} has execution timing metadata"
        assert "widgets" not in nb.metadata, f"{name} stores widget state"


def test_notebooks_name_the_shipped_scenario_without_paths() -> None:
    """The notebooks name the flagship by its bare name, which the API finds in the installed
    package: no path of this machine, no climbing folders to a clone."""
    for name in EXPECTED:
        source = "\n".join(c.source for c in nbformat.read(NOTEBOOKS / name, as_version=4).cells)
        assert str(ROOT) not in source, f"{name} contains this machine's path"
        assert "repository_root" not in source, f"{name} looks for the repository"
        code = "\n".join(c.source for c in _code_cells(name))
        assert "scenarios/" not in code, f"{name} names a folder of the clone"
        assert "2024-12-mediation-paths" in code, f"{name} does not name the flagship"


def _internal_uses(source: str) -> list[str]:
    """What a code cell uses of negsim beyond `import sim` and the names of sim.api."""
    found = []
    for node in ast.walk(_python(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "sim":
            found.append(f"from {node.module} import ...")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "sim" and (alias.name != "sim" or alias.asname):
                    found.append(f"import {alias.name}" + (f" as {alias.asname}" if alias.asname else ""))
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "sim":
            if node.attr not in PUBLIC:
                found.append(f"sim.{node.attr}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
            called = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            if called in {"__import__", "import_module"}:
                found.append(f"{called}(...)")
    return found


def test_notebooks_use_only_the_public_api() -> None:
    """A notebook imports negsim only as `import sim`, and uses of it only the names of sim.api."""
    for name in EXPECTED:
        for cell in _code_cells(name):
            used = _internal_uses(cell.source)
            assert not used, f"{name}, cell {cell.get('id')} uses negsim's internals: {used}"


def test_the_public_api_check_catches_internals() -> None:
    """The check above fails on the ways the notebooks used to reach negsim's internals."""
    for source in (
        "from sim.plots import style",
        "from sim import api",
        "import sim.scenario.loader",
        "import sim as negsim",
        "import numpy, sim.model",
        "import sim\nsim.plots.style.RC",
        "import importlib\nimportlib.import_module('sim.seminar')",
    ):
        assert _internal_uses(source), source
    assert _internal_uses("%matplotlib inline\nimport sim, tempfile\nsim.run('x').figure('agreement')") == []


@pytest.mark.slow
def test_one_negotiation(run_notebook) -> None:
    run = run_notebook("01-one-negotiation.ipynb")
    p = run.probe
    assert p["outcome"] in OUTCOMES
    assert not p["running"]
    assert 1 <= p["end_round"] <= p["rounds"]
    # The DataCollector recorded the start and every month played, and nothing after the end.
    assert p["months"] == list(range(p["end_round"] + 1))
    # Replication r of the batch engine is replication r of the Mesa model.
    assert (p["batch_outcome"], p["batch_end_round"]) == (p["outcome"], p["end_round"])
    terms = list(p["terms"].values())
    if p["outcome"] == "agreement":
        assert all(0.0 <= t <= 1.0 for t in terms)
    else:
        assert all(math.isnan(t) for t in terms)

    printed = _text(_tagged(run.nb, "outcome"))
    match = re.match(r"(Agreement|Ceasefire|Breakdown|Stalemate) in month (\d+)", printed)
    assert match, f"no outcome line in {printed!r}"
    assert (match[1].lower(), int(match[2])) == (p["outcome"], p["end_round"])

    figures = _figures(_tagged(run.nb, "positions-figure"))
    assert len(figures) == 1
    issues = len(load_scenario(FLAGSHIP).variants["us_china_joint"].issues)
    assert f"with {issues + 1} Axes" in figures[0]  # a panel per issue and the BATNA panel


@pytest.mark.slow
def test_quotes_to_parameters(run_notebook) -> None:
    run = run_notebook("02-from-quotes-to-parameters.ipynb")
    p = run.probe
    scenario = load_scenario(FLAGSHIP).variants["no_mediation"]
    ukraine = {
        ".".join(map(str, path[2:])): estimate
        for path, estimate in iter_estimates(scenario)
        if path[:2] == ("actors", "ukraine")
    }
    rows = {row["parameter"]: row for row in p["ukraine_rows"]}
    assert set(rows) == set(ukraine), "the table must list every number of Ukraine, and only those"
    page = "".join(o["data"].get("text/html", "") for o in _tagged(run.nb, "evidence-table").outputs)
    for key, estimate in ukraine.items():
        assert rows[key]["basis"] == estimate.provenance
        quoted = estimate.evidence or estimate.context
        if quoted is not None:
            assert quoted.quote in rows[key]["quote or reason"]
            assert _shows(page, quoted.quote), f"quote of {key} not shown as in the file"
        if estimate.evidence is not None:  # the anchor the quote supports is shown beside it
            assert str(estimate.evidence.anchor) in rows[key]["quote or reason"]

    # One number of each basis, sampled with the spread of its basis pooled over the two coders.
    # Tolerance: 4,000 draws estimate an sd to about 1.1%, and cutting the normal at 0 and 1 narrows
    # these three by under 2% (each centre lies at least 3 sd from both ends): 6% in all.
    examples = p["examples"]
    sds = {}
    for kind, basis, key in (
        ("quoted", "evidence", "trust.china"),
        ("inferred", "inferred", "position.ceasefire"),
        ("assumed", "assumption", "clout"),
    ):
        assert examples[kind]["basis"] == basis
        sds[kind] = ukraine[key].spread_sd(UNIT)
        assert examples[kind]["sd"] == pytest.approx(sds[kind], rel=0.06)
    assert sds["quoted"] < sds["inferred"] < sds["assumed"]

    versions = {row["version"]: row for row in p["versions"]}
    assert len(versions) == 3
    pooled, first, second = versions.values()
    for row in versions.values():
        assert 0.0 <= row["95% low"] <= row["agreement share"] <= row["95% high"] <= 1.0
    assert pooled["runs whose outcome changed"] == 0
    line = ukraine["red_lines.territory.threshold"]
    assert first["mean of draws"] == pytest.approx(line.value, abs=0.01)  # 0.55 lies 4.5 sd from 1
    assert first["sd of draws"] == pytest.approx(0.10, rel=0.06)  # an inference alone (tolerance above)
    assert second["mean of draws"] < pooled["mean of draws"] < first["mean of draws"]
    assert pooled["sd of draws"] > max(first["sd of draws"], second["sd of draws"])  # disagreement widens
    # Same draws, a higher threshold in every replication: the first coder's stricter red line only
    # removes packages Ukraine would accept, and nothing else in a run depends on it.
    assert first["agreement share"] <= second["agreement share"]
    assert first["runs whose outcome changed"] > 0

    for tag in ("basis-figure", "histograms", "what-if"):
        assert _figures(_tagged(run.nb, tag)), f"no figure from the cell tagged {tag}"


@pytest.mark.slow
def test_mediation_paths(run_notebook) -> None:
    run = run_notebook("03-mediation-paths.ipynb")
    p = run.probe
    paths = load_scenario(FLAGSHIP).variants
    summary = {row["path"]: row for row in p["summary"]}
    assert set(summary) == set(paths), "one row per mediation path"
    for key, row in summary.items():
        assert p["rows"][key] == p["runs"] == row["replications"]
        assert 0.0 <= row["agreement_low"] <= row["agreement"] <= row["agreement_high"] <= 1.0
        # the table agrees with the saved runs it summarises
        assert row["agreement"] == pytest.approx(p["agreed"][key] / p["runs"])
        interval = wilson_interval(p["agreed"][key], p["runs"])
        assert (row["agreement_low"], row["agreement_high"]) == pytest.approx(interval)
        # the notebook's own Wilson formula (its "how many runs" curves) is the table's
        assert p["wilson"][key] == pytest.approx(interval)
        outcome_mix = row["agreement"] + sum(row[f"ended_{outcome}"] for outcome in OUTCOMES[1:])
        assert outcome_mix == pytest.approx(1.0)
        assert row["label"] == paths[key].label
    shares = [row["agreement"] for row in p["summary"]]
    assert shares == sorted(shares, reverse=True)

    # The in-memory runs are the first runs of the saved folder, and fewer runs give wider intervals.
    assert p["same_runs"] is True
    few = {row["path"]: row for row in p["few"]}
    for key in paths:
        assert set(summary[key]) <= set(few[key]), "the 100-run table has the columns of result.summary"
        assert few[key]["replications"] == p["few_runs"]
        width = summary[key]["agreement_high"] - summary[key]["agreement_low"]
        assert few[key]["agreement_high"] - few[key]["agreement_low"] > width
    # Square-root rule: 10x the runs, about sqrt(10) = 3.2x narrower. Wilson intervals at shares
    # near 0 and the sampling noise of 100-run shares move the ratio by a few tenths; 2.5..4 is
    # still far from 1 (no narrowing) and from 10 (proportional narrowing).
    assert p["runs"] == 10 * p["few_runs"]
    assert 2.5 < p["width_ratio"] < 4.0

    assert p["plots"] == PLOTS
    shown = sum(len(_figures(c)) for c in run.nb.cells if c.get("id", "").startswith("n03-plot-"))
    assert shown == len(PLOTS), "each saved plot is displayed"
    assert _figures(_tagged(run.nb, "interval-figure"))
    page = "".join(o["data"].get("text/html", "") for o in _tagged(run.nb, "summary-table").outputs)
    for scenario in paths.values():
        assert _shows(page, scenario.label)


@pytest.mark.slow
def test_mediation_paths_opens_with_five_lines(run_notebook) -> None:
    """The first code cell runs the flagship and shows its summary and agreement plot with the
    public API alone, in five lines at most (notebooks/README.md shows the same lines)."""
    first = _code_cells("03-mediation-paths.ipynb")[0]
    lines = [line for line in first.source.splitlines() if line.strip()]
    assert len(lines) <= 5, f"the opening cell has {len(lines)} lines"
    calls = {
        (node.func.value.id if isinstance(node.func.value, ast.Name) else "", node.func.attr)
        for node in ast.walk(_python(first.source))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    assert ("sim", "run") in calls, "the opening cell calls sim.run"
    assert ".summary" in first.source
    assert '.figure("agreement")' in first.source
    readme = (NOTEBOOKS / "README.md").read_text(encoding="utf-8")
    assert first.source.strip() in readme, "notebooks/README.md shows the opening cell as it is"

    run = run_notebook("03-mediation-paths.ipynb")
    executed = next(c for c in run.nb.cells if c.get("id") == first.get("id"))
    kinds = {kind for o in executed.outputs for kind in o.get("data", {})}
    assert "text/html" in kinds, "the summary is shown as a table"
    assert "image/png" in kinds, "the agreement plot is shown"
    page = "".join(o["data"].get("text/html", "") for o in executed.outputs if "data" in o)
    for scenario in load_scenario(FLAGSHIP).variants.values():
        assert _shows(page, scenario.label)
    # the folder it ran into is under results/ where the notebook ran, holding the run and its plots
    folder = Path(run.probe["first_run_folder"])
    assert not folder.is_relative_to(ROOT)
    assert sorted(png.stem for png in (folder / "plots").glob("*.png")) == PLOTS


def test_ripeness_exercise_hides_its_solution() -> None:
    """The solution is collapsed until a student opens it, in the file as committed."""
    nb = nbformat.read(NOTEBOOKS / "04-ripeness-exercise.ipynb", as_version=4)
    solutions = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    assert len(solutions) == 1
    hidden = solutions[0].metadata.get("jupyter", {})
    assert hidden.get("source_hidden") is True
    assert hidden.get("outputs_hidden") is True
    assert solutions[0] is nb.cells[-1], "the solution comes after the questions"
    questions = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "hidden" in questions and "## Questions" in questions


@pytest.mark.slow
def test_ripeness_exercise(run_notebook) -> None:
    run = run_notebook("04-ripeness-exercise.ipynb")
    p = run.probe
    costs, grid = p["costs"], p["grid"]
    assert sorted((c["ukraine_cost"], c["russia_cost"]) for c in grid) == sorted(
        (u, r) for u in costs for r in costs
    ), "one cell per pair of costs"
    for cell in grid:
        assert 0.0 <= cell["low"] <= cell["agreement"] <= cell["high"] <= 1.0
        mix = cell["agreement"] + cell["ceasefire"] + cell["breakdown"] + cell["stalemate"]
        assert mix == pytest.approx(1.0)
        assert cell["ripe month"] >= 0
    # The back-of-the-envelope month (start BATNA - value) / cost falls as a party's cost rises.
    for russia_cost in costs:
        months = [
            c["ripe month"]
            for c in sorted(grid, key=lambda c: c["ukraine_cost"])
            if c["russia_cost"] == russia_cost
        ]
        assert months == sorted(months, reverse=True)
    assert {row["index"] for row in p["baseline"]} == {"Ukraine", "Russia"}
    for row in p["baseline"]:
        ripe = row["month: compromise beats fighting"]
        expected = max(
            0.0, (row["BATNA at the start"] - row["value of the compromise"]) / row["cost per month"]
        )
        assert ripe == pytest.approx(expected)

    assert _figures(_tagged(run.nb, "one-run-figure"))
    heatmaps = _figures(_tagged(run.nb, "grid-figure"))
    assert len(heatmaps) == 1 and "with 3 Axes" in heatmaps[0]
    solution = _tagged(run.nb, "solution")
    assert solution.metadata["jupyter"]["source_hidden"] is True
    printed = _text(solution)
    for heading in (
        "1. Where agreement",
        "2. Ripe for what?",
        "3. Ripe, but no deal",
        "4. A way out",
        "5. Policy",
    ):
        assert heading in printed
