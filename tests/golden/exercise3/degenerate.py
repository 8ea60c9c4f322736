"""Exercise-3 submissions that do nothing useful, and the only tests they may pass.

Built from the reference like the golden bugs: everything but the degenerate function is
correct, so the submission earns exactly the points of what it leaves intact.
"""
from tests.golden.mutants import mutant

MODULE = "exercise3_data"

DEGENERATE = [
    # One constant batch per epoch: before, "data_iter gives the same order twice" gave it a point.
    mutant("data_iter_yields_one_constant_batch",
           ("    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)\n"
            "    stop = n - n % batch_size if drop_last else n\n    for start in range(0, stop, batch_size):\n"
            "        batch = order[start:start + batch_size]\n        yield features[batch], labels[batch]",
            "    yield features[:batch_size], labels[:batch_size]"),
           # It keeps its batch-size checks, and load_array, training and the variance do not use it:
           # those points it earns (37 of 51). It loses every test of an epoch, timing included.
           {"test_data_iter_covers_every_example_once", "test_data_iter_without_shuffle_keeps_order",
            "test_data_iter_shuffles_each_epoch_anew", "test_data_iter_reproducible_with_generator",
            "test_data_iter_accepts_numpy", "test_data_iter_speed_close_to_reference",
            "test_big_batches_take_less_time_per_epoch", "test_unshuffled_batches_match_reference"}),
]
