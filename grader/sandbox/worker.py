"""The trusted side's handle on one untrusted worker process.

``Worker.call(probe, **inputs)`` runs ``probe(submission_module, **inputs)`` in the child
and returns fresh plain data. A crash, hang or exit costs that call: the handle raises a
:class:`GradingFailure` with a clear message and starts a new child on the next call.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from grader.sandbox import channel, wire
from grader.sandbox.errors import ProbeTimeout, SubmissionError, WorkerCrashed
from grader.sandbox.limits import Limits, WorkerUser, worker_python

_WORKER_MAIN = Path(__file__).with_name("worker_main.py")
_GRADER_PACKAGE = Path(__file__).resolve().parent.parent
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
                 protect: tuple[str, ...] = (), env: dict | None = None, python: str | None = None,
                 parent_dir: Path | None = None, load_error: str = ""):
        self.submission = Path(submission) if submission else None
        self.module_name = module_name
        self.label = label
        self.limits = limits
        self.user = user
        self.protect = tuple(protect)
        self.extra_env = dict(env or {})
        self.parent_dir = parent_dir  # where the worker's private folder is made
        self.python = python or worker_python()
        self._deadline: float | None = None
        # The first crash or hang within a test is that test's verdict: later calls in the same
        # test (hypothesis shrinking, say) fail at once instead of crashing or hanging again.
        self._test_failure: Exception | None = None
        self.restarts = 0
        self.timeouts = 0
        self._proc: subprocess.Popen | None = None
        self._reader = self._writer = None
        self._tmp: Path | None = None
        self._pipe_fds: tuple[int, ...] = ()  # the grader's ends of the two pipes
        self._next_id = 0
        # Set when the module cannot be loaded at all: every call then fails with this, at once.
        self._fatal_import_error: dict | None = (
            {"type": "SubmissionError", "stage": "import", "message": load_error} if load_error else None)

    # -- life cycle -------------------------------------------------------------------
    def _prepare_dir(self) -> tuple[Path, Path, Path | None]:
        self._tmp = Path(tempfile.mkdtemp(prefix=f"{self.label}-", dir=self.parent_dir))
        kit, work = self._tmp / "kit", self._tmp / "work"
        kit.mkdir()
        work.mkdir()
        # Only the grader package is importable: the folder holding it (and solutions/) is not.
        (kit / "grader").symlink_to(_GRADER_PACKAGE, target_is_directory=True)
        module = None
        if self.submission is not None:
            (self._tmp / "submission").mkdir()
            module = self._tmp / "submission" / f"{self.module_name}.py"
            shutil.copyfile(self.submission, module)
        if self.user.dropped:
            os.chmod(self._tmp, 0o755)  # the unprivileged user must reach its module and cwd
            for path in (work, *(p for p in [module] if p)):
                os.chown(path, self.user.uid, self.user.gid)
        return kit, work, module

    def start(self) -> None:
        kit, work, module = self._prepare_dir()
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        output = open(self._tmp / "output.txt", "wb")
        env = {"PATH": "/usr/bin:/bin", "HOME": str(work), "TMPDIR": str(work),
               "MPLCONFIGDIR": str(work / ".matplotlib"), "MPLBACKEND": "Agg",
               "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2"),
               **self.extra_env}
        command = [self.python, "-I", str(_WORKER_MAIN), "--req-fd", str(req_r), "--resp-fd",
                   str(resp_w), "--kit-path", str(kit), "--module-name", self.module_name,
                   "--submission", str(module or "")]
        for path in self.protect:
            command += ["--protect", path]
        dropped = self.user.dropped
        kwargs = dict(user=self.user.uid, group=self.user.gid, extra_groups=[]) if dropped else {}
        try:
            self._proc = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                cwd=work, env=env, pass_fds=(req_r, resp_w), start_new_session=True,
                preexec_fn=lambda: self.limits.apply(dropped), **kwargs)
        finally:
            os.close(req_r)
            os.close(resp_w)
            output.close()
        self._reader, self._writer = channel.Reader(resp_r), channel.Writer(req_w)
        self._pipe_fds = (resp_r, req_w)
        try:
            ready = self._reader.receive(timeout=self.limits.start_timeout_s)
        except channel.ChannelTimeout:
            self._fatal_import_error = {"type": "Timeout", "stage": "import", "message":
                                        f"importing the module took over {self.limits.start_timeout_s:.0f} s"
                                        " (a loop or heavy work at module level?)"}
            self.kill()
            return
        except wire.WireError as exc:
            ready = {"import_error": {"type": "ProtocolError", "message": str(exc)}}
        if ready is None:
            code = self._reap()
            self._fatal_import_error = {"type": "WorkerExit", "stage": "import",
                                        "message": f"the module stopped the process while importing: "
                                                   f"{describe_exit(code)}" + self._output_tail()}
            self.kill()
            return
        if ready.get("import_error"):
            self._fatal_import_error = dict(ready["import_error"], stage="import")

    def _output_tail(self, lines: int = 5) -> str:
        try:
            text = (self._tmp / "output.txt").read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return ("\nLast output:\n" + "\n".join(text[-lines:])) if text else ""

    def _reap(self, wait_s: float = 5.0) -> int | None:
        if self._proc is None:
            return None
        try:
            return self._proc.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """Stop the child and everything in its process group; keep the temp folder."""
        if self._proc is not None:
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self._reap()
            self._proc = None
        for fd in self._pipe_fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self._pipe_fds = ()

    def close(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            try:
                self._writer.send({"stop": True})
                self._proc.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

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
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _timeout(self, timeout: float | None) -> float:
        budget = timeout or self.limits.call_timeout_s
        if self.timeouts >= self.limits.strikes:
            # Code that has hung again and again gets short shrift, so a report still comes soon.
            budget = min(budget, self.limits.after_strikes_timeout_s)
        if self._deadline is not None:
            budget = min(budget, max(0.5, self._deadline - time.monotonic()))
        return budget

    def call(self, probe, *, timeout: float | None = None, **inputs):
        """Run ``probe(module, **inputs)`` in the worker and return its plain-data value."""
        return self.timed_call(probe, timeout=timeout, **inputs)[0]

    def timed_call(self, probe, *, timeout: float | None = None, **inputs):
        """Like :meth:`call`, also returning the seconds measured here, around the call."""
        name = probe_name(probe)
        function = getattr(probe, "function", None) or name.split(":")[-1]
        if self._test_failure is not None:
            raise self._test_failure.with_traceback(None)
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise ProbeTimeout(f"{function}: this test's time budget is used up (is your code far too slow?)")
        try:
            return self._call(name, function, timeout, inputs)
        except (ProbeTimeout, WorkerCrashed) as failure:
            if self._deadline is not None:
                self._test_failure = failure
            raise
        except SubmissionError as failure:
            if self._deadline is not None and failure.error_type == "MemoryError":
                self._test_failure = failure
            raise

    def _call(self, name: str, function: str, timeout: float | None, inputs: dict):
        if self._fatal_import_error is None and not self.alive:
            if self._tmp is not None:
                self.close()
                self.restarts += 1
            self.start()
        if self._fatal_import_error is not None:
            raise SubmissionError(function, self._fatal_import_error)
        self._next_id += 1
        request_id = self._next_id
        limit = self._timeout(timeout)
        start = time.perf_counter()
        try:
            self._writer.send({"id": request_id, "probe": name, "kwargs": inputs})
            reply = self._reader.receive(timeout=limit)
        except channel.ChannelTimeout:
            self.kill()
            self.timeouts += 1
            raise ProbeTimeout(f"{function} did not return within {limit:.0f} s "
                               "(an infinite loop, or far too slow?)") from None
        except (BrokenPipeError, wire.WireError) as exc:
            self.kill()
            raise WorkerCrashed(f"{function}: the submission broke the grader's channel ({exc})") from None
        elapsed = time.perf_counter() - start
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
            raise SubmissionError(function, reply["error"])
        return reply.get("value"), elapsed
