"""Exercise 3's tests: the student function each checks, and those it uses (root cause first).

Read by :func:`grader.dependencies.declared` through the suite's ``DEPENDENCIES``: a wrong
``standardize`` also fails ``get_data_ch11``'s test, a wrong ``sgd`` the airfoil runs; the
report lists such a failure after the failures of what it uses ("depends on sgd, which fails").
Only what the test itself calls is named (a student's ``load_array`` may use ``data_iter`` or not).
"""
DATA_ITER_TESTS = ("covers_every_example_once", "without_shuffle_keeps_order", "shuffles_each_epoch_anew",
                   "reproducible_with_generator", "accepts_numpy", "rejects_bad_batch_size",
                   "speed_close_to_reference")
DEPENDENCIES = {
    "test_standardize_zero_mean_unit_variance": ("standardize", ()),
    "test_standardize_accepts_numpy": ("standardize", ()),
    "test_standardize_matches_reference": ("standardize", ()),
    **{f"test_data_iter_{name}": ("data_iter", ()) for name in DATA_ITER_TESTS},
    "test_big_batches_take_less_time_per_epoch": ("data_iter", ()),
    "test_unshuffled_batches_match_reference": ("data_iter", ()),
    "test_with_replacement_statistics": ("data_iter_with_replacement", ()),
    "test_load_array_len_and_epochs": ("load_array", ()),
    "test_load_array_shuffles_when_training": ("load_array", ()),
    "test_get_data_ch11": ("get_data_ch11", ("standardize",)),
    "test_sgd_step": ("sgd", ()),
    "test_train_ch11_records_every_200_examples": ("train_ch11", ()),
    "test_training_converges_on_airfoil": ("train_ch11", ("sgd",)),
    "test_training_curve_matches_reference": ("train_ch11", ("sgd",)),
    "test_accumulated_gradient_equals_big_batch": ("accumulate_gradients", ()),
    "test_gradient_variance_falls_as_one_over_b": ("gradient_variance", ()),
    "test_gradient_variance_matches_reference": ("gradient_variance", ()),
}
