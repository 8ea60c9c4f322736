"""Find solution text in released material.

A line leaks when it belongs to a solution region (code, comment or docstring alike) and
appears in a released file although the solution has no identical line outside its regions
(``return x`` inside a region is no secret when the worked example outside says it too).
"""
from __future__ import annotations

from grader.release.stubs import solution_lines


def _key(line: str) -> str:
    return " ".join(line.split())


def _telling(line: str) -> bool:
    """Lines with something to give away: not blank, not a lone bracket."""
    return any(ch.isalnum() for ch in line)


def secret_lines(solution_text: str) -> dict[str, int]:
    """Normalized solution-only lines, each with its first line number in the solution."""
    hidden = solution_lines(solution_text)
    hidden_numbers = {lineno for lineno, _ in hidden}
    public = {_key(line) for lineno, line in enumerate(solution_text.splitlines(), start=1)
              if lineno not in hidden_numbers}
    secrets: dict[str, int] = {}
    for lineno, line in hidden:
        key = _key(line)
        if _telling(key) and key not in public:
            secrets.setdefault(key, lineno)
    return secrets


def find_leaks(solution_text: str, released_text: str) -> list[tuple[int, str]]:
    """``(solution lineno, line)`` of every solution-only line found in ``released_text``."""
    secrets = secret_lines(solution_text)
    released = {_key(line) for line in released_text.splitlines()}
    return sorted((lineno, key) for key, lineno in secrets.items() if key in released)
