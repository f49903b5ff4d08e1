"""What the instructor has chosen on the page: a scenario file, a path, a seed, the sliders
and the switches. One value object, so the step-by-step model and the many-runs comparison
are always built from the same choices."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sim.model.mesa_model import NegotiationModel
from sim.scenario.loader import LoadedScenario, load_scenario
from sim.scenario.schema import Scenario
from sim.scenario.shipped import FLAGSHIP, shipped_folder
from sim.seminar.assumptions import Assumptions
from sim.seminar.levers import defaults, fixed_values, moved

SCENARIOS = shipped_folder()  # inside the package, so an installed negsim opens them too
SNAPSHOTS = {  # the flagship first: the page opens on it
    "December 2024": SCENARIOS / FLAGSHIP,
    "April 2023": SCENARIOS / "2023-04-mediation-paths.yaml",
}
FILE_ENV = "NEGSIM_APP_FILE"  # `negsim app FILE` hands the file to the page this way


def snapshots() -> dict[str, Path]:
    """The shipped snapshots, plus the file given to `negsim app`, if any."""
    choices = {name: path for name, path in SNAPSHOTS.items() if path.is_file()}
    given = os.environ.get(FILE_ENV)
    if given and Path(given).resolve() not in {p.resolve() for p in choices.values()}:
        choices = {Path(given).name: Path(given), **choices}  # the file asked for opens first
    return choices


@functools.lru_cache(maxsize=8)
def loaded(file: str) -> LoadedScenario:
    return load_scenario(file)


@dataclass(frozen=True)
class Setup:
    file: str
    path: str
    seed: int
    levers: dict[str, float] = field(default_factory=dict)
    switches: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def start(cls, file: str | Path, path: str | None = None) -> Setup:
        """A file's path (the first by default) with every slider at the scenario's own value."""
        variants = loaded(str(file)).variants
        name = path if path in variants else next(iter(variants))
        scenario = variants[name]
        return cls(str(file), name, scenario.run.seed, defaults(scenario), {})

    @property
    def scenario(self) -> Scenario:
        return loaded(self.file).variants[self.path]

    @property
    def paths(self) -> dict[str, Scenario]:
        return loaded(self.file).variants

    def on_path(self, path: str) -> Setup:
        """Another path of the same file; sliders return to that path's own values."""
        return replace(Setup.start(self.file, path), seed=self.seed, switches=self.switches)

    @property
    def moved(self) -> dict[str, float]:
        """The sliders moved away from the chosen path's own values."""
        return moved(self.scenario, self.levers)

    def assumptions_for(self, scenario: Scenario) -> Assumptions:
        """The moved sliders that apply to `scenario` (any path of the file), and the switches."""
        return Assumptions(values=fixed_values(scenario, self.moved), mechanisms=dict(self.switches))

    def model(self) -> NegotiationModel:
        return SeminarModel(setup=self)


class SeminarModel(NegotiationModel):
    """The Mesa model of the chosen path with the page's assumptions, rebuilt by Mesa's Reset.

    Mesa's controller re-creates the model as `type(model)(**parameters)`; the parameters are
    the page's `Setup`, so Reset replays the same negotiation from month 0.
    """

    def __init__(self, setup: Setup, **mesa_extras: Any) -> None:  # Reset may add Mesa's scenario
        assumptions = setup.assumptions_for(setup.scenario)
        super().__init__(
            assumptions.apply(setup.scenario), seed=setup.seed, explored=dict(assumptions.values)
        )
        self.setup = setup
