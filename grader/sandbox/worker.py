"""The trusted side's handle on one untrusted worker process.

``Worker.call(probe, **inputs)`` runs ``probe(submission_module, **inputs)`` in the child
and returns fresh plain data. A crash, hang or exit costs that call: the handle raises a
:class:`GradingFailure` with a clear message and starts a new child on the next call.
Closing it, or any restart, kills every process of the worker (under root: of its uid).
What the submission prints is kept per test (:attr:`Worker.output`) and at import
(:attr:`Worker.import_output`); a call that hangs is reported with the submission's line,
and the function that hung is not called again (:mod:`grader.sandbox.hangs`).
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from grader.sandbox import channel, hangs, launch, wire
from grader.sandbox.errors import ProbeTimeout, SubmissionError, WorkerCrashed
from grader.sandbox.limits import Limits, WorkerUser, worker_environment, worker_python
from grader.sandbox.processes import ProcessSet
from grader.sandbox.student_output import OutputLog, file_size
from grader.sandbox.workdir import WorkerFolder, output_tail

STOP_TIMEOUT_S = 2.0
_SIGNAL_HINTS = {
    signal.SIGKILL: "it was killed (out of memory, or stopped by the grader)",
    signal.SIGXCPU: "it used up its CPU-time limit",
    signal.SIGXFSZ: "it wrote more output than allowed",
    signal.SIGSEGV: "it crashed (segmentation fault)",
    signal.SIGABRT: "it aborted",
}


def probe_name(probe) -> str:
    """'module:function' for a probe function (or pass the string through)."""
    if isinstance(probe, str):
        return probe
    return f"{probe.__module__}:{probe.__name__}"


def describe_exit(returncode: int | None) -> str:
    if returncode is None:
        return "it stopped answering"
    if returncode < 0:
        sig = signal.Signals(-returncode)
        return _SIGNAL_HINTS.get(sig, f"it was ended by {sig.name}")
    return f"it exited with status {returncode} (sys.exit or os._exit?)"


class Worker:
    """One sandboxed child process holding one submission module (or none)."""

    def __init__(self, submission: Path | None, module_name: str, *, label: str = "submission",
                 limits: Limits = Limits(), user: WorkerUser = WorkerUser(),
                 protect: tuple[str, ...] = (), readable: tuple[str, ...] = (), env: dict | None = None,
                 python: str | None = None,
                 parent_dir: Path | None = None, load_error: str = ""):
        self.submission = Path(submission) if submission else None
        self.module_name = module_name
        self.label = label
        self.limits = limits
        self.user = user
        self.protect = tuple(protect)
        self.readable = tuple(readable)  # inside protected folders: the datasets, say
        self.extra_env = dict(env or {})
        self.parent_dir = parent_dir  # where the worker's private folder is made
        # Set by the session: a context manager that freezes every other worker while this one is timed.
        self.pause_others = contextlib.nullcontext
        self.python = python or worker_python()
        self._deadline: float | None = None
        # The first crash or hang within a test is that test's verdict: later calls in the same
        # test (hypothesis shrinking, say) fail at once instead of crashing or hanging again.
        self._test_failure: Exception | None = None
        self.restarts = 0
        self.timeouts = 0
        self.import_retries = 0  # crashes while importing, retried in a fresh worker
        self._proc: subprocess.Popen | None = None
        self._processes: ProcessSet | None = None
        self._reader = self._writer = None
        self._folder: WorkerFolder | None = None
        self._output_fd = -1
        self._stack_file = None  # where the worker dumps its stack when asked (hangs.STACK_SIGNAL)
        self._student = label != "reference"  # the reference's output and lines are never shown
        self.output = OutputLog()  # what the submission printed since the session last took it
        self.import_output: str | None = None  # what importing it printed (its first start)
        self._hangs: list[hangs.Hang] = []  # calls that hung: their functions are not called again
        self._source_lines: list[str] | None = None  # the submission's, for the line where it hung
        self._pipe_fds: tuple[int, ...] = ()  # the grader's ends of the two pipes, and the exit watch
        self._next_id = 0
        # Set when the module cannot be loaded at all: every call then fails with this, at once.
        self._fatal_import_error: dict | None = (
            {"type": "SubmissionError", "stage": "import", "message": load_error} if load_error else None)

    # -- life cycle -------------------------------------------------------------------
    def _main(self) -> str:
        return str(self._folder.kit / "grader" / "sandbox" / "worker_main.py")

    def _arguments(self, module: Path | None) -> list[str]:
        """worker_main.py's arguments, but for its descriptors."""
        folder = self._folder
        arguments = ["--kit-path", str(folder.kit), "--module-name", self.module_name,
                     "--submission", str(module or ""), "--writable", str(folder.work),
                     "--readable", str(folder.root)]
        for path in self.readable:
            arguments += ["--readable", path]
        for path in self.protect:
            arguments += ["--protect", path]
        return arguments

    def _environment(self) -> dict:
        work = self._folder.work
        return {**worker_environment(), "HOME": str(work), "TMPDIR": str(work),
                "MPLCONFIGDIR": str(work / ".matplotlib"), **self.extra_env}

    def _spawn(self) -> None:
        """A fresh folder and child process; the pipes' far ends are closed here."""
        self._folder = WorkerFolder(self.parent_dir, self.label, self.user)
        module = self._folder.add_module(self.submission, self.module_name) if self.submission else None
        self._output_fd = self._folder.open_output()
        self._stack_file = tempfile.TemporaryFile(dir=self._folder.root)
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        try:
            self._proc = launch.start(launch.Launch(
                self.python, self._main(), self._arguments(module), str(self._folder.work), self._environment(),
                self.limits, self.user, (req_r, resp_w, self._stack_file.fileno()), self._output_fd))
        finally:
            os.close(req_r)
            os.close(resp_w)
        dropped = self.user.dropped
        self._processes = ProcessSet(uid=self.user.uid if dropped else None, group=self._proc.pid)
        self._pipe_fds = (resp_r, req_w)
        ended = launch.exit_descriptor(self._proc)
        self._reader, self._writer = channel.Reader(resp_r, ended), channel.Writer(req_w)
        self._pipe_fds += (ended,) if ended >= 0 else ()

    def _start_once(self) -> dict | None:
        """Start a child and wait until it has imported the module; a crash while importing is returned."""
        self._spawn()
        try:
            ready = self._reader.receive(timeout=self.limits.start_timeout_s)
        except channel.ChannelTimeout:
            where, _ = self._stopped_at()
            self._note_import_output(None)
            self._fatal_import_error = {"type": "Timeout", "stage": "import", "message":
                                        f"importing the module took over {self.limits.start_timeout_s:.0f} s"
                                        " (a loop or heavy work at module level?)" + where}
            self.kill()
            return None
        except wire.WireError as exc:
            ready = {"import_error": {"type": "ProtocolError", "message": str(exc)}}
        self._note_import_output(ready)
        if ready is None:
            code = self._reap()
            crash = {"type": "WorkerExit", "stage": "import",
                     "message": f"the module stopped the process while importing: "
                                f"{describe_exit(code)}" + self._output_tail()}
            self.kill()
            return crash
        if ready.get("import_error"):
            self._fatal_import_error = dict(ready["import_error"], stage="import")
        return None

    def start(self) -> None:
        """Start the child; a crash while importing gets one more try in a fresh worker.

        Only a second crash is the submission's fault: the first may have come from outside
        (a leftover process of an earlier grading, a machine short of memory).
        """
        crash = self._start_once()
        if crash is not None:
            self.import_retries += 1
            self._discard_folder()
            crash = self._start_once()
        if crash is not None:
            crash["message"] += " (the same happened in a fresh worker)"
            self._fatal_import_error = crash

    def _note_import_output(self, ready: dict | None) -> None:
        """What importing the module printed, kept from its first start only."""
        if self.import_output is not None or not self._student:
            return
        start = ready.get("output_start") if isinstance(ready, dict) else 0
        log = OutputLog()
        log.add(self._output_fd, start if isinstance(start, int) and start >= 0 else 0)
        self.import_output = log.take()

    def _stopped_at(self) -> tuple[str, hangs.Hang | None]:
        """Where the submission is, asked of the stuck worker: lines for the message, and the hang."""
        if not self._student or self._stack_file is None or self._proc is None or self._folder.module is None:
            return "", None
        dump = hangs.request_stack(self._proc.pid, self._stack_file.fileno())
        hang = hangs.parse_stack(dump, str(self._folder.module),
                                 str(self._folder.kit / "grader" / "sandbox" / "worker_main.py"))
        if self._source_lines is None:
            self._source_lines = hangs.source_lines(self.submission)
        return hangs.stopped_at(hang, self._folder.module.name, self._source_lines), hang

    def _output_tail(self, lines: int = 5) -> str:
        tail = output_tail(self._output_fd, lines) if self._output_fd >= 0 else ""
        return f"\nLast output:\n{tail}" if tail else ""

    def _reap(self, wait_s: float = 5.0) -> int | None:
        if self._proc is None:
            return None
        try:
            return self._proc.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """Kill every process of the worker (its uid's, under root); keep its folder."""
        if self._processes is not None:
            self._processes.kill()
        if self._proc is not None:
            self._reap()
            self._proc = None
        for fd in self._pipe_fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self._pipe_fds = ()

    def _discard_folder(self) -> None:
        if self._output_fd >= 0:
            os.close(self._output_fd)
            self._output_fd = -1
        if self._stack_file is not None:
            self._stack_file.close()
            self._stack_file = None
        if self._folder is not None:
            self._folder.remove()
            self._folder = None

    def close(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            try:
                self._writer.send({"stop": True}, timeout=STOP_TIMEOUT_S)
                self._proc.wait(timeout=STOP_TIMEOUT_S)
            except (OSError, channel.ChannelTimeout, subprocess.TimeoutExpired):
                pass
        self.kill()
        self._discard_folder()

    @contextlib.contextmanager
    def frozen(self):
        """Every process of this worker stopped (SIGSTOP) for the block, then let go on."""
        if self._processes is None or not self.alive:
            yield
            return
        self._processes.freeze()
        try:
            yield
        finally:
            self._processes.thaw()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- calls ------------------------------------------------------------------------
    @property
    def deadline(self) -> float | None:
        return self._deadline

    @deadline.setter
    def deadline(self, value: float | None) -> None:
        """Set by the plugin when a test starts and ends: its budget for calls."""
        self._deadline = value
        self._test_failure = None

    @property
    def _budget_deadline(self) -> float | None:
        """When the test's budget ends: the student's alone (the reference keeps its own call limit)."""
        return self._deadline if self._student else None

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _timeout(self, timeout: float | None, within_test: bool = True) -> float:
        budget = timeout or self.limits.call_timeout_s
        if self.timeouts >= self.limits.strikes:
            # Code that has hung again and again gets short shrift, so a report still comes soon.
            budget = min(budget, self.limits.after_strikes_timeout_s)
        if within_test and self._budget_deadline is not None:
            budget = min(budget, max(0.5, self._budget_deadline - time.monotonic()))
        return budget

    def call(self, probe, *, timeout: float | None = None, **inputs):
        """Run ``probe(module, **inputs)`` in the worker and return its plain-data value."""
        return self._guarded_call(probe, timeout, inputs)[0]

    def timed_call(self, probe, *, timeout: float | None = None, **inputs):
        """Like :meth:`call`, also returning the seconds measured here, around the call.

        Every other worker of the session is frozen meanwhile, so nothing the other side
        started (threads, processes) competes with the code being timed.
        """
        self._ensure_started()  # outside the freeze: importing is not timed
        with self.pause_others():
            return self._guarded_call(probe, timeout, inputs, timed=True)

    def _guarded_call(self, probe, timeout: float | None, inputs: dict, timed: bool = False):
        name = probe_name(probe)
        # The student function a failure names: the probe's own, or the one a generic probe was asked to call.
        function = getattr(probe, "function", None) or inputs.get("function") or name.split(":")[-1]
        if self._test_failure is not None:
            raise self._test_failure.with_traceback(None)
        if self._budget_deadline is not None and time.monotonic() > self._budget_deadline:
            raise ProbeTimeout(f"{function}: this test's time budget is used up (is your code far too slow?)")
        try:
            return self._call(name, function, timeout, inputs, timed)
        except (ProbeTimeout, WorkerCrashed) as failure:
            if self._deadline is not None:
                self._test_failure = failure
            raise
        except SubmissionError as failure:
            if self._deadline is not None and failure.error_type == "MemoryError":
                self._test_failure = failure
            raise

    def _ensure_started(self) -> None:
        if self._fatal_import_error is None and not self.alive:
            if self._folder is not None:
                self.close()
                self.restarts += 1
            self.start()

    def _call(self, name: str, function: str, timeout: float | None, inputs: dict, timed: bool = False):
        hung = next((hang for hang in self._hangs if hang.function == function), None)
        if hung is not None:
            raise hangs.not_called_again(function, hung)
        self._ensure_started()
        if self._fatal_import_error is not None:
            raise SubmissionError(function, self._fatal_import_error)
        self._next_id += 1
        request_id = self._next_id
        request = {"id": request_id, "probe": name, "kwargs": inputs}
        if timed:  # the whole probe on one torch thread (grader.probes.one_thread says why)
            request["one_thread"] = True
        if self._hangs:
            request["not_again"] = [hang.line for hang in self._hangs]
        limit = self._timeout(timeout)
        output_start = file_size(self._output_fd)
        start = time.perf_counter()
        try:
            self._writer.send(request, timeout=limit)
        except channel.ChannelTimeout:
            self.kill()
            raise WorkerCrashed(f"{function}: the grader could not send its request within {limit:.0f} s "
                                "(the request pipe was full: the submission wrote into it)") from None
        except (BrokenPipeError, wire.WireError) as exc:
            self.kill()
            raise WorkerCrashed(f"{function}: the submission broke the grader's channel ({exc})") from None
        try:
            reply = self._reader.receive(timeout=limit)
        except channel.ChannelTimeout:
            where, hang = self._stopped_at()
            # Hung: it had a call's whole time. Stopped at the end of the test's budget, it is too slow.
            if hang is not None and limit >= self._timeout(timeout, within_test=False):
                self._hangs.append(hang)
            self._keep_output(output_start)
            self.kill()
            self.timeouts += 1
            raise ProbeTimeout(f"{function} did not return within {limit:.0f} s "
                               "(an infinite loop, or far too slow?)" + where) from None
        except (BrokenPipeError, wire.WireError) as exc:
            self.kill()
            raise WorkerCrashed(f"{function}: the submission broke the grader's channel ({exc})") from None
        elapsed = time.perf_counter() - start
        self._keep_output(output_start)
        if reply is None:
            code = self._reap()
            tail = self._output_tail()
            self.kill()
            raise WorkerCrashed(f"{function}: the process running your code ended: "
                                f"{describe_exit(code)}.{tail}")
        if reply.get("id") != request_id:
            self.kill()
            raise WorkerCrashed(f"{function}: the submission wrote to the grader's channel")
        if "error" in reply:
            error = reply["error"]
            hung = next((h for h in self._hangs if isinstance(error, dict) and error.get("type") ==
                         hangs.NOT_CALLED_AGAIN and h.line == error.get("line")), None)
            if hung is not None:
                raise hangs.not_called_again(function, hung)
            raise SubmissionError(function, error)
        return reply.get("value"), elapsed

    def _keep_output(self, start: int) -> None:
        if self._student:
            self.output.add(self._output_fd, start)
