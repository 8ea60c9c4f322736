"""Every function tries to allocate far more memory than the machine has."""


def _bomb(*args, **kwargs):
    hoard = []
    while True:
        hoard.append(bytearray(1 << 30))


standardize = data_iter = data_iter_with_replacement = load_array = get_data_ch11 = _bomb
train_ch11 = sgd = accumulate_gradients = gradient_variance = _bomb
