"""Grading as an ordinary user (a TA's laptop): no second user, so the defences are the
worker's own session, its audit hook and the trusted side's timeouts.

The grader runs here as an unprivileged uid that owns a private copy of the kit (as a TA
owns their checkout), so a submission could write to the kit's files if nothing stopped it.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import textwrap
from pathlib import Path

import pytest

from grader.sandbox.limits import worker_python
from grader.sandbox.uids import lease_uid

KIT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="runs the grader as another, unprivileged uid")

# The grader is the process of this uid whose environment names the kit (a worker's parent
# may be the worker template instead: grader/sandbox/template.py).
FIND_THE_GRADER = """
        import os
        def grader():
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    environ = open(f"/proc/{pid}/environ", "rb").read().split(b"\\0")
                except OSError:
                    continue
                found = dict(e.split(b"=", 1) for e in environ if b"=" in e)
                if b"PYTHONPATH" in found and int(pid) != os.getpid():
                    return int(pid), found[b"PYTHONPATH"].decode()
"""
ATTACKS = {
    # Kills the template its worker was forked from (no audit hook sees ctypes): later workers
    # start the old way, and every grading after it still runs.
    "kills_the_worker_template": """
        import ctypes, os, signal
        ctypes.CDLL(None).kill(os.getppid(), signal.SIGKILL)
        raise RuntimeError("the template was killed")
    """,
    # Finds the kit through the grader's environment, then writes into it: by path, then by dir_fd.
    "writes_into_the_kit": FIND_THE_GRADER + """
        kit = grader()[1]
        target = os.path.join(kit, "grader", "checks", "compare.py")
        refused = []
        try:
            open(target, "a").write("\\nfail = lambda *a, **k: None\\n")
        except OSError as exc:
            refused.append(str(exc))
        home = os.path.dirname(kit)  # beside the kit: not protected, but not the worker's folder either
        for folder, name in ((os.path.dirname(target), "compare.py"), (home, "planted.py")):
            try:  # a dir_fd would get round checks on the path
                fd = os.open(folder, os.O_RDONLY)
                os.write(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, dir_fd=fd), b"\\nfail = None\\n")
            except OSError as exc:
                refused.append(str(exc))
        try:
            open(os.path.join(home, "planted.py"), "w").write("fail = None\\n")
        except OSError as exc:
            refused.append(str(exc))
        raise RuntimeError(" | ".join(refused))
    """,
    "signals_the_grader": FIND_THE_GRADER + """
        import signal
        refused = []
        for attempt in (lambda: os.killpg(os.getpgid(grader()[0]), signal.SIGKILL),
                        lambda: os.kill(grader()[0], signal.SIGKILL)):
            try:
                attempt()
            except OSError as exc:
                refused.append(str(exc))
        raise RuntimeError(" | ".join(refused))
    """,
    # kill(0): its own process group, which is no longer the grader's (a session of its own).
    "kills_its_own_group": """
        import os, signal
        os.kill(0, signal.SIGKILL)
    """,
    # Reopens the request pipe through /proc and fills it, then never reads: a blocking write
    # from the grader would wait forever.
    "fills_the_request_pipe": """
        import ctypes, os, sys, time
        import grader.sandbox.channel as channel
        channel.Reader.receive = lambda self, timeout=None: time.sleep(3600)
        fd = int(sys.argv[sys.argv.index("--req-fd") + 1])
        libc = ctypes.CDLL(None, use_errno=True)
        pipe = libc.open(f"/proc/self/fd/{fd}".encode(), os.O_WRONLY | os.O_NONBLOCK)
        try:
            while True:
                os.write(pipe, b"x" * 65536)
        except BlockingIOError:
            pass
    """,
}

RUNNER = textwrap.dedent("""
    import json, sys
    from grader import api
    from grader.sandbox import template
    from grader.sandbox.limits import Limits, worker_python
    out = {}
    for path in sys.argv[2:]:
        report = api.grade("exercise3", path, keyword="zero_mean", feedback_dir=sys.argv[1] + "/feedback",
                           limits=Limits(call_timeout_s=4, start_timeout_s=60))
        out[path.rsplit("/", 1)[-1][:-3]] = {"score": report.score, "notes": report.notes,
                                             "shown": "\\n".join(report.errors + [t.output for t in report.tests]),
                                             "template_alive": template._templates[worker_python()].alive}
    print(json.dumps(out))
