"""Mesa agents: each actor is a view on its row of the model's arrays.

The agents hold no state of their own, so the Mesa model and the batch engine cannot drift
apart: both run the rules in `rules.py` on the same arrays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from sim.model.mesa_model import NegotiationModel


class ActorAgent(mesa.Agent):
    """One actor (party, guarantor or mediator) of one replication."""

    model: NegotiationModel

    def __init__(self, model: NegotiationModel, index: int, actor_id: str, name: str, role: str) -> None:
        super().__init__(model)
        self.index = index
        self.actor_id = actor_id
        self.name = name
        self.role = role

    def position_on(self, issue: str) -> float:
        """Current position on `issue` (0..1)."""
        k = self.model.params.issues.index(issue)
        return float(self.model.state.position[0, self.index, k])

    @property
    def position(self) -> dict[str, float]:
        return {issue: self.position_on(issue) for issue in self.model.params.issues}

    @property
    def batna(self) -> float:
        """Current value of walking away (for guarantors: the reservation value of their veto)."""
        return float(self.model.state.batna[0, self.index])

    @property
    def accumulated_cost(self) -> float:
        return float(self.model.state.accumulated_cost[0, self.index])
