"""The seminar's building blocks without a browser: what a slider or switch changes, and that
the page, the notebooks and `negsim run` see the same numbers for the same seed."""

from __future__ import annotations

import sys
from dataclasses import replace

import numpy as np
import pytest

from sim.cli import main
from sim.errors import NegsimError
from sim.model.mesa_model import NegotiationModel
from sim.runner.chunks import plan_chunks, run_chunk
from sim.seminar.assumptions import Assumptions, central_value
from sim.seminar.evidence import basis_of, evidence_html
from sim.seminar.levers import LEVERS, defaults, moved
from sim.seminar.replicate import replicate
from sim.seminar.setup import FILE_ENV, SNAPSHOTS, Setup, snapshots
from tests.conftest import SCENARIOS, SEEDS


@pytest.fixture(scope="module")
def december() -> Setup:
    return Setup.start(SNAPSHOTS["December 2024"])


def test_untouched_setup_reproduces_negsim_run(december: Setup) -> None:
    """No slider moved: the in-memory run is row for row the batch engine's `negsim run` table."""
    scenario = december.scenario
    page = replicate(scenario, 300, seed=december.seed, assumptions=december.assumptions_for(scenario))
    [chunk] = plan_chunks(december.path, scenario, 300, scenario.run.rounds, december.seed, chunk_size=300)
    engine = run_chunk(chunk).replications
    assert page["outcome"].tolist() == engine["outcome"].tolist()
    assert np.array_equal(page["end_round"], engine["end_round"])


def test_a_moved_slider_fixes_its_number_on_every_path_that_has_it(december: Setup) -> None:
    moved = replace(december, levers={**december.levers, "russia_cost": 0.02, "mediator_bias": 0.9})
    for name, scenario in moved.paths.items():
        values = moved.assumptions_for(scenario).values
        assert values["actors.russia.cost_of_war"] == 0.02
        # the bias lever exists only where a mediator proposes
        assert ("mediation.bias" in values) == bool(scenario.mediation.mediators), name


def test_a_slider_left_alone_keeps_the_scenarios_uncertainty(december: Setup) -> None:
    assert december.moved == {}
    assert december.assumptions_for(december.scenario).values == {}


def test_changing_path_returns_sliders_to_that_paths_values(december: Setup) -> None:
    moved = replace(december, levers={**december.levers, "mediator_bias": 0.9}, switches={"veto": False})
    joint = moved.on_path("us_china_joint")
    assert joint.levers == defaults(joint.scenario)
    assert joint.switches == {"veto": False}  # switches are about the model, they stay
    assert joint.seed == moved.seed


def test_the_step_by_step_model_uses_the_moved_slider(december: Setup) -> None:
    moved = replace(december, levers={**december.levers, "ukraine_red_line": 0.95})
    model = moved.model()
    ukraine = model.params.actors.index("ukraine")
    territory = model.params.issues.index("territory")
    assert model.params.red_threshold[0, ukraine, territory] == 0.95
    assert december.model().params.red_threshold[0, ukraine, territory] != 0.95


def test_a_switch_turns_a_mechanism_off(december: Setup) -> None:
    off = replace(december, switches={"costs": False})
    model = off.model()
    for _ in range(5):
        model.step()
    assert model.negotiation.mechanisms.costs is False
    assert np.all(model.state.accumulated_cost == 0)


def test_mesa_model_with_fixed_values_equals_the_batch_row(december: Setup) -> None:
    """The page's model and its many-runs comparison apply an assumption identically."""
    scenario = december.scenario
    assumptions = Assumptions(values={"actors.russia.cost_of_war": 0.02})
    table = replicate(scenario, 3, seed=december.seed, assumptions=assumptions)
    for r in range(3):
        model = NegotiationModel(
            scenario, seed=december.seed, replication=r, explored=dict(assumptions.values)
        )
        while model.running:
            model.step()
        assert model.outcome == table["outcome"][r]
        assert model.end_round == table["end_round"][r]


