"""Probes: small functions the untrusted worker runs against a submission.

A probe is ``probe(submission_module, **plain_inputs) -> plain data``. Probes live in
this package (one module per exercise) because the worker imports them by name; they
hold no verdicts, which are computed by the suites in the trusted process.
"""


def uses(function_name: str):
    """Name the student function a probe exercises, so failures can say which one."""
    def mark(probe):
        probe.function = function_name
        return probe
    return mark
