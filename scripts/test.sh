#!/usr/bin/env bash
# Install negsim with its test needs into .venv, lint, and run the whole test suite.
# The browser tests drive Debian's chromium; as root this installs it when it is missing.
set -eu
cd "$(dirname "$0")/.."
. scripts/venv.sh
negsim_venv ".[test]"
negsim_chromium
.venv/bin/ruff check .
.venv/bin/python -m pytest "$@"
