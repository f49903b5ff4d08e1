#!/usr/bin/env bash
# Install negsim with its test needs into .venv, lint, and run the whole test suite
# (arguments go to pytest: `bash scripts/test.sh -m 'not slow'` is the quick subset).
# The browser tests drive Debian's chromium; as root this installs it when it is missing.
set -eu
cd "$(dirname "$0")/.."
. scripts/venv.sh
negsim_venv ".[test]"
negsim_chromium
.venv/bin/ruff check .
# Each test has its own limit (pyproject.toml); this bounds the whole suite well inside CI's 90 min.
timeout --foreground --signal=TERM --kill-after=60 75m .venv/bin/python -m pytest "$@"
