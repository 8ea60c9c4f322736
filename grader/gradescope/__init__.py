"""Gradescope: the autograder zip (``grade gradescope-build``) and what runs inside it."""
