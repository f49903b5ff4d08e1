"""What the modules of the Nash bargaining solver share (sim/model/baselines/nash.py): the status
codes, the tolerance that decides who is a member, and the two ways their functions are compiled.
"""

from __future__ import annotations

from sim.model import jit

SOLVED, NO_MEMBER, NO_GAIN = 0, 1, 2
GAIN_TOL = 1e-12  # a member whose largest possible gain is at most this cannot gain anything

# every solver function: compiled once and cached on disk; numpy's error model, no fastmath and
# numba's runtime whatever the caller's options (see nash.py's docstring)
compiled_with_runtime = jit.compiled(error_model="numpy", fastmath=False, _nrt=True)
# one and two members need no runtime: their scratch space is the caller's, so the rules'
# compiled round calls them without reference counting (sim/model/rules.py); a function compiled
# this way must not allocate
compiled_without_runtime = jit.compiled(error_model="numpy", fastmath=False, _nrt=False, nogil=True)


@compiled_without_runtime
def is_member(clout: float, best_gain: float) -> bool:
    return clout > 0 and best_gain > GAIN_TOL
