"""How one test's feedback reads on Gradescope: Markdown, short, tagged by exercise and function.

The first line of a result's output is the check's own sentence; what follows (expected and
received values, inputs, tracebacks, timing notes) is shown verbatim in a code block, where
Markdown cannot mangle underscores or brackets. Long output is cut with a note, so a page of
forty tests stays scannable. What the submission printed follows under its own heading, in a
code block its text cannot close.
"""
from __future__ import annotations

import ast
import functools
import re

from grader import exercises
from grader.exercises import KIT_ROOT

MAX_TEST_OUTPUT_CHARS = 1500
# Markdown's punctuation, and an underscore unless inside a word (CommonMark leaves those alone).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*{}\[\]<>#+!|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")


def markdown_output(text: str) -> str:
    """A result's plain-text output as Markdown: the sentence, then the details in a code block."""
    text = text.strip()
    if len(text) > MAX_TEST_OUTPUT_CHARS:
        cut = len(text) - MAX_TEST_OUTPUT_CHARS
        text = text[:MAX_TEST_OUTPUT_CHARS].rstrip() + f"\n... ({cut} more characters: grade it locally for all)"
    if not text:
        return ""
    head, _, rest = text.partition("\n")
    head = escape(head)
    if not rest.strip():
        return head
    return f"{head}\n\n{code_block(rest.rstrip())}"


def code_block(text: str) -> str:
    """``text`` verbatim in a fenced block, its fence longer than any run of backticks inside."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text}\n{fence}"


def student_output_block(text: str, heading: str = "Your output (printed by your code during this test):") -> str:
    """What the submission printed, under a heading saying whose it is ('' when nothing was printed)."""
    return f"**{escape(heading)}**\n\n{code_block(text.rstrip())}" if text.strip() else ""


def escape(line: str) -> str:
    """One line of plain text that Markdown shows as written."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", line)


def test_number(exercise_id: str, index: int) -> str:
    """'3.12' for the twelfth test of exercise3 (Gradescope sorts and shows these)."""
    digits = "".join(ch for ch in exercise_id if ch.isdigit()) or "0"
    return f"{digits}.{index}"


@functools.lru_cache(maxsize=None)
def student_functions(exercise_id: str) -> frozenset[str]:
    """Names students write in the exercise (functions, classes, methods), from its module."""
    try:
        module = exercises.get(exercise_id).module
    except KeyError:
        return frozenset()
    for folder in ("solutions", "exercises"):
        path = KIT_ROOT / folder / f"{module}.py"
        if path.exists():
            tree = ast.parse(path.read_text(encoding="utf-8"))
            defined = [node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
            return frozenset(name for name in defined if _is_public(name))
    return frozenset()


def _is_public(name: str) -> bool:
    """Public names and operator methods (``__add__``), not helpers or ``__init__``."""
    dunder = name.startswith("__") and name.endswith("__")
    return (dunder and name != "__init__") or not name.startswith("_")


def tags(exercise_id: str, title: str) -> list[str]:
    """The exercise, then each student function the test's title names."""
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", title))
    return [exercise_id, *sorted(words & student_functions(exercise_id))]
