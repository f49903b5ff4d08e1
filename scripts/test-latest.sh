#!/usr/bin/env bash
# The suite on the newest releases pyproject.toml allows, not the pinned ones: what a refresh of
# constraints.txt (scripts/lock.sh) would bring. Uses .venv-latest, so .venv stays as locked.
# Arguments go to pytest (default: the whole suite).
set -eu
cd "$(dirname "$0")/.."
. scripts/venv.sh
rm -rf .venv-latest
"$(negsim_find_python)" -m venv .venv-latest
.venv-latest/bin/python -m pip install --quiet --upgrade pip
.venv-latest/bin/python -m pip install --quiet --upgrade --upgrade-strategy eager -e ".[test]"
negsim_chromium
.venv-latest/bin/python - <<'PY'  # what differs from the locked versions
import importlib.metadata as metadata
import re

def key(name): return re.sub(r"[-_.]+", "-", name).lower()
pins = dict(re.match(r"([A-Za-z0-9_.-]+)==([^ ;]+)", line).groups()
            for line in open("constraints.txt") if re.match(r"[A-Za-z0-9_.-]+==", line))
pins = {key(name): version for name, version in pins.items()}
newer = sorted(f"  {d.metadata['Name']}: {pins[key(d.metadata['Name'])]} locked, {d.version} here"
               for d in metadata.distributions()
               if pins.get(key(d.metadata["Name"]), d.version) != d.version)
print("newer than constraints.txt:\n" + "\n".join(newer) if newer else "every version as locked")
PY
timeout --foreground --signal=TERM --kill-after=60 75m .venv-latest/bin/python -m pytest "$@"
