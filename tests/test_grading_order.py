"""Grading does not depend on what ran before it in the same process."""
from __future__ import annotations

from grader import exercises
from grader.points import collect_items


def test_grading_after_listing_points_uses_the_grading_profile(grade_submission, kit_root):
    # `grade list` imports the suite first; @given must still carry the grading settings.
    collect_items(exercises.get("exercise3"))
    report = grade_submission("exercise3", kit_root / "solutions" / "exercise3_data.py", keyword="standardize")
    assert report.score == report.max_score > 0, [t.output for t in report.tests]
