"""Exercise-2 submissions that do nothing useful, and the only tests they may pass.

Built from the reference like the golden bugs, so everything else is correct: each earns
exactly the points of the functions it leaves intact, none for the ones it reduces to a
constant (a property of a constant, such as "never increases", is worth nothing).
"""
from tests.golden.mutants import mutant

MODULE = "exercise2_optimizers"

SCHEDULE_TESTS = {"test_schedule_matches_formula", "test_schedule_edge_cases", "test_schedules_are_monotone",
                  "test_schedules_match_reference"}

DEGENERATE = [
    # Every decaying schedule returns 123.0: before, "Decays never increase" gave it 2.5 points.
    # It loses every schedule test; the optimizers and the noisy quadratic (its schedules are
    # the trusted side's) it earns.
    mutant("schedules_return_a_constant",
           (("    return math.exp(-rate * t)\n", "    return 123.0\n"),
            ("    return (1 + beta * t) ** (-alpha)\n", "    return 123.0\n"),
            ("    return eta0 / (1 + beta * t)\n", "    return 123.0\n"),
            ("    return base_lr * gamma ** bisect.bisect_right(milestones, t)\n", "    return 123.0\n"),
            ("    # BEGIN SOLUTION\n    if t < warmup_steps:\n", "    # BEGIN SOLUTION\n    return 123.0\n    if t < warmup_steps:\n")),
           SCHEDULE_TESTS),
    # Every optimizer keeps its states and zeroes the gradients but never moves a parameter:
    # before, "adagrad/rmsprop put 1e-6 inside the square root" gave it 2 points. It earns what
    # it does do (states initialised, gradients zeroed, adam's t advanced), and the schedules,
    # the noisy quadratic and train_concise (torch.optim's optimizers).
    mutant("optimizers_never_change_the_parameters",
           (("            p -= hyperparams[\"lr\"] * p.grad\n", "            p -= 0 * p.grad\n"),
            ("            p[:] -= hyperparams[\"lr\"] * v\n", "            p[:] -= 0 * v\n"),
            ("            s[:] += torch.square(p.grad)\n            p[:] -= hyperparams[\"lr\"]",
             "            s[:] += torch.square(p.grad)\n            p[:] -= 0"),
            ("(1 - gamma) * torch.square(p.grad)\n            p[:] -= hyperparams[\"lr\"]",
             "(1 - gamma) * torch.square(p.grad)\n            p[:] -= 0"),
            ("            p[:] -= hyperparams[\"lr\"] * v_hat / (torch.sqrt(s_hat) + EPS)\n",
             "            p[:] -= 0 * v_hat / (torch.sqrt(s_hat) + EPS)\n")),
           {"test_update_matches_float64", "test_updates_in_place", "test_agrees_with_torch_optim",
            "test_eps_inside_the_root_unlike_torch", "test_optimizer_converges_on_airfoil",
            "test_optimizers_match_reference"}),
]
