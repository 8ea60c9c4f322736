"""Peak memory of the trusted grader while a worker sends it bombs, each at the wire's limits.

    python bench/bomb_memory_bench.py            # every bomb, one fresh grader process each

Each bomb runs in a fresh process that plays the grader: it imports torch (as a grading
does), notes its peak resident memory, asks a sandboxed worker for a value, and notes the
peak again. The worker answers with the bomb written straight into its reply pipe, or
prints it. The goal (docs/security.md): the grader stays under 1 GiB whatever it is sent.
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.sandbox import wire  # noqa: E402

_FRAME = """
import struct, sys
from grader.sandbox import channel
_fd = int(sys.argv[sys.argv.index("--resp-fd") + 1])
def send(body):
    channel.os.write(_fd, struct.pack(">Q", len(body)) + body)
    return 0
"""
# name -> (what it is, the module's source: a function bomb() run by the worker)
BOMBS = {
    "nested_empty_lists_64mb": ("64 MB of [] (the issue's 6-30 MB bomb, grown to the byte limit)",
                                _FRAME + "def bomb():\n    return send(b'{\"id\": 2, \"value\": [' + b'[],' * "
                                f"({wire.MAX_MESSAGE_BYTES} // 3 - 20) + b'[]]}}')\n"),
    "empty_lists_at_limit": (f"{wire.MAX_CONTAINERS - 10:,} empty lists (just under the container bound)",
                             _FRAME + "def bomb():\n    return send(b'{\"id\": 2, \"value\": [' + b'[],' * "
                             f"{wire.MAX_CONTAINERS - 10} + b'[]]}}')\n"),
    "floats_at_limit": (f"{wire.MAX_ELEMENTS - 10:,} floats in one list (just under the element bound)",
                        _FRAME + "def bomb():\n    return send(b'{\"id\": 2, \"value\": [' + b'0.5,' * "
                        f"{wire.MAX_ELEMENTS - 10} + b'0.5]}}')\n"),
    "string_at_limit": ("one string of 63 MB (just under the byte bound)",
                        _FRAME + "def bomb():\n    return send(b'{\"id\": 2, \"value\": \"' + b'a' * "
                        f"({wire.MAX_MESSAGE_BYTES} - 100) + b'\"}}')\n"),
    "array_at_limit": ("a float64 array of 47 MB (base64 just under the byte bound)",
                       "import numpy as np\ndef bomb():\n    return np.ones(((" + str(wire.MAX_MESSAGE_BYTES)
                       + " - 1000) * 3 // 4 // 8,))\n"),
    "deep_nesting": ("10 million [ (depth bound)", _FRAME + "def bomb():\n"
                     "    return send(b'{\"id\": 2, \"value\": ' + b'[' * 10_000_000 + b'}')\n"),
    "huge_length_header": ("a frame header claiming 1 TB", _FRAME
                           + "def bomb():\n    channel.os.write(_fd, struct.pack('>Q', 1 << 40))\n"
                           "    import time; time.sleep(60)\n"),
    "printed_120mb": ("120 MB printed, then an exit (the output's tail is read)",
                      "import os, sys\ndef bomb():\n    for _ in range(120):\n"
                      "        sys.stdout.write('y' * (1 << 20) + '\\n')\n"
                      "    sys.stdout.flush()\n    os._exit(1)\n"),
}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(name: str) -> dict:
    """Play the grader for one bomb; returns its peaks and the call's outcome."""
    import torch  # noqa: F401  (a grading process holds torch too)

    from grader.probes import diagnostics
    from grader.sandbox.errors import GradingFailure
    from grader.sandbox.limits import Limits
    from grader.sandbox.worker import Worker
    folder = Path(tempfile.mkdtemp(prefix="bomb-"))
    path = folder / "bomb_module.py"
    path.write_text(textwrap.dedent(BOMBS[name][1]))
    with Worker(path, "bomb_module", limits=Limits(call_timeout_s=60, memory_bytes=8 << 30)) as worker:
        worker.call(diagnostics.whoami)  # started: its import is not the bomb
        before = _peak_mb()
        try:
            worker.call(diagnostics.call, name="bomb", timeout=60)
            outcome = "accepted"
        except GradingFailure as exc:
            outcome = str(exc).splitlines()[0][:110]
    return {"bomb": name, "before_mb": round(before), "peak_mb": round(_peak_mb()), "outcome": outcome}


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(run_one(sys.argv[2])))
        return
    print(f"wire bounds: {wire.MAX_MESSAGE_BYTES >> 20} MB, {wire.MAX_CONTAINERS:,} lists/dicts, "
          f"{wire.MAX_ELEMENTS:,} elements, depth {wire.MAX_DEPTH}")
    print(f"| bomb | grader before | grader peak | outcome |\n|---|---|---|---|")
    for name, (what, _) in BOMBS.items():
        done = subprocess.run([sys.executable, __file__, "--one", name], capture_output=True, text=True,
                              timeout=300)
        if done.returncode != 0:
            print(f"| {what} | - | - | bench failed: {done.stderr.strip().splitlines()[-1:]} |")
            continue
        row = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"| {what} | {row['before_mb']} MB | {row['peak_mb']} MB | {row['outcome']} |", flush=True)


if __name__ == "__main__":
    main()
