"""Exercise-3 submissions that try to look fast only where they are timed.

Built from the reference like the golden bugs: everything but the cheat is correct.
"""
from tests.golden.mutants import mutant

MODULE = "exercise3_data"
TIMING_TESTS = {"test_data_iter_speed_close_to_reference", "test_big_batches_take_less_time_per_epoch"}

# A per-example Python loop (too slow, like the golden bug per_example_python_loop) that
# yields the whole epoch as one big batch when the input looks like a timing input (the
# timed epochs used to be n=20000 and n=5000; every other test uses small n). Before the
# timed epochs were verified it passed the speed test; now each timed epoch is checked here
# batch by batch, and it loses every timing test.
RECOGNISES_THE_TIMING_INPUTS = mutant(
    "recognises_the_timing_inputs_and_returns_one_big_batch",
    ("        batch = order[start:start + batch_size]\n        yield features[batch], labels[batch]\n"
     "    # END SOLUTION\n\n\ndef data_iter_with",
     "        if n >= 4000:  # a timing input: one big batch, fast\n"
     "            yield features[order], labels[order]\n            return\n"
     "        batch = order[start:start + batch_size].tolist()\n"
     "        yield (torch.stack([features[i] for i in batch]), torch.stack([labels[i] for i in batch]))\n"
     "    # END SOLUTION\n\n\ndef data_iter_with"),
    TIMING_TESTS)