""")


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def ordinary_user():
    """(uid, home, kit, run): a uid that owns a private copy of the kit and runs commands as itself."""
    lease = lease_uid()
    home = Path(tempfile.mkdtemp(prefix="laptop-"))  # not under pytest's root-only folder
    kit = home / "kit"
    shutil.copytree(KIT / "grader", kit / "grader", ignore=shutil.ignore_patterns("__pycache__"))
    (kit / "solutions").mkdir()
    shutil.copy(KIT / "solutions" / "exercise3_data.py", kit / "solutions")
    for path in [home, *home.rglob("*")]:
        os.lchown(path, lease.uid, lease.uid)
    os.chmod(home, 0o700)

    def run(*args, timeout=300):
        env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "PYTHONPATH": str(kit),
               "GRADER_DATA_DIR": os.environ.get("GRADER_DATA_DIR", ""),
               "GRADER_POLICY": "off"}  # the policy refuses these attacks: this proves the defences behind it
        return subprocess.run([worker_python(), *args], user=lease.uid, group=lease.uid, extra_groups=[],
                              cwd=home, env=env, capture_output=True, text=True, timeout=timeout,
                              start_new_session=True)
    yield lease.uid, home, kit, run
    lease.release()
    shutil.rmtree(home, ignore_errors=True)


def test_ordinary_user_attacks_are_stopped_and_the_report_is_written(ordinary_user):
    uid, home, kit, run = ordinary_user
    paths = []
    for name, source in ATTACKS.items():
        path = home / f"{name}.py"
        path.write_text(textwrap.dedent(source))
        os.chown(path, uid, uid)
        paths.append(str(path))
    before = _digest(kit)
    done = run("-c", RUNNER, str(home), *paths)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(results) == set(ATTACKS)
    assert all(r["score"] == 0 for r in results.values())
    assert all(any("no second user was available" in n for n in r["notes"]) for r in results.values())
    kit_writes = results["writes_into_the_kit"]["shown"]
    assert kit_writes.count("does not let submissions access") == 2, kit_writes  # the kit itself
    assert "open a folder outside their own" in kit_writes and "write outside their own folder" in kit_writes
    assert _digest(kit) == before and not (home / "planted.py").exists(), "a submission changed the kit's files"
    signals = results["signals_the_grader"]["shown"]
    assert "signal other process groups" in signals and "signal other processes" in signals
    assert "it was killed" in results["kills_its_own_group"]["shown"]
    assert "the template was killed" in results["kills_the_worker_template"]["shown"]
    # The killed template is started again for the next worker, and every later grading runs.
    assert [r["template_alive"] for r in results.values()] == [False] + [True] * (len(ATTACKS) - 1)
    assert "request pipe was full" in results["fills_the_request_pipe"]["shown"]


def test_batch_refuses_other_peoples_code_without_same_user(ordinary_user):
    uid, home, kit, run = ordinary_user
    folder = home / "class"
    folder.mkdir(exist_ok=True)
    shutil.copy(KIT / "solutions" / "exercise3_data.py", folder / "alice.py")
    for path in (folder, folder / "alice.py"):
        os.chown(path, uid, uid)
    refused = run("-m", "grader.cli", "batch", "exercise3", str(folder), "--out", str(home / "g.csv"),
                  "-k", "zero_mean")
    assert refused.returncode == 2
    assert "not root" in refused.stderr and "--same-user" in refused.stderr and "container" in refused.stderr
    assert not (home / "g.csv").exists()
    done = run("-m", "grader.cli", "batch", "exercise3", str(folder), "--out", str(home / "g.csv"),
               "-k", "zero_mean", "--same-user")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "alice,2,2,graded" in (home / "g.csv").read_text()
