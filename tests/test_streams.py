"""What-if runs compare cleanly: a file that extends a comparison shares its random draws.

The streams are keyed by the name of the file that first defined the mediation paths (or by
`run.streams`), not by the name of the file that was run; so a what-if that changes one number
on one path leaves every other path's results exactly as they were.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.errors import NegsimError
from sim.results.stream import PARAMETERS, REPLICATIONS, read_table
from sim.scenario.loader import load_scenario
from tests.conftest import FLAGSHIP, negsim_main, write_result

SMALL = ["--runs", "60", "--rounds", "24", "--workers", "1", "--no-plots"]
CHANGED = "us_china_joint"
WHAT_IF = f"""extends: {FLAGSHIP}
name: what-if-costlier-war-for-russia
variants:
  {CHANGED}:
    actors:
      russia:
        cost_of_war: {{value: 0.02, assumption: "what if the war cost Russia four times as much?"}}
"""


def run_folder(folder: Path, scenario: Path) -> Path:
    return write_result(folder, "run", str(scenario), *SMALL)


@pytest.fixture(scope="module")
def base_and_what_if(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    scratch = tmp_path_factory.mktemp("what-if")
    what_if = scratch / "what-if.yaml"
    what_if.write_text(WHAT_IF)
    return run_folder(scratch / "base", FLAGSHIP), run_folder(scratch / "what-if", what_if)


def test_a_what_if_inherits_the_streams_of_the_file_it_extends() -> None:
    flagship = load_scenario(FLAGSHIP)
    assert {s.streams_key for s in flagship.variants.values()} == {flagship.name}


def test_unchanged_paths_of_a_what_if_give_exactly_the_base_results(
    base_and_what_if: tuple[Path, Path],
) -> None:
    base, what_if = base_and_what_if
    paths = [p for p in json.loads((base / "summary.json").read_text())["paths"] if p != CHANGED]
    assert len(paths) == 5
    for table in (REPLICATIONS, PARAMETERS):
        for path in paths:
            before, after = read_table(base, table, path=path), read_table(what_if, table, path=path)
            pd.testing.assert_frame_equal(before, after, check_exact=True)
    summaries = [json.loads((f / "summary.json").read_text()) for f in base_and_what_if]
    assert summaries[0]["streams"] == summaries[1]["streams"] == "2024-12-mediation-paths"


def test_the_changed_path_differs_only_where_the_change_reaches(base_and_what_if: tuple[Path, Path]) -> None:
    """Same draws: every other sampled parameter of the changed path is identical, and the
    change itself shows in its outcomes."""
    before, after = (read_table(f, PARAMETERS, path=CHANGED) for f in base_and_what_if)
    changed = [c for c in before.columns if not before[c].equals(after[c])]
    assert changed == ["actors.russia.cost_of_war"]
    outcomes = [read_table(f, REPLICATIONS, path=CHANGED)["outcome"] for f in base_and_what_if]
    assert not outcomes[0].equals(outcomes[1])


def test_run_streams_asks_for_draws_of_its_own(tmp_path: Path) -> None:
    independent = tmp_path / "independent.yaml"
    independent.write_text(WHAT_IF + "run:\n  streams: fresh-draws\n")
    scenario = load_scenario(independent)
    assert {s.streams_key for s in scenario.variants.values()} == {"fresh-draws"}
    base = run_folder(tmp_path / "base", FLAGSHIP)
    other = run_folder(tmp_path / "other", independent)
    path = "no_mediation"
    assert not read_table(base, PARAMETERS, path=path).equals(read_table(other, PARAMETERS, path=path))


def test_a_new_comparison_keys_the_streams_by_its_own_name(tmp_path: Path) -> None:
    """A file that defines paths of its own (extending a snapshot, which has none) starts its own
    streams, as before."""
    own = tmp_path / "own.yaml"
    own.write_text(f"extends: {FLAGSHIP.parent / 'actors' / '2024-12.yaml'}\nname: my-comparison\n"
                   "variants:\n  direct: {label: Direct talks}\n")  # fmt: skip
    assert load_scenario(own).variants["direct"].streams_key == "my-comparison"


def test_a_streams_key_must_be_a_plain_name(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(WHAT_IF + "run:\n  streams: ../elsewhere\n")
    with pytest.raises(NegsimError) as caught:
        load_scenario(bad)
    assert "run.streams" in str(caught.value)


def test_a_what_if_says_what_it_changed_in_its_title(base_and_what_if: tuple[Path, Path]) -> None:
    base, what_if = (json.loads((f / "summary.json").read_text()) for f in base_and_what_if)
    said = "what-if of 2024-12-mediation-paths: what-if.yaml changes "
    said += f"variants.{CHANGED}.actors.russia.cost_of_war"
    assert what_if["what_if"] == said and what_if["title"] == f"{base['title']} — {said}"
    assert "what_if" not in base


def test_a_what_if_folder_reruns_identically(base_and_what_if: tuple[Path, Path]) -> None:
    """Its inherited streams key and the changes its title names are recorded with the scenario."""
    code, _, err = negsim_main("rerun", str(base_and_what_if[1]), "--workers", "1")
    assert code == 0, err
