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
.venv-latest/bin/python -m pip freeze --exclude-editable | diff <(grep -o '^[^ ;]*==[^ ;]*' constraints.txt | tr A-Z a-z | sort) <(tr A-Z a-z | sort) | grep '^[<>]' || echo "every version as locked" >&2
timeout --foreground --signal=TERM --kill-after=60 75m .venv-latest/bin/python -m pytest "$@"