def test_bad_assumptions_get_a_clear_message(december: Setup) -> None:
    with pytest.raises(NegsimError, match=r"did you mean `actors\.russia\.cost_of_war`"):
        Assumptions(values={"actors.russia.cost_of_wr": 0.01}).apply(december.scenario)
    with pytest.raises(NegsimError, match="expected a value in"):
        Assumptions(values={"actors.russia.clout": 1.5}).apply(december.scenario)
    with pytest.raises(NegsimError, match="unknown mechanism"):
        Assumptions(mechanisms={"vetoo": False}).apply(december.scenario)


def test_every_lever_names_a_number_of_the_shipped_scenarios() -> None:
    for file in SNAPSHOTS.values():
        setup = Setup.start(file)
        for lever in LEVERS:
            if lever.name == "mediator_bias":
                continue  # only on paths with a mediator; checked above
            assert lever.default(setup.scenario) is not None, (file.name, lever.path)


def test_evidence_panel_shows_the_quote_verbatim_from_the_article(december: Setup) -> None:
    basis = basis_of(december.scenario, "actors.united_states.position.ceasefire")
    assert basis.kind == "evidence" and basis.quote and "South China Morning Post" in (basis.source or "")
    if SEEDS.is_dir():
        articles = " ".join(" ".join(p.read_text(encoding="utf-8").split()) for p in SEEDS.glob("*.txt"))
        assert " ".join(basis.quote.split()) in articles
    # the anchor it supports, with the definition the issue gives it
    assert basis.anchor == "0: an immediate ceasefire on today's lines, talks after"
    assert "Anchor it supports" in evidence_html(basis) and "talks after" in evidence_html(basis)


def test_evidence_panel_shows_an_inference_with_its_context_and_both_coders(december: Setup) -> None:
    basis = basis_of(december.scenario, "actors.united_states.leverage.ukraine")
    assert basis.kind == "inferred" and basis.reason and basis.quote  # the quote kept as context
    assert basis.anchor is None  # context supports no anchor
    assert [c.coder for c in basis.codings] == ["coder-a", "coder-b"]
    assert basis.disputed  # 0.12 against 0.216: more than half as large again
    shown = evidence_html(basis)
    assert "Context (relates to the number, does not state it)" in shown
    assert "The coders disagree widely" in shown and "coder-b" in shown and "0.216" in shown
    plain = basis_of(december.scenario, "dynamics.perception_noise")
    assert not plain.codings and "coder" not in evidence_html(plain)


def test_app_refuses_a_bad_scenario_before_starting_a_server(tmp_path, monkeypatch, capsys) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nactors:\n  russia: {clout: 3}\n", encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["negsim", "app", str(bad), "--port", "0"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    stderr = capsys.readouterr().err
    assert stderr.startswith("error: ") and str(bad) in stderr and "Traceback" not in stderr


def test_a_file_given_to_the_app_opens_first(monkeypatch) -> None:
    own = SCENARIOS / "2023-04-mediation-paths.yaml"
    monkeypatch.setenv(FILE_ENV, str(own))
    assert list(snapshots()) == ["December 2024", "April 2023"]  # a shipped file keeps its name
    custom = SCENARIOS / "actors" / "2024-12.yaml"
    monkeypatch.setenv(FILE_ENV, str(custom))
    assert next(iter(snapshots())) == "2024-12.yaml"


def test_a_slider_starts_on_its_grid_and_a_half_step_is_no_move(december: Setup) -> None:
    # Ukraine's cost of war is the mean of two coders' values, 0.0085, off the slider's grid of
    # 0.001: the slider starts on the nearest grid point, and that position is not a move.
    lever = next(lever for lever in LEVERS if lever.name == "ukraine_cost")
    own = lever.default(december.scenario)
    mean = central_value(december.scenario, lever.path)
    assert own is not None and mean is not None
    assert abs(own / lever.step - round(own / lever.step)) < 1e-9
    assert abs(own - mean) <= lever.step / 2 + 1e-12
    assert moved(december.scenario, {"ukraine_cost": own}) == {}
    assert moved(december.scenario, {"ukraine_cost": own + lever.step}) == {"ukraine_cost": own + lever.step}
