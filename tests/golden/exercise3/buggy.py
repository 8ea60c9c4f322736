"""Plausible exercise-3 bugs, each named after what it gets wrong."""
from tests.golden.mutants import mutant

MODULE = "exercise3_data"

MUTANTS = [
    mutant("standardizes_with_sample_std",
           ("data.std(dim=0, correction=0)", "data.std(dim=0)"),
           {"test_standardize_zero_mean_unit_variance", "test_standardize_accepts_numpy",
            "test_get_data_ch11", "test_standardize_matches_reference"}),
    mutant("forgets_the_short_last_batch",
           ("    stop = n - n % batch_size if drop_last else n\n    for start in range(0, stop, batch_size):\n"
            "        batch = order[start:start + batch_size]\n        yield features[batch], labels[batch]",
            "    stop = n - n % batch_size\n    for start in range(0, stop, batch_size):\n"
            "        batch = order[start:start + batch_size]\n        yield features[batch], labels[batch]"),
           {"test_data_iter_covers_every_example_once", "test_data_iter_without_shuffle_keeps_order",
            "test_data_iter_shuffles_each_epoch_anew", "test_unshuffled_batches_match_reference",
            "test_data_iter_accepts_numpy"}),
    mutant("never_shuffles",
           ("    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)\n"
            "    stop = n - n % batch_size if drop_last else n\n    for start in range(0, stop, batch_size):\n"
            "        batch = order[start:start + batch_size]\n        yield features[batch], labels[batch]",
            "    order = torch.arange(n)\n"
            "    stop = n - n % batch_size if drop_last else n\n    for start in range(0, stop, batch_size):\n"
            "        batch = order[start:start + batch_size]\n        yield features[batch], labels[batch]"),
           {"test_data_iter_shuffles_each_epoch_anew"}),
    mutant("shuffles_batches_not_examples",
           ("    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)\n"
            "    stop = n - n % batch_size if drop_last else n\n    for start in range(0, stop, batch_size):\n"
            "        batch = order[start:start + batch_size]\n        yield features[batch], labels[batch]",
            "    starts = torch.arange(0, n, batch_size)\n"
            "    if shuffle:\n        starts = starts[torch.randperm(len(starts), generator=generator)]\n"
            "    for start in starts.tolist():\n        if drop_last and start + batch_size > n:\n            continue\n"
            "        batch = torch.arange(start, min(start + batch_size, n))\n"
            "        yield features[batch], labels[batch]"),
           {"test_data_iter_shuffles_each_epoch_anew", "test_data_iter_covers_every_example_once",
            "test_data_iter_accepts_numpy"}),
    mutant("labels_not_shuffled_with_features",
           ("        yield features[batch], labels[batch]\n    # END SOLUTION\n\n\ndef data_iter_with",
            "        yield features[batch], labels[order[start:start + batch_size].sort().values]\n"
            "    # END SOLUTION\n\n\ndef data_iter_with"),
           {"test_data_iter_covers_every_example_once", "test_data_iter_shuffles_each_epoch_anew",
            "test_data_iter_accepts_numpy"}),
    mutant("samples_without_replacement",
           ("        batch = torch.randint(0, n, (batch_size,), generator=generator)\n        yield",
            "        batch = torch.randperm(n, generator=generator)[:batch_size]\n        yield"),
           {"test_with_replacement_statistics"}),
    mutant("loader_len_floors_without_drop_last",
           ("return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)",
            "return n // self.batch_size"),
           {"test_load_array_len_and_epochs"}),
    mutant("loader_shuffles_once_for_all_epochs",
           (("        self.generator = torch.Generator().manual_seed(seed) if seed is not None else None\n",
             "        self.generator = torch.Generator().manual_seed(seed) if seed is not None else None\n"
             "        self.order = torch.randperm(len(self.tensors[0]), generator=self.generator)\n"),
            ("        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)\n"
             "        stop = n - n % self.batch_size",
             "        order = self.order if self.shuffle else torch.arange(n)\n"
             "        stop = n - n % self.batch_size")),
           {"test_load_array_shuffles_when_training"}),
    mutant("sgd_forgets_to_zero_gradients",
           ("            p.grad.zero_()\n    # END SOLUTION\n\n\ndef accumulate", "    # END SOLUTION\n\n\ndef accumulate"),
           {"test_sgd_step", "test_training_converges_on_airfoil", "test_training_curve_matches_reference"}),
    mutant("sgd_adds_the_gradient",
           ("            p -= hyperparams[\"lr\"] * p.grad\n            p.grad.zero_()\n    # END SOLUTION\n\n\ndef accumulate",
            "            p += hyperparams[\"lr\"] * p.grad\n            p.grad.zero_()\n    # END SOLUTION\n\n\ndef accumulate"),
           {"test_sgd_step", "test_training_converges_on_airfoil", "test_training_curve_matches_reference"}),
    mutant("accumulates_sum_of_micro_batch_means",
           ("(loss_fn(X, y) * (len(X) / total)).backward()", "loss_fn(X, y).backward()"),
           {"test_accumulated_gradient_equals_big_batch"}),
    mutant("accumulates_onto_stale_gradients",
           ("    for p in params:\n        p.grad = None\n", ""),
           {"test_accumulated_gradient_equals_big_batch"}),
    mutant("variance_uses_norm_not_squared_norm",
           ("total += float(((flat_grad(features[batch], labels[batch]) - full) ** 2).sum())",
            "total += float(((flat_grad(features[batch], labels[batch]) - full) ** 2).sum().sqrt())"),
           {"test_gradient_variance_falls_as_one_over_b", "test_gradient_variance_matches_reference"}),
    mutant("records_loss_every_100_examples",
           ("            if seen % 200 == 0:\n", "            if seen % 100 == 0:\n"),
           {"test_train_ch11_records_every_200_examples", "test_training_curve_matches_reference"}),
    mutant("per_example_python_loop",
           ("        batch = order[start:start + batch_size]\n        yield features[batch], labels[batch]\n"
            "    # END SOLUTION\n\n\ndef data_iter_with",
            "        batch = order[start:start + batch_size].tolist()\n"
            "        yield (torch.stack([features[i] for i in batch]), torch.stack([labels[i] for i in batch]))\n"
            "    # END SOLUTION\n\n\ndef data_iter_with"),
           {"test_data_iter_speed_close_to_reference"}),
]
