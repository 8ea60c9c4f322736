"""Timing checks that do not fail correct code on a noisy machine.

The clock runs here, in the trusted process, around a probe call that repeats the work on
fresh inputs and returns checksums the suite verifies, so a submission can neither fake
the time nor skip the work. The practice follows the best benchmark tools
(``torch.utils.benchmark``'s blocked autorange, Triton's ``do_bench``):

* **warm-up** first: the first call pays for allocations, caches and, on a GPU, for
  starting CUDA; it is not measured;
* **blocks, interleaved**: student and reference alternate (A B A B ...), so both see the
  same machine load, and each block is long enough (the probes repeat the work) for the
  call's own overhead not to count;
* **median and spread**: each side is summed up by its median and its interquartile range
  (IQR); each of the student's blocks is compared with the reference's *fastest* block;
* **re-measure before failing**: a comparison that does not pass is measured again, and it
  fails only if every round failed.

Machine noise only ever adds time. The reference's fastest block is therefore the closest
to its real cost, and no submission can lower it: to move the yardstick it would have to
slow down every one of the reference's blocks (and the reference's worker runs while the
student's is paused). The student's blocks are taken as measured: the ratio of each to
the reference's fastest, summed up by their median and quartiles.

A comparison against a bound ``max_ratio`` has one of three outcomes:

* **pass**: the median ratio is within the bound;
* **fail**: even the lower quartile of the ratios is over the bound: at least three of the
  student's blocks in four were too slow;
* **undecided**: the median is over the bound but the lower quartile is not; the spread is
  too large to decide. After the re-measurement (a failure in one round and not in the other
  is undecided too) an undecided comparison costs no points and says so in the report
  ("undecided: too noisy").

Why undecided is not a failure, and why that cannot be gamed: a failure must never be the
machine's fault, and a submission cannot make itself look fast by being noisy. Noise a
submission adds (sleeps, spinning, extra work) only *lengthens* its own blocks, which raises
its ratios, lower quartile included, and so moves it towards "fail"; noise it causes in the
reference's blocks cannot lower the reference's fastest one. To be undecided, a quarter of
its blocks must really have run within the bound.
"""
from __future__ import annotations

import functools
import platform
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

PASS, FAIL, UNDECIDED = "pass", "fail", "undecided"


def quartiles(values) -> tuple[float, float, float]:
    """(lower quartile, median, upper quartile), interpolated between the sorted values."""
    values = sorted(values)
    if len(values) < 2:
        return values[0], values[0], values[0]
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q2, q3


def duration(seconds: float) -> str:
    """Seconds in words a report can show: ``2.31 ms``, ``512 us``, ``1.2 s``."""
    if seconds >= 1:
        return f"{seconds:.3g} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} us"


@dataclass(frozen=True)
class Samples:
    """Seconds measured for one side, block by block."""

    seconds: tuple[float, ...]

    @property
    def median(self) -> float:
        return quartiles(self.seconds)[1]

    @property
    def best(self) -> float:
        """The fastest block: the cost of verified work with the least disturbance added."""
        return min(self.seconds)

    @property
    def iqr(self) -> float:
        low, _, high = quartiles(self.seconds)
        return high - low

    @property
    def relative_spread(self) -> float:
        """The IQR as a fraction of the median (0.1: the middle half lies within 10 %)."""
        return self.iqr / max(self.median, 1e-12)

    def text(self) -> str:
        return f"{duration(self.median)} (IQR {duration(self.iqr)}, fastest {duration(self.best)})"


@dataclass
class SpeedComparison:
    """Paired blocks of the student's and the reference's seconds, and what they mean."""

    student: Samples
    reference: Samples
    outcome: str = ""  # set by within_ratio: PASS, FAIL or UNDECIDED
    rounds: int = 1  # measurement rounds it took (re-measurements included)

    @property
    def blocks(self) -> int:
        return len(self.student.seconds)

    @property
    def student_s(self) -> float:
        return self.student.median

    @property
    def reference_s(self) -> float:
        return self.reference.median

    @property
    def ratios(self) -> list[float]:
        """Each of the student's blocks over the reference's fastest block."""
        return [s / max(self.reference.best, 1e-12) for s in self.student.seconds]

    @property
    def ratio(self) -> float:
        """The median of the ratios."""
        return quartiles(self.ratios)[1]

    @property
    def ratio_quartiles(self) -> tuple[float, float]:
        low, _, high = quartiles(self.ratios)
        return low, high

    def verdict(self, max_ratio: float) -> str:
        """PASS, FAIL or UNDECIDED against ``max_ratio`` (see the module's docstring)."""
        low, _ = self.ratio_quartiles
        if self.ratio <= max_ratio:
            return PASS
        return FAIL if low > max_ratio else UNDECIDED

    @property
    def undecided(self) -> bool:
        return self.outcome == UNDECIDED

    def describe(self, device: str) -> str:
        low, high = self.ratio_quartiles
        undecided = "; undecided: too noisy to judge, no points lost" if self.undecided else ""
        return (f"median of {self.blocks}: yours {self.student.text()}, reference {self.reference.text()} "
                f"({self.ratio:.2f}x, quartiles {low:.2f}-{high:.2f}x) on {device}, "
                f"the other side paused while each was timed{undecided}")


