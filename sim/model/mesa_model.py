"""The Mesa model: one replication, step by step, for teaching and the interactive page.

It is the batch engine with one row: `step` plays the same compiled round (`advance_row`) on
arrays of length 1, so replication r here equals row r of a batch run with the same seed.
"""

from __future__ import annotations

import mesa
import numpy as np
from mesa.datacollection import DataCollector

from sim.model.agents import ActorAgent
from sim.model.arrays import OUTCOME_NAMES
from sim.model.engine import EVENT_KINDS, NO_ISSUE, Run
from sim.model.noise import draw_noise
from sim.model.params import build_params
from sim.scenario.schema import Scenario


class NegotiationModel(mesa.Model):
    """One replication of one mediation path.

    `explored` fixes numbers by key path (`actors.russia.cost_of_war`: 0.01), as an analysis
    or the seminar page does; every other number is drawn as in the batch engine.
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int | None = None,
        replication: int = 0,
        rounds: int | None = None,
        explored: dict[str, float] | None = None,
    ) -> None:
        seed = scenario.run.seed if seed is None else seed
        super().__init__(rng=seed)
        self.negotiation = scenario  # `scenario` is Mesa's own attribute
        self.seed = seed
        self.replication = replication
        self.rounds = rounds or scenario.run.rounds
        fixed = {path: np.full(1, float(value)) for path, value in (explored or {}).items()}
        self.params = build_params(scenario, seed, replication, replication + 1, fixed)
        noise = draw_noise(scenario, seed, replication, replication + 1, self.rounds)
        self.run = Run.prepare(self.params, noise)
        self.state = self.run.state
        for index, actor_id in enumerate(self.params.actors):
            actor = scenario.actors[actor_id]
            ActorAgent(self, index, actor_id, actor.name, actor.role)
        issue_reporters = {
            f"position.{issue}": (lambda agent, issue=issue: agent.position_on(issue))
            for issue in self.params.issues
        }
        self.datacollector = DataCollector(
            model_reporters={"outcome": "outcome"},
            agent_reporters={"actor": "actor_id", "batna": "batna", **issue_reporters},
        )
        self.running = True
        self.timeline: list[tuple[int, str, str]] = []  # (month, kind, issue or "") as they happened
        self.datacollector.collect(self)

    @property
    def outcome(self) -> str:
        return OUTCOME_NAMES[int(self.state.outcome[0])]

    @property
    def end_round(self) -> int:
        return int(self.state.end_round[0])

    @property
    def terms(self) -> dict[str, float]:
        return dict(zip(self.params.issues, self.state.terms[0].tolist(), strict=True))

    def step(self) -> None:
        """Play one round (one month) of the negotiation."""
        if not self.running:
            return
        for kind, issue in self.run.advance(self.steps - 1, self.rounds):
            name = "" if issue == NO_ISSUE else self.params.issues[issue]
            self.timeline.append((self.steps, EVENT_KINDS[kind], name))
        self.datacollector.collect(self)
        self.running = self.outcome == "ongoing"
