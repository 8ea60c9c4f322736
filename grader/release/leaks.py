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


# -- copied code in the kit's own files -----------------------------------------------------------
# The kit's grader/ and bench/ reach every student (see :func:`grader.release.publish.kit_leaks`).
# Their code recomputes what an exercise asks for, so a line of it may well equal a line of the
# solution (``loss.backward()``, ``else:``): that is an idiom, not the reference. Copied code
# is a stretch of the solution: two of its lines in a row, or the whole of a region.
_BARE = frozenset({"else:", "try:", "finally:", "continue", "break", "pass", "return", "raise"})


def _code_key(line: str) -> str | None:
    """The normalized line, or None for what shows no code (blank, a bracket, a bare keyword)."""
    key = _key(line)
    return key if _telling(key) and key not in _BARE else None


def _regions(solution_text: str) -> list[list[tuple[int, str]]]:
    """The solution's own lines, region by region (consecutive line numbers), code lines only."""
    regions: list[list[tuple[int, str]]] = []
    last = None
    for lineno, line in solution_lines(solution_text):
        if last is None or lineno != last + 1:
            regions.append([])
        last = lineno
        key = _code_key(line)
        if key is not None:
            regions[-1].append((lineno, key))
    return [region for region in regions if region]


def find_copied_code(solution_text: str, text: str) -> list[tuple[int, str]]:
    """``(solution lineno, line)`` of the solution-only lines ``text`` copies, as stretches.

    A leak is two consecutive code lines of one region that stand consecutively in ``text``
    too (blank lines and bare keywords skipped on both sides), or a region whose only code
    line is in ``text``. Single idiomatic lines in common are not reported.
    """
    secrets = secret_lines(solution_text)
    keys = [key for key in map(_code_key, text.splitlines()) if key is not None]
    present, pairs = set(keys), set(zip(keys, keys[1:]))
    found: set[tuple[int, str]] = set()
    for region in _regions(solution_text):
        if len(region) == 1 and region[0][1] in secrets and region[0][1] in present:
            found.add(region[0])
        for first, second in zip(region, region[1:]):
            if first[1] in secrets and second[1] in secrets and (first[1], second[1]) in pairs:
                found.update((first, second))
    return sorted(found)
