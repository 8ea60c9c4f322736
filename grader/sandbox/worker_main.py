"""The untrusted side: imports a submission and runs probes on request.

Started by :class:`grader.sandbox.worker.Worker` as ``python -I worker_main.py ...``,
with resource limits, a scrubbed environment, a private folder and, when the grader runs
as root, a uid of its own. It answers requests over two inherited pipe descriptors
with the JSON wire format; nothing it sends is trusted by the grader.
"""
from __future__ import annotations

import argparse
import contextlib
import faulthandler
import importlib
import importlib.util
import os
import sys
from pathlib import Path


def _parse_args(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--req-fd", type=int, required=True)
    parser.add_argument("--resp-fd", type=int, required=True)
    parser.add_argument("--kit-path", required=True, help="folder whose child 'grader' is the kit")
    parser.add_argument("--submission", default="", help="module file to import, or '' for none")
    parser.add_argument("--module-name", required=True)
    parser.add_argument("--stack-fd", type=int, default=-1, help="where to dump the stack when asked to")
    parser.add_argument("--protect", action="append", default=[], help="paths the submission may not touch")
    parser.add_argument("--writable", action="append", default=[], help="the only folders it may write to")
    parser.add_argument("--readable", action="append", default=[], help="folders readable inside protected ones")
    return parser.parse_args(argv)


def _describe_error(exc: BaseException, submission: str) -> dict:
    from grader.sandbox.tracebacks import student_traceback  # the kit is on the path by now
    message = str(exc)
    if isinstance(exc, SyntaxError):
        message = f"{exc.msg} (line {exc.lineno}: {(exc.text or '').strip()})"
    return {"type": type(exc).__name__, "message": message[:2000],
            "traceback": student_traceback(exc, submission)}


def _import_submission(path: str, module_name: str):
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def _flush_output() -> None:
    """Everything printed so far into the output file, where the grader reads it."""
    streams = (sys.stdout, sys.stderr)
    if sys.stdout is not sys.__stdout__ or sys.stderr is not sys.__stderr__:
        streams += (sys.__stdout__, sys.__stderr__)  # the submission replaced a stream
    for stream in streams:
        try:
            stream.flush()
        except BaseException:  # a submission's stream may raise anything
            pass


def _output_length() -> int:
    """How much the output file holds (both streams share its descriptor and offset)."""
    _flush_output()
    try:
        return os.lseek(1, 0, os.SEEK_CUR)
    except OSError:
        return 0


def _preload_libraries():
    """Import the heavy libraries before the guard goes up (they spawn nothing later)."""
    import numpy  # noqa: F401
    try:
        import matplotlib
        matplotlib.use("Agg")
        import torch  # noqa: F401
    except ImportError:
        pass


def _threads_for(request: dict):
    """One torch thread for the whole of a timed probe, its bookkeeping included: on a busy
    machine a second thread's hand-offs cost many times the work (grader.probes.one_thread)."""
    if not request.get("one_thread") or "torch" not in sys.modules:
        return contextlib.nullcontext()
    from grader.probes import one_thread
    return one_thread()


def main(argv=None) -> int:
    args = _parse_args(argv if argv is not None else sys.argv[1:])
    sys.path.insert(0, args.kit_path)
    # Each line reaches the output file as printed: in order with stderr's, and kept when a call hangs.
    sys.stdout.reconfigure(line_buffering=True)
    _preload_libraries()
    from grader.sandbox import channel, guard, hangs, wire

    reader = channel.Reader(args.req_fd)
    writer = channel.Writer(args.resp_fd)
    if args.stack_fd >= 0:  # the kit's own handler, before the submission exists: where a hang is
        faulthandler.register(hangs.STACK_SIGNAL, file=args.stack_fd, all_threads=True)
    guard.install(protected=args.protect, writable=args.writable, readable=args.readable)

    submission, import_error = None, None
    output_start = _output_length()
    if args.submission:
        sys.path.insert(0, str(Path(args.submission).parent))
        try:
            submission = _import_submission(args.submission, args.module_name)
        except BaseException as exc:  # a submission may raise anything, SystemExit included
            import_error = _describe_error(exc, args.submission)
    _flush_output()
    writer.send({"ready": True, "import_error": import_error, "output_start": output_start})
    stubs = hangs.Stubs(submission)

    while True:
        request = reader.receive()
        if request is None or request.get("stop"):
            return 0
        reply = {"id": request.get("id")}
        if import_error is not None:
            reply["error"] = dict(import_error, stage="import")
        else:
            try:
                module_name, func_name = str(request["probe"]).split(":")
                if not module_name.startswith("grader.probes."):
                    raise ValueError(f"not a probe: {module_name}")
                probe = getattr(importlib.import_module(module_name), func_name)
                stubs.install(request.get("not_again", ()))
                stubs.reached = None
                with _threads_for(request):
                    reply["value"] = probe(submission, **request.get("kwargs", {}))
            except BaseException as exc:
                reply["error"] = dict(_describe_error(exc, args.submission), stage="call")
            if stubs.reached is not None:  # whatever the probe made of the stub's exception
                reply = {"id": request.get("id"), "error": {
                    "type": hangs.NOT_CALLED_AGAIN, "stage": "call", "line": stubs.reached,
                    "message": "a function that hung earlier was reached", "traceback": ""}}
        _flush_output()
        try:
            writer.send(reply)
        except wire.WireError as exc:
            writer.send({"id": request.get("id"),
                         "error": {"type": "WireError", "stage": "result",
                                   "message": f"the value returned cannot be checked: {exc}",
                                   "traceback": ""}})


if __name__ == "__main__":
    sys.exit(main())
