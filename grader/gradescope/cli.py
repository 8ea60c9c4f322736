"""``grade gradescope-build [--assignment NAME]``: write the Gradescope autograder zip."""
from __future__ import annotations

import argparse

from rich.console import Console
from rich.markup import escape

from grader.gradescope.build import BuildError, build_autograder
from grader.gradescope.config import ConfigError

FAILED = 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grade gradescope-build", description=(
        "Write the Gradescope autograder zip (setup.sh and run_autograder at its root)."))
    parser.add_argument("--assignment", default="all",
                        help="an assignment from grader/gradescope/assignments.json: an exercise id, or "
                             "'all' (default) for every exercise")
    parser.add_argument("--out", help="the zip to write (default: dist/autograder.zip)")
    parser.add_argument("--no-data", action="store_true",
                        help="leave the datasets out of the zip (setup.sh downloads them)")
    return parser


def main(argv, console: Console, errors: Console) -> int:
    args = _parser().parse_args(argv)
    try:
        built = build_autograder(args.assignment, args.out, bundle_data=not args.no_data)
    except (BuildError, ConfigError) as exc:
        errors.print(f"grade gradescope-build: {escape(str(exc))}")
        return FAILED
    console.print(f"wrote {built.path} for assignment {built.assignment!r} ({len(built.entries)} files; "
                  f"datasets inside: {', '.join(built.datasets_bundled) or 'none'})")
    return 0
