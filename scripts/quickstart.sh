#!/usr/bin/env bash
# Install negsim into .venv and run the flagship comparison of mediation paths (plots under results/).
set -eu
cd "$(dirname "$0")/.."
. scripts/venv.sh
negsim_venv .
.venv/bin/negsim run scenarios/2024-12-mediation-paths.yaml "$@"
