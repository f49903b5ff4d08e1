#!/usr/bin/env bash
# Refresh constraints.txt: the newest versions that pyproject.toml's lower bounds allow, for every
# extra, on Python 3.12 and newer and every platform. Then run `bash scripts/test.sh` and commit
# both files only if the suite passes.
set -eu
cd "$(dirname "$0")/.."
. scripts/venv.sh
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
"$(negsim_find_python)" -m venv "$tools"
"$tools/bin/python" -m pip install --quiet "uv>=0.5"
"$tools/bin/uv" pip compile pyproject.toml --extra test --extra seminar --universal \
    --python-version 3.12 --no-header --annotation-style line --upgrade --quiet -o constraints.body
{
    echo "# Exact versions the test suite passed with; every install reads them (scripts/venv.sh)."
    echo "# Made by scripts/lock.sh from pyproject.toml (lower bounds there); refresh: bash scripts/lock.sh"
    cat constraints.body
} > constraints.txt
rm constraints.body
echo "constraints.txt refreshed; now run: bash scripts/test.sh" >&2
