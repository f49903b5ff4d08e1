#!/usr/bin/env bash
# A computer lab in one command: install negsim with the seminar page and Jupyter into .venv,
# then start the page (options such as --port 9000 or --host 0.0.0.0 are passed on).
set -eu
cd "$(dirname "$0")/.."
. scripts/venv.sh
negsim_venv ".[seminar]"
exec .venv/bin/negsim app "$@"
