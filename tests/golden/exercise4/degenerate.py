"""Exercise-4 submissions that do nothing useful, and the only tests they may pass.

Built from the reference like the golden bugs: every product strategy returns a zero matrix
of the right shape, dtype and device (fast, and of the right form), everything else is the
reference's. Each strategy's tests are lost, timing included (the timed products' checksums are
verified); what does not multiply (``time_strategy``, ``gflops``, the chart) keeps its points:
9 of 54, or 10 when the clock happens to rank the zero matrices as ``compare_strategies`` wants.
"""
import re
from pathlib import Path

from tests.golden.mutants import mutant

MODULE = "exercise4_matmul"
STRATEGIES = ("elementwise", "rowwise", "columnwise", "full", "blocked")
ZEROS = "    return torch.zeros(B.shape[0], C.shape[1], dtype=B.dtype, device=B.device)\n"


def _solution_regions() -> list[str]:
    """The solution region of each strategy, as the reference writes it."""
    text = (Path(__file__).resolve().parents[3] / "solutions" / f"{MODULE}.py").read_text(encoding="utf-8")
    return [re.search(rf"def matmul_{name}\(.*?# BEGIN SOLUTION\n(.*?)    # END SOLUTION", text, re.S).group(1)
            for name in STRATEGIES]


DEGENERATE = [
    mutant("strategies_return_a_zero_matrix", [(region, ZEROS) for region in _solution_regions()],
           {f"test_strategy_matches_torch_mm[{name}-cpu]" for name in STRATEGIES}
           | {f"test_strategy_keeps_float32[{name}]" for name in STRATEGIES}
           | {f"test_strategy_is_the_asked_one[{name}]" for name in STRATEGIES}
           | {f"test_strategy_speed_close_to_reference[{name}-cpu]" for name in STRATEGIES}
           | {"test_blocked_default_block_size", "test_speed_ordering_element_column_full[cpu]",
              "test_blocked_at_least_half_of_full[cpu]", "test_leaderboard_blocked_gflops_at_1024",
              "test_gflops_agrees_with_grader[cpu]"},
           # "element-wise far slower than the others": five zero matrices of 48 x 48 take microseconds
           # each, and which comes out twice as slow as another is the clock's noise (usually one does).
           may_fail={"test_compare_strategies_reports_every_strategy"}),
]
