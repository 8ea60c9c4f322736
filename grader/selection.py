"""``grade EXERCISE -k WORDS``: which tests run, matched on their ids *and* their titles.

A student copies words from the report (``-k "exactly once"``), which pytest's ``-k`` cannot
parse. Here ``-k`` takes either a pytest keyword expression (``mean and not mae``), whose
words may match a test's id or its title, or a phrase that must appear in one of them.
Matching ignores case. :func:`matching` says what a keyword selects, so the command line
can refuse a keyword that selects nothing (a usage error) before grading starts.
"""
from __future__ import annotations

from _pytest.mark.expression import Expression


class NoMatchingTest(ValueError):
    """The keyword selects no test of the exercise (a usage error)."""


def _texts(item) -> list[str]:
    from grader.session import test_title  # the title the report shows
    return [item.name.lower(), test_title(item).lower()]


def _phrase_matches(keyword: str, item) -> bool:
    words = keyword.lower().strip()
    return any(words in text or words.replace(" ", "_") in text for text in _texts(item))


def matcher(keyword: str):
    """A predicate on collected items for ``keyword``."""
    try:
        expression = Expression.compile(keyword)
    except (SyntaxError, ValueError):  # not a keyword expression: a phrase
        return lambda item: _phrase_matches(keyword, item)

    def matches(item) -> bool:
        if _phrase_matches(keyword, item):
            return True
        texts = _texts(item)
        return expression.evaluate(lambda name, **_: any(name.lower() in text for text in texts))
    return matches


def matching(items, keyword: str | None) -> list:
    """The items ``keyword`` selects (all of them without one)."""
    if not keyword:
        return list(items)
    selects = matcher(keyword)
    return [item for item in items if selects(item)]


class KeywordSelection:
    """A pytest plugin that keeps the tests ``keyword`` selects and deselects the rest."""

    def __init__(self, keyword: str):
        self.keyword = keyword

    def pytest_collection_modifyitems(self, config, items):
        kept = matching(items, self.keyword)
        dropped = [item for item in items if item not in kept]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = kept
