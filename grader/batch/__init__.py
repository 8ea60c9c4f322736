"""Regrade a whole class: ``grade batch EXERCISE SUBMISSIONS_DIR --jobs N --out grades.csv``."""
