#!/usr/bin/env bash
# Set up (or check) the project's virtualenv in .venv: safe to run again and again.
#
# - Creates .venv with Python >= 3.12 if it is missing. `python` from the project root is tried
#   first: pyenv's shim picks the version in .python-version. Set PYTHON=/path/to/python to choose.
# - Installs the project with its test, dev, dashboard and dask extras, only when pyproject.toml
#   (or the Python in .venv) changed since the last install, so a repeat run takes a fraction of a second.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

MIN_VERSION="3.12"
STAMP=".venv/.setup-stamp"

is_recent_python() {
    "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}

find_python() {
    local candidate
    for candidate in ${PYTHON:-} python python3.12 python3; do
        if command -v "$candidate" >/dev/null 2>&1 && is_recent_python "$candidate"; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if [ ! -x .venv/bin/python ]; then
    if ! python_bin="$(find_python)"; then
        echo "error: no Python >= $MIN_VERSION found (tried \$PYTHON, python, python3.12, python3)." >&2
        echo "       Install it (e.g. 'pyenv install 3.12'; .python-version selects it) and run again." >&2
        exit 1
    fi
    echo "Creating .venv with $("$python_bin" --version 2>&1) ($python_bin)"
    "$python_bin" -m venv .venv
fi

if ! is_recent_python .venv/bin/python; then
    echo "error: .venv has $(.venv/bin/python --version 2>&1); this project needs Python >= $MIN_VERSION." >&2
    echo "       Remove the old environment ('rm -rf .venv') and run this script again." >&2
    exit 1
fi

wanted="$(cat pyproject.toml <(.venv/bin/python --version 2>&1) | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$STAMP" 2>/dev/null || true)" != "$wanted" ]; then
    echo "Installing the project and its dependencies into .venv"
    .venv/bin/python -m pip install -q -e ".[test,dev,dashboard,dask]"
    echo "$wanted" >"$STAMP"
fi
