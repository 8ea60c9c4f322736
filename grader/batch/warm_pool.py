"""The local regrade's executor: ``jobs`` warm grader slots, each grading one student at a time.

It takes what any executor given to :func:`grader.batch.runner.regrade` takes: ``run_task``
with a :class:`~grader.batch.task.GradeTask`, and gives each task to the next free slot
(:class:`~grader.batch.warm_slot.WarmSlot`) instead of a fresh process. A thread per slot
waits on its process; shutting the pool down with ``cancel_futures`` (Ctrl-C) stops the
gradings under way too.
"""
from __future__ import annotations

import queue
import threading
from concurrent.futures import Executor, Future

from grader.batch.task import run_task
from grader.batch.warm_slot import WarmSlot


class WarmGraderPool(Executor):
    """``jobs`` warm slots behind the ``concurrent.futures`` interface."""

    def __init__(self, jobs: int):
        self._tasks: queue.SimpleQueue = queue.SimpleQueue()
        self.slots = [WarmSlot() for _ in range(max(1, jobs))]
        self._threads = [threading.Thread(target=self._serve, args=(slot,), daemon=True) for slot in self.slots]
        for thread in self._threads:
            thread.start()

    def submit(self, fn, /, *args, **kwargs) -> Future:
        if fn is not run_task or kwargs or len(args) != 1:
            raise TypeError("a warm grader pool runs run_task(task) only")
        future: Future = Future()
        self._tasks.put((future, args[0]))
        return future

    def _serve(self, slot: WarmSlot) -> None:
        try:
            while True:
                item = self._tasks.get()
                if item is None:
                    return
                future, task = item
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    future.set_result(slot.run(task))
                except BaseException as exc:  # the batch records it as this student's error
                    future.set_exception(exc)
        finally:
            slot.close()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if cancel_futures:
            while True:
                try:
                    item = self._tasks.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    item[0].cancel()
            for slot in self.slots:  # a grading under way: stopped, its workers closed
                slot.stop()
        for _ in self._threads:
            self._tasks.put(None)
        if wait:
            for thread in self._threads:
                thread.join()
