#!/usr/bin/env bash
# The GPU check of exercises 4 and 5, in one prepared script (see docs/gpu.md).
#
# Before, on a machine with network access (once; the folder is git-ignored):
#   bash bench/gpu_check.sh --prepare-wheels        # pip download nbformat & co into bench/wheels/
# On the GPU machine (root, a system python3 with torch, no network):
#   OUT=/where/the/figures/go bash bench/gpu_check.sh
# Anywhere, without installing anything (the CUDA parts report "skipped: no CUDA device"
# where there is no GPU):
#   bash bench/gpu_check.sh --dry-run
#
# Options: --python PY (default python3; with --dry-run .venv/bin/python when present),
#          --wheels DIR (default bench/wheels), --repeats N (default 20),
#          --budget-s S (time for the repeats, default 300), --for-python X.Y (with
#          --prepare-wheels: the GPU machine's Python version, default 3.10 to 3.13).
# The figures go to $OUT/gpu_check.json (default feedback/gpu_check/), the log to $OUT/gpu_check.log.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=gpu
python=""
wheels=bench/wheels
repeats=20
budget_s=300
for_python="3.10 3.11 3.12 3.13"
while [ $# -gt 0 ]; do
    case "$1" in
        --prepare-wheels) mode=prepare ;;
        --dry-run) mode=dry ;;
        --python) python=$2; shift ;;
        --wheels) wheels=$2; shift ;;
        --repeats) repeats=$2; shift ;;
        --budget-s) budget_s=$2; shift ;;
        --for-python) for_python=$2; shift ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "gpu_check.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done

if [ "$mode" = prepare ]; then
    # nbformat is pure Python, but one of its dependencies (rpds-py, under jsonschema) is
    # compiled: fetch binary wheels for each Python version the GPU machine may have.
    python=${python:-python3}
    mkdir -p "$wheels"
    for version in $for_python; do
        "$python" -m pip download --quiet --disable-pip-version-check -d "$wheels" --only-binary=:all: \
            --python-version "$version" --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 \
            nbformat "setuptools>=71"
    done
    echo "wheels in $wheels:"; ls "$wheels"
    exit 0
fi

OUT=${OUT:-feedback/gpu_check}
mkdir -p "$OUT"
exec > >(tee "$OUT/gpu_check.log") 2>&1

if [ "$mode" = dry ]; then
    if [ -z "$python" ]; then
        python=python3
        [ -x .venv/bin/python ] && python=.venv/bin/python
    fi
    echo "dry run with $python: nothing is installed"
else
    python=${python:-python3}
    pip=("$python" -m pip install --quiet --disable-pip-version-check --no-index --find-links "$wheels")
    install() {  # a system Python may be marked as externally managed (PEP 668)
        "${pip[@]}" "$@" 2>/dev/null || "${pip[@]}" --break-system-packages "$@"
    }
    if ! "$python" -c 'import nbformat' 2>/dev/null; then
        [ -d "$wheels" ] || { echo "gpu_check.sh: no $wheels folder; run --prepare-wheels first" >&2; exit 2; }
        install nbformat
    fi
    # An editable build needs setuptools >= 64, and its own bdist_wheel (70.1 on) without `wheel`.
    if ! "$python" -c 'import setuptools, sys; sys.exit(int(setuptools.__version__.split(".")[0]) < 71)' 2>/dev/null; then
        install "setuptools>=71"
    fi
    # No network: build the editable install with the setuptools already there.
    install --no-deps --no-build-isolation -e .
    echo "installed the kit into $python"
fi

"$python" -c 'import torch; print("torch", torch.__version__, "cuda available:", torch.cuda.is_available())'
status=0
"$python" bench/gpu_check.py --out "$OUT" --repeats "$repeats" --budget-s "$budget_s" || status=$?
echo "gpu_check.sh: done (exit $status); figures in $OUT/gpu_check.json"
exit "$status"
