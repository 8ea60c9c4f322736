#!/usr/bin/env bash
# Gradescope's image built by the zip's own setup.sh on another Python (default 3.10, the
# python3 of Gradescope's default Ubuntu 22.04 image), then run_autograder for exercise 3's
# reference, its stub and a one-bug submission, beside the same three graded by this kit.
#
#   sudo bash bench/gradescope_image_python.sh /path/to/python3.10 [WHEEL_DIR]
#
# The interpreter must be runnable by every user (the sandbox's uids start it): a Python in
# root's home is copied to /opt first and given an rpath to its own lib (patchelf). WHEEL_DIR
# holds a torch wheel for that Python when PyTorch's CPU index cannot be reached.
set -euo pipefail
KIT="$(cd "$(dirname "$0")/.." && pwd)"
python=${1:?usage: gradescope_image_python.sh PYTHON [WHEEL_DIR]}
wheels=${2:-}
kit_python() { PYTHONPATH="$KIT" "${KIT_PYTHON:-$KIT/.venv/bin/python}" "$@"; }
version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')

if [ "$(stat -c %a "$(dirname "$(dirname "$(readlink -f "$python")")")")" != 755 ] || \
        ! setpriv --reuid=1900009999 --regid=1900009999 --clear-groups "$python" -c '' 2>/dev/null; then
    prefix=$(dirname "$(dirname "$(readlink -f "$python")")")
    copy=/opt/python$version
    [ -x "$copy/bin/python$version" ] || { cp -a "$prefix" "$copy"; chmod -R a+rX "$copy"; }
    patchelf --set-rpath '$ORIGIN/../lib' "$copy/bin/python$version"
    python=$copy/bin/python$version
fi
echo "Python $version: $python"

root=$(mktemp -d /tmp/autograder-$version-XXXX)
chmod 755 "$root"
kit_python -c "import sys; from grader.gradescope.build import build_autograder; build_autograder('exercise3', sys.argv[1])" "$root/autograder.zip"
mkdir "$root/source" && (cd "$root/source" && unzip -q ../autograder.zip)
cp "$root/source/run_autograder" "$root/run_autograder"
started=$SECONDS
env -u PYTHONPATH PYTHON="$python" GRADER_AUTOGRADER_ROOT="$root" GRADER_VENV="$root/venv" \
    ${wheels:+PIP_FIND_LINKS="$wheels"} bash "$root/source/setup.sh" 2>&1 | grep -v "^WARNING: Location" || true
echo "setup.sh: $((SECONDS - started)) s"

bug_dir=$(mktemp -d)
(cd "$KIT" && kit_python -c "
import sys; from pathlib import Path
from tests.golden.exercise3.buggy import MUTANTS
next(m for m in MUTANTS if m.name == 'forgets_the_short_last_batch').write('exercise3_data', Path(sys.argv[1]))" "$bug_dir")
for submission in "$KIT/solutions/exercise3_data.py" "$KIT/exercises/exercise3_data.py" "$bug_dir/exercise3_data.py"; do
    rm -rf "$root/submission" && mkdir "$root/submission" && cp "$submission" "$root/submission/"
    echo '{"users": [{"name": "A Student"}]}' > "$root/submission_metadata.json"
    started=$SECONDS
    env -u PYTHONPATH GRADER_AUTOGRADER_ROOT="$root" GRADER_PYTHON="$root/venv/bin/python" bash "$root/run_autograder"
    on_image=$(kit_python -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['score'], '/', sum(t['max_score'] for t in d['tests']))" "$root/results/results.json")
    here=$(cd "$KIT" && kit_python -c "import sys; from grader import api; r = api.grade('exercise3', sys.argv[1], feedback_dir=sys.argv[2]); print(r.score, '/', r.max_score)" "$submission" "$bug_dir/feedback")
    echo "$(basename "$(dirname "$submission")")/$(basename "$submission"): Python $version image $on_image ($((SECONDS - started)) s with the comparison), this kit $here"
done
rm -rf "$root" "$bug_dir"
