# Sourced by quickstart.sh and test.sh: find a Python >= 3.12 and make .venv with it.
# Honours $PYTHON; otherwise tries python3.14 … python3.12, python3, then pyenv's installs.
# Installs take the versions pinned in constraints.txt.
set -eu

negsim_find_python() {
    local candidates=()
    [ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
    candidates+=(python3.14 python3.13 python3.12 python3)
    if command -v pyenv >/dev/null 2>&1; then
        for dir in "$(pyenv root)"/versions/3.1[2-9]*; do
            [ -x "$dir/bin/python3" ] && candidates+=("$dir/bin/python3")
        done
    fi
    for py in "${candidates[@]}"; do
        if "$py" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
            echo "$py"
            return 0
        fi
    done
    echo "negsim needs Python >= 3.12 (Mesa 3.5 requires it); none found. Set PYTHON=/path/to/python3.12." >&2
    return 1
}

negsim_venv() {
    if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
        rm -rf .venv
        "$(negsim_find_python)" -m venv .venv
    fi
    .venv/bin/python -m pip install --quiet --upgrade pip
    # the exact versions the suite passed with (constraints.txt; refresh with scripts/lock.sh)
    .venv/bin/python -m pip install --quiet --constraint constraints.txt -e "$1"
}

negsim_chromium() {
    if command -v chromium >/dev/null 2>&1; then
        return 0
    fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing Debian's chromium for the browser tests" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "the browser tests need Debian's chromium: sudo apt-get install chromium" >&2
    fi
}
