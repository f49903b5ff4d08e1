"""An experiment: a design over the explored parameters, each point run several times on
every mediation path, with common random numbers across points' replication indices."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.results import summary_schema
from sim.results.layout import DESIGN
from sim.results.stream import read_table
from sim.runner.chunks import Chunk, Design, plan_chunks
from sim.scenario.explore import ParameterSpace
from sim.scenario.loader import LoadedScenario


@dataclass(frozen=True)
class Experiment:
    space: ParameterSpace
    method: str  # the sampler that made `unit`
    seed: int
    unit: np.ndarray  # (points, k or more) on the unit cube; extra columns feed no parameter
    per_point: int  # replications at each design point

    @property
    def points(self) -> int:
        return len(self.unit)

    @property
    def replications(self) -> int:
        return self.points * self.per_point

    def values(self) -> np.ndarray:
        return self.space.values(self.unit)

    def used_on(self, loaded: LoadedScenario, path: str) -> list[str]:
        """The explored parameters that exist on this path (the others cannot matter there)."""
        scenario = loaded.variants[path]
        return [u.name for u in self.space.uncertainties if u.applies_to(path, scenario)]

    def chunks(
        self, loaded: LoadedScenario, paths: list[str], rounds: int, chunk_size: int
    ) -> Iterator[Chunk]:
        values = self.values()
        return itertools.chain.from_iterable(
            plan_chunks(
                path,
                loaded.variants[path],
                self.replications,
                rounds,
                self.seed,
                chunk_size,
                design=Design(self.space.overrides(path, loaded.variants[path], values), self.per_point),
            )
            for path in paths
        )

    def design_table(self) -> pd.DataFrame:
        """Every design point: the parameter values, and where they sit on the unit cube."""
        names = self.space.names
        table = pd.DataFrame(self.values(), columns=names)
        table.insert(0, "point", np.arange(self.points))
        for j, name in enumerate(names):
            table[f"unit.{name}"] = self.unit[:, j]
        return table

    def describe(self) -> summary_schema.Experiment:
        """The design as summary.json records it."""
        return summary_schema.Experiment(
            method=self.method,
            seed=self.seed,
            points=self.points,
            replications_per_point=self.per_point,
            columns=self.unit.shape[1],
            parameters=[
                summary_schema.ExploredParameter(
                    name=u.name,
                    label=u.label,
                    low=u.range.low,
                    high=u.range.high,
                    dist=u.range.dist,
                    mode=u.range.mode,
                    mean=u.range.mean,
                    sd=u.range.sd,
                )
                for u in self.space.uncertainties
            ],
        )


def write_design(folder: Path, experiment: Experiment) -> None:
    experiment.design_table().to_parquet(folder / DESIGN, index=False)


def point_outcomes(folder: Path, path: str, outcome: str = "agreement") -> pd.DataFrame:
    """Per design point: share of runs ending in `outcome`, and median rounds to it."""
    runs = read_table(folder, columns=["point", "outcome", "end_round"], path=path)
    hit = runs["outcome"] == outcome
    rounds = runs["end_round"].astype(float).where(hit)
    grouped = pd.DataFrame({"point": runs["point"], "hit": hit, "rounds": rounds}).groupby("point")
    return pd.DataFrame(
        {"share": grouped["hit"].mean(), "median_rounds": grouped["rounds"].median(), "runs": grouped.size()}
    ).reset_index()
