"""Which exercises a Gradescope assignment grades: ``assignments.json`` beside this file.

Every exercise the kit has is an assignment of its own (named by its id, e.g. ``exercise3``),
and ``all`` grades every exercise at once; ``assignments`` in the file adds or overrides::

    {
      "defaults": {"accept": [".py", ".ipynb"], "hidden_visibility": "after_published",
                   "total_points": null},
      "assignments": {
        "week3": {"exercises": ["exercise3"], "total_points": 20, "accept": [".ipynb"],
                  "hidden_visibility": "after_due_date"}
      }
    }

* ``accept``: the file types students may hand in, in order of preference when both come;
* ``hidden_visibility``: what Gradescope shows of the suites' hidden tests (``hidden``,
  ``after_due_date``, ``after_published`` or ``visible``);
* ``total_points``: scale every test so the assignment is out of this many points
  (``null``: the suites' own points).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from grader import exercises
from grader.results import VISIBILITIES

CONFIG_PATH = Path(__file__).with_name("assignments.json")
ALL = "all"
SUFFIXES = (".py", ".ipynb")


class ConfigError(ValueError):
    """The assignment configuration is invalid; the message says what and where."""


@dataclass(frozen=True)
class Assignment:
    """One Gradescope assignment: the exercises it grades and how results are shown."""

    name: str
    exercises: tuple[str, ...]
    accept: tuple[str, ...] = SUFFIXES
    hidden_visibility: str = "after_published"
    total_points: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Assignment":
        return _checked(data.get("name", ""), data, {})


def _checked(name: str, entry: dict, defaults: dict) -> Assignment:
    merged = {**defaults, **entry}
    where = f"assignment {name!r}"
    unknown = set(merged) - {"name", "exercises", "accept", "hidden_visibility", "total_points"}
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {sorted(unknown)}")
    known = {e.id for e in exercises.available()}
    chosen = tuple(merged.get("exercises") or ())
    if not chosen or not all(isinstance(e, str) for e in chosen):
        raise ConfigError(f"{where}: 'exercises' must list exercise ids")
    missing = [e for e in chosen if e not in known]
    if missing:
        raise ConfigError(f"{where}: unknown exercise(s) {missing} (known: {sorted(known)})")
    accept = tuple(merged.get("accept") or SUFFIXES)
    if not set(accept) <= set(SUFFIXES):
        raise ConfigError(f"{where}: 'accept' may hold only {list(SUFFIXES)}, got {list(accept)}")
    visibility = merged.get("hidden_visibility", "after_published")
    if visibility not in VISIBILITIES:
        raise ConfigError(f"{where}: 'hidden_visibility' must be one of {VISIBILITIES}, got {visibility!r}")
    total = merged.get("total_points")
    if total is not None and (isinstance(total, bool) or not isinstance(total, (int, float)) or total <= 0):
        raise ConfigError(f"{where}: 'total_points' must be a positive number or null, got {total!r}")
    return Assignment(name, chosen, accept, visibility, None if total is None else float(total))


def load_assignments(path: Path = CONFIG_PATH) -> dict[str, Assignment]:
    """Every assignment: the defaults (one per exercise, and ``all``) with the file's entries."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the assignment configuration ({exc})") from None
    defaults = data.get("defaults", {})
    ids = [e.id for e in exercises.available()]
    entries = {exercise_id: {"exercises": [exercise_id]} for exercise_id in ids}
    entries[ALL] = {"exercises": ids}
    entries.update(data.get("assignments", {}))
    return {name: _checked(name, entry, defaults) for name, entry in entries.items()}


def get_assignment(name: str, path: Path = CONFIG_PATH) -> Assignment:
    assignments = load_assignments(path)
    if name not in assignments:
        raise ConfigError(f"unknown assignment {name!r} (known: {', '.join(sorted(assignments))})")
    return assignments[name]
