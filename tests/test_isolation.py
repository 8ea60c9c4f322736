"""Isolation of one worker from everything else, each attack beside the defence that stops it.

Attacks on the trusted side's reading (bombs), on the process model (leftovers that call
setsid, crashes while importing, CPU burnt while the other side is timed) and on reading
what a worker must not (the checkout, other workers' folders). docs/security.md lists them.
"""
from __future__ import annotations

import errno
import os
import signal
import textwrap
import threading
import time

import pytest

from grader.probes import diagnostics
from grader.sandbox import channel, processes, wire
from grader.sandbox.errors import SubmissionError, WorkerCrashed
from grader.sandbox.limits import Limits, WorkerUser, choose_worker_user, worker_python
from grader.sandbox.uids import lease_uid
from grader.sandbox.worker import Worker

root_only = pytest.mark.skipif(os.geteuid() != 0, reason="uids of their own need root")
SHORT = Limits(call_timeout_s=5, start_timeout_s=30)


def module(folder, source: str, name: str = "student_module"):
    path = folder / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    return path


@pytest.fixture
def own_uid():
    """A WorkerUser with a leased uid of its own (as a grading session makes one)."""
    template, note = choose_worker_user(worker_python(), "auto")
    if not template.dropped:
        pytest.skip(f"no uid can be dropped to here: {note}")
    lease = lease_uid()
    yield WorkerUser(lease.uid, lease.uid, f"uid {lease.uid}")
    lease.release()


# -- the trusted side reads within bounds --------------------------------------------------
def test_nested_empty_lists_are_refused_before_parsing():
    body = b'{"v": [' + b"[]," * (wire.MAX_CONTAINERS + 1) + b"[]]}"
    assert len(body) < wire.MAX_MESSAGE_BYTES
    with pytest.raises(wire.WireError, match="lists and dicts"):
        wire.unpack_body(body)


def test_deep_nesting_and_too_many_elements_are_refused():
    with pytest.raises(wire.WireError, match="nested too deeply"):
        wire.unpack_body(b'{"v": ' + b"[" * 1000 + b"]" * 1000 + b"}")
    with pytest.raises(wire.WireError, match="elements"):
        wire.unpack_body(b'{"v": [' + b"0," * (wire.MAX_ELEMENTS + 1) + b"0]}")
    assert wire.unpack_body(b'{"v": [' + b"[[1]]," * 1000 + b"0]}")["v"][0] == [[1]]  # ordinary data passes


def test_a_write_to_a_worker_that_stops_reading_times_out():
    read_end, write_end = os.pipe()
    try:
        writer = channel.Writer(write_end)
        started = time.monotonic()
        with pytest.raises(channel.ChannelTimeout, match="pipe is full"):
            writer.send({"junk": "x" * (1 << 20)}, timeout=0.5)  # nobody reads: 64 KB fill the pipe
        assert time.monotonic() - started < 3
    finally:
        os.close(read_end)
        os.close(write_end)


def test_only_the_tail_of_a_huge_output_is_read(tmp_path):
    path = module(tmp_path, """
        import os, sys
        sys.stdout.write("x" * (16 << 20) + "\\nLAST LINE\\n")
        sys.stdout.flush()
        os._exit(3)
    """)
    with Worker(path, "student_module", limits=SHORT) as worker:
        with pytest.raises(SubmissionError) as info:
            worker.call(diagnostics.whoami)
    message = str(info.value)
    assert "LAST LINE" in message and len(message) < 5000


def test_a_bomb_reply_costs_the_call_not_the_grader(tmp_path):
    path = module(tmp_path, """
        import json, struct, sys
        from grader.sandbox import channel
        fd = int(sys.argv[sys.argv.index("--resp-fd") + 1])
        def bomb():
            body = b'{"id": 1, "value": [' + b"[]," * 1_000_000 + b'[]]}'
            channel.os.write(fd, struct.pack(">Q", len(body)) + body)
            return 0
    """)
    with Worker(path, "student_module", limits=SHORT) as worker:
        with pytest.raises(WorkerCrashed, match="lists and dicts"):
            worker.call(diagnostics.call, name="bomb")


# -- every process of the worker ends with it ---------------------------------------------
LEFTOVER = """
    import ctypes, os, time
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.fork() == 0:  # ctypes: no audit event
        libc.setsid()  # out of the worker's process group and session
        libc.prctl(15, b"sgdkit-leftover", 0, 0, 0)  # PR_SET_NAME, to find it in /proc
        while True:
            time.sleep(0.05)
    X = 1
"""


def _leftovers() -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        try:
            with open(f"/proc/{entry.name}/comm") as handle:
                if handle.read().strip() == "sgdkit-leftover" and processes._status_fields(entry.name)[1] != "Z":
                    found.append(int(entry.name))
        except (OSError, ValueError, TypeError):
            continue
    return found


