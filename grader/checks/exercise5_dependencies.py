"""Exercise 5's tests: the student function each checks, and those it uses (root cause first).

Read by :func:`grader.dependencies.declared` through the suite's ``DEPENDENCIES``. ``LARS``
validates its settings with ``check_hyperparameters`` (the stub says so); training uses ``LARS``.
"""
DEPENDENCIES = {
    "test_trust_ratio_matches_float64": ("trust_ratio", ()),
    "test_trust_ratio_published_torchlars_value": ("trust_ratio", ()),
    "test_trust_ratio_matches_reference": ("trust_ratio", ()),
    "test_lars_steps_match_float64": ("LARS", ()),
    "test_lars_excludes_1d_params": ("LARS", ()),
    "test_lars_skips_params_without_grad": ("LARS", ()),
    "test_lars_state_dict_round_trip": ("LARS", ()),
    "test_lars_steps_match_reference": ("LARS", ()),
    "test_lars_step_on_cuda_close_to_reference": ("LARS", ()),
    "test_lars_rejects_bad_hyperparameters": ("LARS", ("check_hyperparameters",)),
    "test_linear_scaled_lr": ("linear_scaled_lr", ()),
    "test_linear_scaled_lr_rejects_bad_batch_sizes": ("linear_scaled_lr", ()),
    "test_warmup_then_poly_lr": ("warmup_then_poly_lr", ()),
    "test_warmup_then_poly_lr_rejects_bad_arguments": ("warmup_then_poly_lr", ()),
    "test_lars_trains_at_batch_1024": ("train_mnist", ("LARS",)),
    "test_train_mnist_reaches_parr_accuracy": ("train_mnist", ()),
    "test_train_mnist_keeps_the_best_model": ("train_mnist", ()),
    "test_train_mnist_matches_reference": ("train_mnist", ()),
}
