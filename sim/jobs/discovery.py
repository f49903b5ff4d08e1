"""A scenario discovery: under which explored assumptions does a mediation path converge?"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis import samplers
from sim.analysis.discovery import PathDiscovery, cases, discover
from sim.analysis.experiment import Experiment
from sim.discovery.cart import tree_nodes
from sim.discovery.prim import trajectory_frame
from sim.errors import OptionProblem
from sim.jobs.experiment import ExperimentJob, chosen_paths, experiment_settings, explored_space
from sim.results import writer
from sim.results.layout import PRIM, TREES, tree_text
from sim.results.summary_schema import DiscoveryPath, DiscoverySummary
from sim.scenario.loader import LoadedScenario

DEFAULT_SAMPLES = 1000  # Latin hypercube points
DEFAULT_RUNS = 10  # replications at each point
DEFAULT_OUTCOME = "agreement"
DEFAULT_MIN_COVERAGE = 0.5
MIN_SAMPLES = 10  # fewer points than this leave PRIM and CART nothing to learn from

VERBS = {
    "agreement": "converges",
    "ceasefire": "ends in a ceasefire",
    "breakdown": "breaks down",
    "stalemate": "stalls",
}


@dataclass(frozen=True)
class DiscoveryJob(ExperimentJob[DiscoverySummary]):
    """PRIM boxes and a CART tree per path over a Latin hypercube: prim.parquet, trees.parquet,
    a text tree per path, and the summary."""

    samples: int  # Latin hypercube points
    outcome: str  # the outcome whose conditions are sought
    min_coverage: float  # PRIM picks the densest box that still holds this share of it

    @classmethod
    def plan(cls, loaded: LoadedScenario, options: Mapping[str, Any]) -> DiscoveryJob:
        space = explored_space(loaded)
        paths = chosen_paths(loaded, options)
        if options["outcome"] not in VERBS:
            raise OptionProblem(
                "outcome",
                f"no outcome `{str(options['outcome'])[:40]}`",
                f"choose one of: {', '.join(VERBS)}",
            )
        if not 0 <= options["min_coverage"] <= 1:
            raise OptionProblem("min_coverage", f"a share from 0 to 1, got {options['min_coverage']}")
        for option, low in (("samples", MIN_SAMPLES), ("runs", 1)):
            if options[option] < low:  # the command line's types refuse these first; a call from Python, here
                raise OptionProblem(option, f"needs at least {low}, got {options[option]:,}")
        settings = experiment_settings(loaded, options, options["samples"])
        return cls(
            loaded,
            settings,
            space,
            paths,
            options["runs"],
            options["samples"],
            options["outcome"],
            options["min_coverage"],
        )

    def design(self) -> Experiment:
        """A Latin hypercube over the explored parameters, each point run `per_point` times."""
        seed = self.settings.seed
        unit = samplers.latin_hypercube(self.samples, len(self.space.names), seed)
        return Experiment(self.space, "latin_hypercube", seed, unit, self.per_point)

    def analyse(self, experiment: Experiment, folder: Path) -> DiscoverySummary:
        """PRIM and CART per path; the peeling trajectories and trees are written to the folder."""
        found, steps, trees = [], [], []
        for path in self.paths:
            names = experiment.used_on(self.loaded, path)
            X, y = cases(folder, path, names, self.outcome)
            subject = f"{self.loaded.variants[path].label} {VERBS[self.outcome]}"
            result = discover(X, y, path, subject, experiment.space.labels, self.min_coverage)
            found.append(result)
            if result.prim is not None:
                steps.append(trajectory_frame(result.prim).assign(path=path))
            if result.tree is not None:
                (folder / tree_text(path)).write_text(result.tree.text, encoding="utf-8")
                trees.append(tree_nodes(result.tree).assign(path=path))
        for table, frames in ((PRIM, steps), (TREES, trees)):
            if frames:
                pd.concat(frames, ignore_index=True).to_parquet(folder / table, index=False)
        return DiscoverySummary(
            kind="discovery",
            **writer.scenario_header(self.loaded, self.settings),
            experiment=experiment.describe(),
            outcome=self.outcome,
            min_coverage=self.min_coverage,
            paths={d.path: self.path_summary(d) for d in found},
        )

    def path_summary(self, d: PathDiscovery) -> DiscoveryPath:
        box = d.prim.box if d.prim is not None else None
        return DiscoveryPath(
            label=self.loaded.variants[d.path].label,
            parameters=list(d.parameters),
            cases=d.cases,
            base_rate=d.base_rate,
            finding=d.finding,
            p_value=d.p_value,
            sentence=d.sentence,
            box=None
            if box is None
            else {
                "coverage": box.coverage,
                "density": box.density,
                "mass": box.mass,
                "limits": {name: list(box.limits[name]) for name in box.restricted},
            },
            tree_accuracy=d.tree.accuracy if d.tree is not None else None,
        )
