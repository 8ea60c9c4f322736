"""Golden buggy submissions, made from the reference by exact text replacements.

A mutant is a plausible student bug with a name that says what it gets wrong and the
set of suite tests that must lose points for it: no more, no fewer. Building it from the
reference keeps the bank honest when the reference changes: a replacement that no longer
applies fails loudly instead of silently testing nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"


def reference_source(module: str) -> str:
    """The reference's text of ``module`` (``solutions/<module>.py``)."""
    return (SOLUTIONS / f"{module}.py").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Mutant:
    name: str
    replacements: tuple[tuple[str, str], ...]
    fails: frozenset[str]
    # Tests whose verdict for this submission rests on timing noise alone (it may lose them or not).
    may_fail: frozenset[str] = frozenset()

    def source(self, module: str) -> str:
        text = reference_source(module)
        for old, new in self.replacements:
            count = text.count(old)
            if count != 1:
                raise AssertionError(f"mutant {self.name}: {old!r} occurs {count} times in {module}.py")
            text = text.replace(old, new)
        return text

    def write(self, module: str, folder: Path) -> Path:
        path = folder / f"{module}.py"
        path.write_text(self.source(module), encoding="utf-8")
        return path


def mutant(name: str, replacements, fails, may_fail=()) -> Mutant:
    if isinstance(replacements[0], str):
        replacements = (replacements,)
    return Mutant(name, tuple(tuple(r) for r in replacements), frozenset(fails), frozenset(may_fail))
