"""Regrading on a Dask cluster: ``grade batch EXERCISE DIR --dask tcp://HOST:8786``.

Each Dask worker grades as a local slot does: in a warm grader process it keeps for one student
after another (:func:`grader.batch.warm_slot.run_in_warm_slot`), each grading with its own
sandboxed workers.
Every Dask worker needs the kit installed at the same path and the submissions and the
feedback folder on a path it sees (a shared file system). ``distributed`` is an optional
extra: ``pip install -e '.[dask]'``.
"""
from __future__ import annotations

from concurrent.futures import Executor
from contextlib import contextmanager, suppress

from grader.batch.task import run_task
from grader.batch.warm_slot import close_slots_here, run_in_warm_slot

CONNECT_TIMEOUT_S = 30


class DaskUnavailable(RuntimeError):
    """No ``distributed`` package, or no scheduler at the address: the message says which."""


class WarmOnEachWorker(Executor):
    """Another engine's executor, with ``run_task`` run in each of its workers' warm slots."""

    def __init__(self, executor: Executor):
        self._executor = executor

    def submit(self, fn, /, *args, **kwargs):
        return self._executor.submit(run_in_warm_slot if fn is run_task else fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._executor.shutdown(wait=wait)  # Dask's takes no cancel_futures: closing its client cancels


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
        yield WarmOnEachWorker(client.get_executor(pure=False))
    finally:
        with suppress(Exception):  # a lost worker has no slots left to end
            client.run(close_slots_here)
        client.close()