@root_only
def test_a_child_that_calls_setsid_dies_with_its_worker(tmp_path, own_uid):
    worker = Worker(module(tmp_path, LEFTOVER), "student_module", user=own_uid, limits=SHORT)
    try:
        assert worker.call(diagnostics.whoami)["uid"] == own_uid.uid
        deadline = time.monotonic() + 5
        while not _leftovers() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _leftovers(), "the attack did not start its leftover"
        assert set(_leftovers()) <= set(processes.processes_of(own_uid.uid))
    finally:
        worker.close()
    assert processes.processes_of(own_uid.uid) == [] and _leftovers() == []


def test_a_crash_while_importing_is_retried_once_in_a_fresh_worker(tmp_path):
    path = module(tmp_path, """
        import time
        time.sleep(2)
        def fine():
            return 42
    """)
    worker = Worker(path, "student_module", limits=SHORT)

    def kill_during_first_import():  # as a leftover of an earlier grading would
        while worker._proc is None:
            time.sleep(0.01)
        time.sleep(0.5)
        os.killpg(worker._proc.pid, signal.SIGKILL)
    killer = threading.Thread(target=kill_during_first_import)
    killer.start()
    try:
        assert worker.call(diagnostics.call, name="fine") == 42
        assert worker.import_retries == 1
    finally:
        killer.join()
        worker.close()


def test_a_module_that_crashes_at_every_import_is_its_own_fault(tmp_path):
    path = module(tmp_path, "import os\nos._exit(3)\n")
    with Worker(path, "student_module", limits=SHORT) as worker:
        with pytest.raises(SubmissionError, match="status 3.*the same happened in a fresh worker"):
            worker.call(diagnostics.whoami)
        assert worker.import_retries == 1


# -- the other side is frozen while one is timed ------------------------------------------
def _cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_the_other_worker_is_frozen_while_one_is_timed(tmp_path):
    from grader import exercises
    from grader.session import GradingSession
    burner = module(tmp_path, """
        import threading
        def _burn():
            while True:
                pass
        threading.Thread(target=_burn, daemon=True).start()
    """, "exercise3_data")
    (tmp_path / "solutions").mkdir()
    module(tmp_path / "solutions", "import time\ndef wait():\n    time.sleep(1.5)\n", "exercise3_data")
    session = GradingSession(exercises.get("exercise3"), burner, solutions_dir=tmp_path / "solutions",
                             feedback_dir=tmp_path / "feedback", limits=SHORT)
    try:
        student, reference = session.student(), session.reference()
        student.call(diagnostics.whoami)
        reference.call(diagnostics.whoami)  # both started: only the timed call itself is measured
        pid = student._proc.pid
        before = _cpu_seconds(pid)
        reference.timed_call(diagnostics.call, name="wait")
        frozen = _cpu_seconds(pid) - before
        before = _cpu_seconds(pid)
        reference.call(diagnostics.call, name="wait")  # an untimed call freezes nothing
        running = _cpu_seconds(pid) - before
    finally:
        session.close()
    assert frozen < 0.15 < 0.3 < running, (frozen, running)


# -- workers of other uids are out of reach -------------------------------------------------
@root_only
def test_a_worker_cannot_read_or_signal_another_students_worker(tmp_path, own_uid):
    other_lease = lease_uid()
    other_user = WorkerUser(other_lease.uid, other_lease.uid, "other")
    victim = Worker(module(tmp_path, "SECRET = 'victim'\n", "victim_module"), "victim_module", user=other_user,
                    limits=SHORT)
    attacker = Worker(module(tmp_path, """
        import ctypes
        def kill(pid):  # ctypes: past the audit hook, so the kernel answers
            libc = ctypes.CDLL(None, use_errno=True)
            return [libc.kill(pid, 9), ctypes.get_errno()]
    """), "student_module", user=own_uid, limits=SHORT)
    try:
        pid = victim.call(diagnostics.whoami)["pid"]
        victim_module = victim._folder.module
        for path in (f"/proc/{pid}/environ", f"/proc/{pid}/mem", str(victim_module)):
            assert attacker.call(diagnostics.read_file, path=path) == {"error": "PermissionError"}, path
        assert attacker.call(diagnostics.read_file, path=str(attacker._folder.module))["read"] > 0
        assert attacker.call(diagnostics.call, name="kill", args=(pid,)) == [-1, errno.EPERM]
        assert victim.alive and victim.call(diagnostics.whoami)["pid"] == pid
    finally:
        attacker.close()
        victim.close()
        other_lease.release()


@root_only
def test_workers_of_a_grader_that_died_unclosed_are_killed_by_the_next_lease(tmp_path):
    if not choose_worker_user(worker_python(), "auto")[0].dropped:
        pytest.skip("no uid can be dropped to here")
    lease = lease_uid()
    orphan = WorkerUser(lease.uid, lease.uid, "orphan")
    worker = Worker(module(tmp_path, "X = 1\n"), "student_module", user=orphan, limits=SHORT)
    try:
        worker.call(diagnostics.whoami)
        os.close(lease._fd)  # the grader dies: its lock goes, its worker stays
        lease._fd = -1
        assert processes.processes_of(lease.uid)
        lease_uid().release()
        assert processes.processes_of(lease.uid) == []
    finally:
        worker.close()
