"""``grade EXERCISE -k WORDS``: which tests run, matched on their ids *and* their titles.

A student copies words from the report (``-k "exactly once"``), which pytest's ``-k`` cannot
parse. Here ``-k`` takes either a pytest keyword expression (``mean and not mae``), whose
words may match a test's id or its title, or a phrase that must appear in one of them (when
it is no expression, or selects nothing as one).
Matching ignores case. :func:`matching` says what a keyword selects, so the command line
can refuse a keyword that selects nothing (a usage error) before grading starts.
"""
from __future__ import annotations

from _pytest.mark.expression import Expression


def _texts(item) -> list[str]:
    from grader.pytest_reports import test_title  # the title the report shows
    return [item.name.lower(), test_title(item).lower()]


def _phrase_matches(keyword: str, item) -> bool:
    words = keyword.lower().strip()
    return any(words in text or words.replace(" ", "_") in text for text in _texts(item))


def _expression(keyword: str) -> Expression | None:
    try:
        return Expression.compile(keyword)
    except (SyntaxError, ValueError):  # not a keyword expression ("exactly once"): a phrase
        return None


def _selected_by(expression: Expression, item) -> bool:
    texts = _texts(item)
    return expression.evaluate(lambda name, **_: any(name.lower() in text for text in texts))


def matching(items, keyword: str | None) -> list:
    """The items ``keyword`` selects (all of them without one).

    A keyword expression is evaluated on each test's id and title; a keyword that is not one,
    or that selects nothing as one, is taken as a phrase to find in an id or a title.
    """
    items = list(items)
    if not keyword:
        return items
    expression = _expression(keyword)
    chosen = [item for item in items if _selected_by(expression, item)] if expression is not None else []
    return chosen or [item for item in items if _phrase_matches(keyword, item)]


class KeywordSelection:
    """A pytest plugin that keeps the tests ``keyword`` selects and deselects the rest."""

    def __init__(self, keyword: str):
        self.keyword = keyword

    def pytest_collection_modifyitems(self, config, items):
        kept = matching(items, self.keyword)
        chosen = set(map(id, kept))
        dropped = [item for item in items if id(item) not in chosen]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = kept
