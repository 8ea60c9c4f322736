"""Plausible exercise-4 bugs, each named after what it gets wrong.

``fails`` lists full test ids (with their parameters): a bug in one strategy must cost that
strategy's tests and nothing else. ``GPU_FAILS`` adds the CUDA tests a bug loses where a
GPU is present; on a CPU-only machine those tests are skipped with a stated reason.
"""
from tests.golden.mutants import mutant

MODULE = "exercise4_matmul"

BLOCKED_LOOP = ("    for start in range(0, C.shape[1], block_size):\n"
                "        A[:, start:start + block_size] = torch.mm(B, C[:, start:start + block_size])\n")
ELEMENTWISE_BODY = ("    A = torch.zeros(B.shape[0], C.shape[1], dtype=B.dtype, device=B.device)\n"
                    "    for i in range(B.shape[0]):\n        for j in range(C.shape[1]):\n"
                    "            A[i, j] = torch.dot(B[i, :], C[:, j])\n")

MUTANTS = [
    mutant("full_returns_the_transpose",
           ("    return torch.mm(B, C)\n", "    return torch.mm(C.T, B.T)\n"),
           {"test_strategy_matches_torch_mm[full-cpu]", "test_strategy_keeps_float32[full]"}),
    mutant("blocked_drops_the_last_narrow_block",
           ("range(0, C.shape[1], block_size)", "range(0, C.shape[1] - block_size + 1, block_size)"),
           {"test_strategy_matches_torch_mm[blocked-cpu]", "test_strategy_keeps_float32[blocked]",
            "test_blocked_default_block_size", "test_strategy_is_the_asked_one[blocked]"}),
    mutant("blocked_ignores_block_size",
           (BLOCKED_LOOP, BLOCKED_LOOP.replace("block_size", "64")),
           {"test_strategy_is_the_asked_one[blocked]"}),
    mutant("blocked_five_times_slower",
           (BLOCKED_LOOP, "    for _ in range(5):\n" + "".join("    " + line + "\n"
                                                         for line in BLOCKED_LOOP.splitlines())),
           {"test_strategy_speed_close_to_reference[blocked-cpu]", "test_blocked_at_least_half_of_full[cpu]",
            "test_strategy_is_the_asked_one[blocked]"}),  # the recorded calls show the repeated work
    mutant("elementwise_returns_torch_mm",
           (ELEMENTWISE_BODY + "    return A\n", "    return torch.mm(B, C)\n"),
           {"test_strategy_is_the_asked_one[elementwise]", "test_speed_ordering_element_column_full[cpu]",
            "test_compare_strategies_reports_every_strategy"}),
    mutant("elementwise_copies_entries_of_torch_mm",
           (ELEMENTWISE_BODY, "    product = torch.mm(B, C)\n"
            + ELEMENTWISE_BODY.replace("torch.dot(B[i, :], C[:, j])", "product[i, j]")),
           {"test_strategy_is_the_asked_one[elementwise]"}),
    mutant("elementwise_result_in_default_dtype",
           (ELEMENTWISE_BODY, ELEMENTWISE_BODY.replace("dtype=B.dtype, ", "")),
           {"test_strategy_matches_torch_mm[elementwise-cpu]"}),
    mutant("rowwise_forgets_to_transpose",
           ("torch.mv(C.T, B[i, :])\n", "torch.mv(C, B[i, :])\n"),
           {"test_strategy_matches_torch_mm[rowwise-cpu]", "test_strategy_keeps_float32[rowwise]",
            "test_strategy_is_the_asked_one[rowwise]", "test_strategy_speed_close_to_reference[rowwise-cpu]"}),
    mutant("columnwise_multiplies_by_mm",
           ("A[:, j] = torch.mv(B, C[:, j])", "A[:, j] = torch.mm(B, C[:, j:j + 1])[:, 0]"),
           {"test_strategy_is_the_asked_one[columnwise]"}),
    mutant("times_gpu_without_synchronising",
           ('    use_events = device.type == "cuda"\n', "    use_events = False\n"),
           set()),
    mutant("times_the_cold_first_call",
           ("    strategy(B, C)  # warm-up: the first call pays for allocations and start-up\n", ""),
           {"test_time_strategy_warms_up_first[1]"}),
    mutant("gflops_counts_n3_flops",
           ("    return 2 * n ** 3 / time_strategy(", "    return n ** 3 / time_strategy("),
           {"test_gflops_counts_2n3_flops"}),
    mutant("plot_on_a_linear_axis",
           ('    ax.set_yscale("log")\n    ax.set_ylabel("GFLOPS")\n', '    ax.set_ylabel("GFLOPS")\n'),
           {"test_plot_gflops_log_bar_chart"}),
]

# On a GPU, time_strategy's clock read without synchronising measures only the kernel launch;
# on the CPU every torch call has finished when it returns, so the same code is correct there.
GPU_FAILS = {
    "times_gpu_without_synchronising": {"test_gflops_agrees_with_grader[cuda]",
                                        "test_time_strategy_waits_for_the_gpu[cuda]"},
}

# Hostile: torch.mm run with torch functions' dispatch switched off, so the call recorder in
# the worker sees no product at all. The policy has no rule against it; the source does.
HIDES_TORCH_MM_FROM_THE_RECORDER = mutant(
    "hides_torch_mm_from_the_recorder",
    (ELEMENTWISE_BODY + "    return A\n",
     "    with torch._C.DisableTorchFunction():  # the recorder sees nothing in here\n"
     "        return torch.mm(B, C)\n"),
    {"test_strategy_is_the_asked_one[elementwise]"})
