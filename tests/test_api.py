"""The public Python API (sim.api): every function has an example that runs as a doctest, the
API makes what the commands make, and `import sim` reaches it without slowing the command.

The examples are the API reference's (docs/api.md): a stale one fails here, not in a reader's
notebook. They run from a scratch working folder, since a run without `out=` writes under
results/ there.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import json
import pkgutil
import sys
import tempfile
import types
from pathlib import Path

import pytest

import sim
import sim.api
from sim.api.folders import command_line
from sim.errors import NegsimError
from sim.jobs.run import RUN_OPTIONS
from tests import processes

MODULES = sorted(
    name for _, name, _ in pkgutil.iter_modules(sim.api.__path__, "sim.api.") if name != "sim.api.folders"
)
PUBLIC = sorted(sim.api.__all__)


def _examples(obj: object) -> list[doctest.Example]:
    found = doctest.DocTestParser().get_examples(inspect.getdoc(obj) or "")
    return [e for e in found if not e.options.get(doctest.SKIP)]


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_function_has_a_runnable_example(name: str) -> None:
    """The docs promise an example for every function; classes show theirs on their methods."""
    obj = getattr(sim.api, name)
    if isinstance(obj, types.FunctionType):
        assert _examples(obj), f"sim.api.{name} has no example in its docstring"
        assert inspect.getdoc(obj), f"sim.api.{name} has no docstring"
    else:
        assert inspect.isclass(obj) and inspect.getdoc(obj), f"sim.api.{name} needs a docstring"


@pytest.mark.parametrize("module", MODULES)
def test_the_examples_run(module: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the examples' scratch folders, removed after
    imported = importlib.import_module(module)
    tests = [t for t in doctest.DocTestFinder().find(imported, module) if t.examples]
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in tests:
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, f"{results.failed} example(s) of {module} failed (see the output above)"
    if module != "sim.api":  # the package's own docstring shows a notebook, not a doctest
        assert results.attempted > 0


def test_sim_reaches_every_api_name_and_nothing_else() -> None:
    """`sim.<name>` is the API's, never one of negsim's own modules of the same name (which
    would take its place once imported)."""
    modules = {name for _, name, _ in pkgutil.iter_modules(sim.__path__)}
    assert not modules & set(PUBLIC), "an API name that is also a module of sim"
    for name in PUBLIC:
        assert getattr(sim, name) is getattr(sim.api, name)
    assert set(PUBLIC) <= set(dir(sim))
    with pytest.raises(AttributeError):
        sim.no_such_name  # noqa: B018


def test_run_takes_exactly_the_options_of_negsim_run() -> None:
    """One list of options: the API's keywords, the manifest's record and the command's flags."""
    from sim.commands.run import run as run_command

    command = run_command.make_context("run", ["x.yaml"]).params  # every option at its default
    assert set(command) == set(RUN_OPTIONS)
    signature = inspect.signature(sim.run).parameters
    keywords = {("out_dir" if k == "out" else k): p.default for k, p in signature.items() if k != "file"}
    assert set(keywords) | {"file"} == set(RUN_OPTIONS)
    for name, default in keywords.items():
        assert default == command[name], (
            f"{name}: the API's default {default!r}, the command's {command[name]!r}"
        )


def test_the_recorded_command_line_gives_the_same_options() -> None:
    """The manifest's `command` of a folder made from Python, parsed by `negsim run` itself."""
    from sim.commands.run import run as run_command

    options = {"file": "x.yaml", "runs": 7, "rounds": 12, "seed": 3, "out_dir": "out", "plots": False}
    words = command_line("run", {**options, "workers": None, "dask": None, "chunk_size": 50})
    assert words[:2] == ["negsim", "run"]
    parsed = run_command.make_context("run", words[2:]).params
    assert parsed["runs"] == 7 and parsed["rounds"] == 12 and parsed["seed"] == 3
    assert parsed["plots"] is False and parsed["chunk_size"] == 50 and str(parsed["out_dir"]) == "out"
    assert str(parsed["file"]) == "x.yaml"