def measure(run, blocks: int, warmup: int = 0) -> Samples:
    """``blocks`` results of a zero-argument callable returning seconds, after ``warmup`` calls."""
    for _ in range(warmup):
        run()
    return Samples(tuple(run() for _ in range(blocks)))


def median_time(run, blocks: int) -> float:
    return measure(run, blocks).median


def remeasured(call, ok):
    """``call()``'s answer, asked once more when ``ok`` rejects it (for a figure checked against
    a band rather than compared: on a busy machine a sleep can wake tens of milliseconds late)."""
    out = call()
    return out if ok(out) else call()


def interleaved(student_run, reference_run, blocks: int = 5, warmup: int = 1) -> SpeedComparison:
    """Times of two zero-argument callables returning seconds, measured A B A B."""
    for _ in range(warmup):
        student_run()
        reference_run()
    student, reference = [], []
    for _ in range(blocks):
        student.append(student_run())
        reference.append(reference_run())
    return SpeedComparison(Samples(tuple(student)), Samples(tuple(reference)))


def within_ratio(student_run, reference_run, max_ratio: float, blocks: int = 5,
                 retries: int = 1) -> tuple[bool, SpeedComparison]:
    """Whether the student's time stays within ``max_ratio`` times the reference's.

    A round that does not pass is measured again, fresh, up to ``retries`` times. The first
    round that passes decides; a failure needs every round to fail (a burst of load seldom
    lasts through two), and anything else is undecided. Returns ``(False, comparison)`` only
    for a clear failure: an undecided comparison returns True with ``comparison.undecided``
    set, for the report to say so. The comparison returned is the last round measured.
    """
    verdicts = []
    for round_number in range(1, retries + 2):
        comparison = interleaved(student_run, reference_run, blocks, warmup=1 if round_number == 1 else 0)
        comparison.rounds = round_number
        verdicts.append(comparison.verdict(max_ratio))
        if verdicts[-1] == PASS:
            break
    comparison.outcome = verdicts[-1] if verdicts[-1] == PASS or set(verdicts) == {FAIL} else UNDECIDED
    return comparison.outcome != FAIL, comparison


# -- the device, for the report -------------------------------------------------------------
def _cpu_clock(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The CPUs' mean current clock, or '' where the system does not say."""
    try:
        speeds = [float(line.split(":")[1]) for line in cpuinfo.read_text().splitlines()
                  if line.lower().startswith("cpu mhz")]
    except (OSError, ValueError, IndexError):
        return ""
    return f"{statistics.mean(speeds) / 1e3:.2f} GHz" if speeds else ""


def _gpu_clocks(index: int = 0) -> str:
    """The GPU's current SM and memory clocks from nvidia-smi, or '' where unreadable."""
    try:
        done = subprocess.run(["nvidia-smi", f"--id={index}", "--query-gpu=clocks.sm,clocks.mem",
                               "--format=csv,noheader,nounits"], capture_output=True, text=True, timeout=10)
        sm, memory = (int(float(v)) for v in done.stdout.strip().splitlines()[0].split(","))
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return ""
    return f"SM {sm} MHz, memory {memory} MHz"


@functools.lru_cache(maxsize=None)
def _gpu_name(index: int = 0) -> str:
    import torch
    return torch.cuda.get_device_name(index)


def device_label(device: str, cpu_detail: str = "") -> str:
    """What a timing ran on, clocks included where the system reports them.

    ``cuda (NVIDIA H200, SM 1980 MHz, memory 3201 MHz)`` or ``cpu (x86_64, 2.40 GHz)``.
    """
    if device == "cuda":
        parts = [_gpu_name(), _gpu_clocks()]
    else:
        parts = [platform.processor() or platform.machine(), cpu_detail, _cpu_clock()]
    return f"{device} ({', '.join(part for part in parts if part)})"
