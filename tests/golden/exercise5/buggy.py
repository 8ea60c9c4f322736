"""Plausible exercise-5 bugs, each named after what it gets wrong.

``fails`` names suite functions; an entry with parameters (``test_x[a-b]``) means the bug
must fail exactly those cases of that function.
"""
from tests.golden.mutants import mutant

MODULE = "exercise5_lars"

STEP_TESTS = {"test_lars_steps_match_float64", "test_lars_steps_match_reference"}
TRUST_TESTS = {"test_trust_ratio_matches_float64", "test_trust_ratio_matches_reference"}
TRAIN_TESTS = {"test_train_mnist_reaches_parr_accuracy", "test_train_mnist_matches_reference"}

ADAPTED_UPDATE = "update = grad.add(p, alpha=weight_decay).mul_(trust)"
BUFFER_UPDATE = ('                state = self.state[p]\n'
                 '                if "momentum_buffer" not in state:\n')

MUTANTS = [
    mutant("norms_of_the_whole_model_not_per_layer",
           ('trust = trust_ratio(p, grad, group["trust_coefficient"], weight_decay, group["eps"])',
            'trust = trust_ratio(torch.cat([q.reshape(-1) for q in group["params"]]),\n'
            '                                        torch.cat([q.grad.reshape(-1) for q in group["params"]\n'
            '                                                   if q.grad is not None]),\n'
            '                                        group["trust_coefficient"], weight_decay, group["eps"])'),
           STEP_TESTS | {"test_lars_excludes_1d_params", "test_lars_skips_params_without_grad"}),
    mutant("no_zero_norm_guard",
           ("    return torch.where((w_norm > 0) & (g_norm > 0), ratio, torch.ones_like(ratio))", "    return ratio"),
           TRUST_TESTS | STEP_TESTS),
    mutant("weight_decay_outside_the_trust_ratio",
           (ADAPTED_UPDATE, "update = grad.mul(trust).add_(p, alpha=weight_decay)"),
           STEP_TESTS | {"test_lars_excludes_1d_params", "test_lars_skips_params_without_grad"}),
    mutant("trust_ratio_forgets_weight_decay_in_the_denominator",
           ("(g_norm + weight_decay * w_norm + eps)", "(g_norm + eps)"),
           TRUST_TESTS | STEP_TESTS | {"test_trust_ratio_published_torchlars_value", "test_lars_excludes_1d_params",
                                       "test_lars_skips_params_without_grad"}),
    mutant("biases_adapted",
           ('if group["exclude_1d"] and p.ndim <= 1:', 'if group["exclude_1d"] and p.ndim < 1:'),
           STEP_TESTS | {"test_lars_excludes_1d_params", "test_lars_skips_params_without_grad"}),
    mutant("weight_decay_on_excluded_params",
           ("                    update = grad\n", "                    update = grad.add(p, alpha=weight_decay)\n"),
           STEP_TESTS | {"test_lars_excludes_1d_params", "test_lars_skips_params_without_grad"}),
    mutant("momentum_buffer_not_stored_in_state",
           (BUFFER_UPDATE, BUFFER_UPDATE.replace("self.state[p]",
                                                 'self.__dict__.setdefault("buffers", {}).setdefault(p, {})')),
           {"test_lars_state_dict_round_trip"}),
    mutant("momentum_buffer_restarted_every_step",
           ('                if "momentum_buffer" not in state:\n', "                if True:\n"),
           STEP_TESTS | {"test_lars_skips_params_without_grad"}),
    mutant("learning_rate_applied_twice",
           ('p.add_(state["momentum_buffer"], alpha=-lr)', 'p.add_(state["momentum_buffer"].mul(lr), alpha=-lr)'),
           STEP_TESTS | {"test_lars_excludes_1d_params", "test_lars_skips_params_without_grad"}),
    mutant("momentum_may_reach_one",
           ('"momentum": (lambda v: 0 <= v < 1, "a number in [0, 1)")', '"momentum": (lambda v: 0 <= v, "a number >= 0")'),
           {"test_lars_rejects_bad_hyperparameters[False-momentum-1.5]",
            "test_lars_rejects_bad_hyperparameters[True-momentum-1.5]"}),
    mutant("linear_scaling_inverted",
           ("    return base_lr * batch_size / base_batch_size\n", "    return base_lr * base_batch_size / batch_size\n"),
           {"test_linear_scaled_lr", "test_lars_trains_at_batch_1024"}),
    mutant("warmup_starts_at_zero",
           ("return peak_lr * (step + 1) / warmup_steps", "return peak_lr * step / warmup_steps"),
           {"test_warmup_then_poly_lr"}),
    mutant("keeps_the_last_model",
           ("    if best_state is not None:\n        model.load_state_dict(best_state)\n", ""),
           {"test_train_mnist_keeps_the_best_model"}),
    mutant("softmax_before_the_loss",
           ("loss = F.cross_entropy(model(X_train[batch]), y_train[batch])",
            "loss = F.cross_entropy(model(X_train[batch]).softmax(dim=1), y_train[batch])"),
           TRAIN_TESTS),
    mutant("never_zeroes_gradients",
           ("            optimizer.zero_grad()\n", ""),
           TRAIN_TESTS),
]
