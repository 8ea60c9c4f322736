#!/usr/bin/env bash
# Gradescope runs this once, as root, in /autograder/source, while it builds the image.
#
# It installs the kit into a virtual environment made from a system Python that every user
# can run (student code runs as an unprivileged user that must start that interpreter),
# installs PyTorch's CPU wheel and the pinned dependencies, verifies the datasets, and
# makes the reference solutions and the results folder unreadable to the user.
set -euo pipefail
SOURCE="$(cd "$(dirname "$0")" && pwd)"
ROOT="${GRADER_AUTOGRADER_ROOT:-/autograder}"
VENV="${GRADER_VENV:-@VENV@}"
TORCH_VERSION="${TORCH_VERSION:-@TORCH_VERSION@}"
TORCH_INDEX_URL="${TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}"

if command -v apt-get >/dev/null 2>&1 && ! /usr/bin/python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv python3-pip >/dev/null
fi

find_python() {
    for candidate in "${PYTHON:-}" /usr/bin/python3.13 /usr/bin/python3.12 /usr/bin/python3.11 \
                     /usr/bin/python3.10 /usr/bin/python3; do
        [ -n "$candidate" ] || continue
        if [ -x "$candidate" ] && "$candidate" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "setup.sh: no system Python >= 3.10 with venv; set PYTHON=/path/to/python3" >&2
    return 1
}

python=$(find_python)
echo "setup.sh: $("$python" --version) from $python"
mkdir -p "$(dirname "$VENV")"
[ -x "$VENV/bin/python" ] || "$python" -m venv "$VENV"
pip=("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check)
# PyTorch's CPU build: a wheel the image already holds (pip's configured find-links), else
# PyTorch's CPU index. A plain `pip install torch` would pull several GB of CUDA packages.
if ! "$VENV/bin/python" -c "import torch" >/dev/null 2>&1; then
    "${pip[@]}" --no-deps --no-index "torch==${TORCH_VERSION}" 2>/dev/null \
        || "${pip[@]}" --no-deps "torch==${TORCH_VERSION}" --index-url "$TORCH_INDEX_URL"
    # torch's own dependencies, from the default index (torch itself is satisfied now).
    "${pip[@]}" "torch==${TORCH_VERSION}"
fi
# The kit and its dependencies, each pinned (constraints.txt names the versions per Python).
"${pip[@]}" -c "$SOURCE/grader/gradescope/constraints.txt" -e "$SOURCE"
chmod -R a+rX "$VENV"

# Fetch (if the zip did not carry them) and verify the datasets; prove the sandbox works.
# Student code runs as a uid of its own per worker (no account needed; grader/sandbox/uids.py).
(cd "$SOURCE" && "$VENV/bin/python" -m grader.gradescope.prepare)

# Readable to all: the grader package (the worker imports it) and the datasets.
chmod a+rx "$ROOT" "$SOURCE"
chmod -R a+rX "$SOURCE/grader" "$SOURCE/datasets"
# Readable to root only: the reference solutions and the results.
mkdir -p "$ROOT/results"
chmod -R go-rwx "$SOURCE/solutions" "$ROOT/results"
