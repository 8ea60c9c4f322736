"""Failures that come from the submission, reported to the student as plain messages.

They subclass ``AssertionError`` so pytest counts them as failed tests, and the plugin
shows only their message: the student needs what went wrong, not the grader's frames.
"""
from __future__ import annotations


class GradingFailure(AssertionError):
    """A test failed for a reason the message explains fully."""


class SubmissionError(GradingFailure):
    """The submission raised an exception (or failed to import) while a probe ran."""

    def __init__(self, function: str, error: dict):
        self.function = function
        self.error = error
        self.error_type = error.get("type", "Exception")
        stage = error.get("stage")
        if stage == "import":
            head = f"Your module could not be imported: {self.error_type}: {error.get('message', '')}"
        elif self.error_type == "AttributeError" and "module '" in error.get("message", ""):
            head = f"{function}: your module lacks something the grader needs ({error.get('message')})."
        elif self.error_type == "NotImplementedError":
            head = f"{function} is not implemented yet ({error.get('message') or 'NotImplementedError'})."
        elif stage == "result":
            head = f"{function}: {error.get('message', '')}"
        else:
            head = f"{function} raised {self.error_type}: {error.get('message', '')}"
        trace = error.get("traceback") or ""
        super().__init__(head + (f"\n{trace}" if trace else ""))


class WorkerCrashed(GradingFailure):
    """The worker process died while running the submission."""


class ProbeTimeout(GradingFailure):
    """The submission did not return in time."""


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot be set up as required (a grading error, not a student's)."""
