"""Regrading on a Dask cluster: ``grade batch EXERCISE DIR --dask tcp://HOST:8786``.

The cluster's workers run :func:`grader.batch.task.run_task` exactly as the local process
pool does, so each grading is still a child process of its own with its sandboxed workers.
Every Dask worker needs the kit installed at the same path and the submissions and the
feedback folder on a path it sees (a shared file system). ``distributed`` is an optional
extra: ``pip install -e '.[dask]'``.
"""
from __future__ import annotations

from contextlib import contextmanager

CONNECT_TIMEOUT_S = 30


class DaskUnavailable(RuntimeError):
    """No ``distributed`` package, or no scheduler at the address: the message says which."""


@contextmanager
def dask_executor(address: str):
    """A ``concurrent.futures`` executor backed by the Dask scheduler at ``address``."""
    try:
        from distributed import Client
    except ImportError:
        raise DaskUnavailable("--dask needs the optional package 'distributed': "
                              "pip install -e '.[dask]' (or pip install distributed)") from None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise DaskUnavailable(f"no Dask scheduler answered at {address} ({exc}); start one with "
                              "`dask scheduler` and workers with `dask worker ADDRESS`") from None
    try:
        # Not pure: regrading a student twice (--force) must grade twice, not reuse a result.
        yield client.get_executor(pure=False)
    finally:
        client.close()
