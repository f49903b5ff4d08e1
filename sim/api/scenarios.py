"""Scenario files from Python: load and check one, copy the shipped ones out for editing, and
read how each of its numbers is founded."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.errors import NegsimError, Problem
from sim.scenario.loader import LoadedScenario, load_scenario
from sim.scenario.schema import Scenario
from sim.scenario.shipped import copy_examples

type ScenarioFile = str | Path  # a path, or the bare name of a shipped scenario


def load(file: ScenarioFile) -> LoadedScenario:
    """Read, merge and validate a scenario file: one resolved scenario per mediation path in
    `.variants` (path id → scenario), its `explore:` space in `.explore`.

    A shipped scenario may be named bare, without a folder. A file with problems raises
    `NegsimError`, whose `.problems` say where (file, line, key path) and what to do.

    Examples:
        >>> import sim
        >>> flagship = sim.load("2024-12-mediation-paths")
        >>> flagship.name
        '2024-12-mediation-paths'
        >>> "us_china_joint" in flagship.variants
        True
    """
    return load_scenario(file)


def validate(*files: ScenarioFile) -> list[Problem]:
    """Every problem of every file, as `negsim validate` prints them; an empty list when all are valid.

    Examples:
        >>> import sim
        >>> sim.validate("2024-12-mediation-paths", "2023-04-mediation-paths")
        []
        >>> [problem.message for problem in sim.validate("no-such-scenario.yaml")]  # doctest: +ELLIPSIS
        ['...']
    """
    problems: list[Problem] = []
    for file in files:
        try:
            load_scenario(file)
        except NegsimError as exc:
            problems.extend(exc.problems)
    return problems


def examples(folder: str | Path) -> list[Path]:
    """Copy the shipped scenarios into `folder` (made if missing) for editing; the files written.

    Refuses, writing nothing, if any of them is there already.

    Examples:
        >>> import sim, tempfile
        >>> from pathlib import Path
        >>> mine = Path(tempfile.mkdtemp()) / "mine"
        >>> written = sim.examples(mine)
        >>> sorted(str(file.relative_to(mine)) for file in written if file.parent.name == "mine")
        ['2023-04-mediation-paths.yaml', '2024-12-conditioned.yaml', '2024-12-mediation-paths.yaml']
        >>> sim.load(mine / "2024-12-mediation-paths.yaml").name
        '2024-12-mediation-paths'
    """
    return copy_examples(Path(folder))


def paths(file: ScenarioFile) -> pd.DataFrame:
    """The mediation paths of a scenario file: one row per path id, with its label and description.

    Examples:
        >>> import sim
        >>> sim.paths("2024-12-mediation-paths").loc["us_china_joint", "label"]
        'Joint US–China mediation'
    """
    variants = load_scenario(file).variants
    rows = [{"path": key, "label": s.label, "description": s.description} for key, s in variants.items()]
    return pd.DataFrame(rows).set_index("path")


def one_path(scenario: Scenario | ScenarioFile, path: str | None = None) -> Scenario:
    """`scenario` itself, or path `path` (default: the first) of the scenario file it names."""
    if isinstance(scenario, Scenario):
        if path is not None:
            raise TypeError("give `path` with a scenario file, not with a scenario already chosen")
        return scenario
    return load_scenario(scenario).variant(path)
