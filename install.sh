#!/usr/bin/env bash
# Install the kit into .venv with PyTorch's CPU build.
#
# The environment is made from a system Python that every user can run, so that when the
# grader runs as root (CI, Gradescope) the sandboxed worker can drop to an unprivileged user
# and still start this interpreter and import torch. Override with PYTHON=/path/to/python3.
set -euo pipefail
cd "$(dirname "$0")"

find_python() {
    for candidate in "${PYTHON:-}" /usr/bin/python3.13 /usr/bin/python3.12 /usr/bin/python3.11 \
                     /usr/bin/python3.10 /usr/bin/python3 python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    echo "install.sh: no Python >= 3.10 with venv found; set PYTHON=/path/to/python3" >&2
    return 1
}

python=$(find_python)
[ -x .venv/bin/python ] || "$python" -m venv .venv
pip=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)

# PyTorch: a CPU build found locally (pip's configured find-links) first, else PyTorch's CPU index.
# A plain `pip install torch` on Linux would pull several GB of CUDA packages.
TORCH_VERSION=${TORCH_VERSION:-2.13.0}
if ! .venv/bin/python -c "import torch" >/dev/null 2>&1; then
    "${pip[@]}" --no-deps --no-index "torch==${TORCH_VERSION}" 2>/dev/null \
        || "${pip[@]}" --no-deps "torch==${TORCH_VERSION}" \
               --index-url "${TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}"
    # torch's own dependencies from the default index; torch itself is already satisfied.
    "${pip[@]}" "torch==${TORCH_VERSION}"
fi
"${pip[@]}" -e ".[dev]"
echo "Installed. Activate with: source .venv/bin/activate   (then: grade list)"
