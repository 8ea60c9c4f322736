"""``grade release [--check]``: write (or check) exercises/ from solutions/."""
from __future__ import annotations

import argparse

from rich.console import Console
from rich.markup import escape

from grader.release.publish import release
from grader.release.stubs import MarkerError
from grader.exercises import KIT_ROOT

FAILED = 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grade release", description=(
        "Write exercises/*.py and exercises/notebooks/*.ipynb from solutions/*.py."))
    parser.add_argument("--check", action="store_true",
                        help="write nothing; fail when exercises/ differs from what release would write (CI)")
    return parser


def main(argv, console: Console, errors: Console) -> int:
    args = _parser().parse_args(argv)
    try:
        outcome = release(KIT_ROOT, check=args.check)
    except MarkerError as exc:
        errors.print(f"grade release: {escape(str(exc))}")
        return FAILED
    for released in outcome.files:
        console.print(f"{released.status:>9}  {released.path.relative_to(KIT_ROOT)}")
    if not outcome.files:
        console.print("nothing to release: no solutions/exercise*.py")
    if args.check and outcome.out_of_date:
        errors.print(f"grade release --check: {len(outcome.out_of_date)} file(s) differ from the solutions; "
                     "run `grade release` and commit exercises/")
        return FAILED
    return 0
