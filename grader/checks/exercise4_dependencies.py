"""Exercise 4's tests: the student function each checks, and those it uses (root cause first).

Read by :func:`grader.dependencies.declared` through the suite's ``DEPENDENCIES``. A strategy's
tests are parametrized by it (``matmul_{strategy}``); the speed comparisons between strategies
use each strategy they time, so a crashing ``matmul_full`` is shown before them. ``gflops``
may call the student's ``time_strategy`` or not: only what the test itself calls is named.
"""
from grader.dependencies import by_param

STRATEGY = by_param("strategy", "matmul_{}")
DEPENDENCIES = {
    **{name: (STRATEGY, ()) for name in ("test_strategy_matches_torch_mm", "test_strategy_keeps_float32",
                                         "test_strategy_is_the_asked_one", "test_strategy_speed_close_to_reference")},
    "test_blocked_default_block_size": ("matmul_blocked", ()),
    "test_speed_ordering_element_column_full": ("matmul_elementwise", ("matmul_columnwise", "matmul_full")),
    "test_blocked_at_least_half_of_full": ("matmul_blocked", ("matmul_full",)),
    "test_leaderboard_blocked_gflops_at_1024": ("matmul_blocked", ()),
    "test_time_strategy_seconds_per_call": ("time_strategy", ()),
    "test_time_strategy_warms_up_first": ("time_strategy", ()),
    "test_time_strategy_waits_for_the_gpu": ("time_strategy", ()),
    "test_gflops_counts_2n3_flops": ("gflops", ()),
    "test_gflops_agrees_with_grader": ("gflops", ()),
    "test_compare_strategies_reports_every_strategy": ("compare_strategies", ()),
    "test_plot_gflops_log_bar_chart": ("plot_gflops", ()),
}
