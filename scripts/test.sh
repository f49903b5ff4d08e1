#!/usr/bin/env bash
# Install negsim with its test needs into .venv, lint, and run the whole test suite.
set -eu
cd "$(dirname "$0")/.."
. scripts/venv.sh
negsim_venv ".[test]"
.venv/bin/ruff check .
.venv/bin/python -m pytest "$@"
