"""Exercise 2's tests: the student function each checks, and those it uses (root cause first).

Read by :func:`grader.dependencies.declared` through the suite's ``DEPENDENCIES``. Most tests
are parametrized by the optimizer or schedule they check (:func:`~grader.dependencies.by_param`);
an airfoil run also calls the optimizer's own ``init_*_states``, so a wrong one is shown first.
The noisy-quadratic tests hand ``noisy_sgd_2d`` the kit's own schedules: they use nothing else.
"""
from grader.checks.exercise2_cases import EDGE_CASES
from grader.dependencies import by_param
from grader.probes.exercise2 import INIT_FUNCTIONS

OPTIMIZER = by_param("name")
SCHEDULE_OF_CASE = by_param("case", table={case: schedule for case, (schedule, *_) in EDGE_CASES.items()})
NOISY = ("test_noisy_sgd_2d_path_shape_start_and_seed", "test_noisy_sgd_2d_noise_is_standard_normal",
         "test_constant_rate_stalls_at_noise_floor", "test_polynomial_decay_gets_closer",
         "test_noisy_sgd_2d_matches_reference")
DEPENDENCIES = {
    "test_init_states_are_zeros_shaped_like_params": (by_param("name", table=INIT_FUNCTIONS), ()),
    **{name: (OPTIMIZER, ()) for name in ("test_update_matches_float64", "test_updates_in_place",
                                          "test_zeroes_gradients", "test_agrees_with_torch_optim",
                                          "test_eps_inside_the_root_unlike_torch", "test_optimizers_match_reference")},
    "test_adam_advances_t": ("adam", ()),
    **{name: (OPTIMIZER, ()) for name in ("test_schedule_matches_formula", "test_schedules_are_monotone",
                                          "test_schedules_match_reference")},
    "test_schedule_edge_cases": (SCHEDULE_OF_CASE, ()),
    "test_f_2d_grad": ("f_2d_grad", ()),
    **{name: ("noisy_sgd_2d", ()) for name in NOISY},
    "test_optimizer_converges_on_airfoil": (OPTIMIZER, (by_param("name", table=INIT_FUNCTIONS),)),
    "test_train_concise_converges": ("train_concise", ()),
    "test_train_concise_matches_reference": ("train_concise", ()),
}
