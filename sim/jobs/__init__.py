"""What each command computes, apart from how it is asked for and printed: a job plans its work
from options, runs it into a result folder and returns the folder's summary (sim/jobs/base.py).
The Python API (sim/api) and the commands (sim/commands) are both thin layers over the jobs."""
