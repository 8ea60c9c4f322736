"""Warm grader slots: one process grades student after student, and no student reaches the next."""
from __future__ import annotations

import shutil
import signal
from pathlib import Path

from grader.batch.runner import batch_sandbox, regrade
from grader.batch.task import GRADED, TIMEOUT, GradeTask
from grader.batch.warm_slot import WarmSlot
from tests.golden.exercise3.buggy import MODULE, MUTANTS

KIT = Path(__file__).resolve().parent.parent
GOLDEN = KIT / "tests" / "golden" / "exercise3"
REFERENCE = KIT / "solutions" / f"{MODULE}.py"
ONE_TEST = "zero_mean"


def _task(tmp_path: Path, student: str, submission: Path, timeout_s: float = 300) -> GradeTask:
    return GradeTask(student=student, submission=str(submission), exercise="exercise3",
                     json_out=str(tmp_path / f"{student}.report.json"), log_out=str(tmp_path / f"{student}.txt"),
                     feedback_dir=str(tmp_path / student), timeout_s=timeout_s, keyword=ONE_TEST,
                     sandbox=batch_sandbox(same_user=True))


def test_one_slot_grades_in_turn_and_starts_afresh_after_a_timeout(tmp_path):
    hang = tmp_path / "dave.py"
    hang.write_text("while True:\n    pass\n")
    slot = WarmSlot()
    try:
        first, second = (slot.run(_task(tmp_path, name, REFERENCE)) for name in ("ann", "ben"))
        assert [r["status"] for r in (first, second)] == [GRADED, GRADED] and slot.started == 1
        assert first["report"]["score"] == second["report"]["score"] == 2
        assert "Total: 2 / 2" in (tmp_path / "ben.txt").read_text()  # each task's own log
        first_process = slot._process
        stuck = slot.run(_task(tmp_path, "dave", hang, timeout_s=5))
        assert stuck["status"] == TIMEOUT and "limit of 5 s" in stuck["message"]
        # SIGTERM unwound the grading and the slot ended by itself: not SIGKILLed after the grace period.
        assert first_process.returncode is not None and first_process.returncode != -signal.SIGKILL
        after = slot.run(_task(tmp_path, "eve", REFERENCE))
        assert after["status"] == GRADED and after["report"]["score"] == 2 and slot.started == 2
    finally:
        slot.close()


def _statuses(summary) -> dict:
    return {r["student"]: (r["status"], r["score"], {t["test_id"]: t["status"] for t in r["report"]["tests"]})
            for r in summary.records}


# The slow students fail by a wide margin even beside two busy processes (the burner 8.7-11.7x,
# the per-example loop 15.0-17.1x, against a bound of 4x): no need for the machine alone.
def test_warm_grades_equal_cold_ones_after_an_attacker_and_a_cpu_burner(tmp_path, monkeypatch):
    """Graded first in the slot, an attacker (kill the grader, spawn, write results) and a data_iter
    that burns CPU while the reference is timed change nothing for the students after them."""
    monkeypatch.setenv("GRADER_POLICY", "off")  # let the attacks run: the slot's isolation is the defence
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(GOLDEN / "hostile" / "attacks_the_grader_process.py", folder / "a_attacker.py")
    shutil.copy(GOLDEN / "hostile" / "timing" / "slow_data_iter_burning_cpu.py", folder / "b_burner.py")
    shutil.copy(REFERENCE, folder / "c_reference.py")
    slow = next(m for m in MUTANTS if m.name == "per_example_python_loop")
    (folder / "d_slow.py").write_text(slow.source(MODULE))
    # The speed test that times the reference too, at batch 100 (a slow copy takes 49 s to fail batch 10).
    keyword = "speed_close_to_reference and 100 or zero_mean"
    graded = {warm: regrade("exercise3", folder, tmp_path / f"{warm}.csv", jobs=1, warm=warm, keyword=keyword,
                            progress=False, same_user=True, feedback_dir=tmp_path / f"feedback-{warm}")
              for warm in (True, False)}
    warm, cold = _statuses(graded[True]), _statuses(graded[False])
    assert warm == cold
    assert set(cold["c_reference"][2].values()) == {"passed"} and cold["a_attacker"][1] == 0
    for slow in ("d_slow", "b_burner"):  # each too slow in at least one batch size, warm and cold alike
        assert "failed" in {status for test, status in cold[slow][2].items() if "speed" in test}, cold[slow]