@pytest.mark.slow
def test_a_folder_made_from_python_reruns_identically_from_the_command_line(tmp_path: Path) -> None:
    result = sim.run("2024-12-mediation-paths", runs=40, rounds=24, out=tmp_path / "api", plots=False)
    assert result.manifest["invocation"]["command"] == "run"
    assert set(result.summary.index) == set(sim.load("2024-12-mediation-paths").variants)
    assert len(result.replications) == 40 * len(result.summary)
    done = processes.negsim("rerun", str(result.folder), cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "identical" in done.stdout


@pytest.mark.slow
def test_run_makes_what_the_command_makes(tmp_path: Path) -> None:
    """Same file, options and seed: the same summary, number for number."""
    api = sim.run("2024-12-mediation-paths", runs=60, out=tmp_path / "api", plots=False)
    done = processes.negsim(
        "run", "2024-12-mediation-paths", "--runs", "60", "--no-plots", "--out", str(tmp_path / "cli"),
        cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    mine = json.loads((api.folder / "summary.json").read_text())
    theirs = json.loads((tmp_path / "cli" / "summary.json").read_text())
    assert mine["paths"] == theirs["paths"]


def test_an_option_that_cannot_be_followed_names_its_keyword(tmp_path: Path) -> None:
    with pytest.raises(NegsimError) as caught:
        sim.run("2024-12-conditioned", rounds=1, out=tmp_path / "x", plots=False)
    assert "rounds=" in str(caught.value)
    assert not (tmp_path / "x").exists()


def test_a_missing_scenario_is_one_clear_error() -> None:
    problems = sim.validate("no-such-scenario")
    assert len(problems) == 1
    assert "examples" in (problems[0].suggestion or "")


def test_figure_draws_each_saved_plot_and_names_the_choices(tmp_path: Path) -> None:
    result = sim.run("2024-12-mediation-paths", runs=30, rounds=12, out=tmp_path / "r")
    assert set(result.plots) >= {"agreement", "terms", "survival", "trajectories"}
    figure = result.figure("agreement")
    assert figure.axes, "an empty figure"
    with pytest.raises(KeyError, match="agreement"):
        result.figure("no-such-plot")


def test_negotiation_and_replicate_agree_on_a_replication() -> None:
    """The Mesa model of replication r ends as row r of the batch engine's table."""
    table = sim.replicate("2024-12-mediation-paths", 4, "us_china_joint", rounds=24)
    for r in range(4):
        negotiation = sim.negotiation("2024-12-mediation-paths", "us_china_joint", replication=r, rounds=24)
        while negotiation.running:
            negotiation.step()
        assert (negotiation.outcome, negotiation.end_round) == tuple(table.loc[r, ["outcome", "end_round"]])


def test_fixed_values_move_what_replicate_finds() -> None:
    """A comparative static through the API: a far higher cost of war for both parties does not
    lower the share of agreements (docs/model.md: costs lower BATNAs and soften red lines)."""
    base = sim.replicate("2024-12-mediation-paths", 300, "no_mediation")
    costly = sim.replicate(
        "2024-12-mediation-paths",
        300,
        "no_mediation",
        values={"actors.ukraine.cost_of_war": 0.03, "actors.russia.cost_of_war": 0.03},
    )
    # same seed, same draws otherwise: the difference is the costs' own, not sampling noise
    assert (costly["outcome"] != "stalemate").mean() >= (base["outcome"] != "stalemate").mean()


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"seed": -1}, "seed="),
        ({"chunk_size": 0}, "chunk_size="),
        ({"workers": 0}, "workers="),
        ({"workers": 257}, "workers="),
        ({"runs": 0}, "runs="),
        ({"seed": 1.5}, "seed="),
    ],
)
def test_a_count_the_command_line_would_refuse_is_refused_by_keyword(
    options: dict[str, object], named: str, tmp_path: Path
) -> None:
    """What click's option types refuse on the command line, the API refuses too, by its keyword."""
    with pytest.raises(NegsimError) as caught:
        sim.run("2024-12-mediation-paths", out=tmp_path / "x", plots=False, **options)  # type: ignore[arg-type]
    assert str(caught.value).startswith(named)
    assert not (tmp_path / "x").exists()


def test_summarise_gives_a_row_of_the_run_summary(tmp_path: Path) -> None:
    """An in-memory summary has the columns of a run's summary table, and the same numbers for
    the same replications."""
    result = sim.run("2024-12-mediation-paths", runs=50, rounds=24, out=tmp_path / "r", plots=False)
    table = sim.replicate("2024-12-mediation-paths", 50, "no_mediation", rounds=24)
    row = sim.summarise("2024-12-mediation-paths", table, "no_mediation")
    expected = result.summary.loc["no_mediation"]
    for column in expected.index:
        assert row[column] == expected[column], column


def test_importing_the_api_loads_no_library_only_some_functions_need() -> None:
    """`import sim` in a notebook costs what a run needs, not SALib, scikit-learn, Mesa or
    matplotlib (about 1.3 s together), which are imported by the functions that use them."""
    probe = "import sys, sim.api; print(' '.join(sorted(sys.modules)))"
    done = processes.run([sys.executable, "-c", probe], timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.split())
    for heavy in ("SALib", "sklearn", "mesa", "matplotlib", "scipy.stats"):
        assert heavy not in loaded, f"import sim.api imports {heavy}"
