"""Every function spins forever."""


def _spin(*args, **kwargs):
    while True:
        pass


standardize = data_iter = data_iter_with_replacement = load_array = get_data_ch11 = _spin
train_ch11 = sgd = accumulate_gradients = gradient_variance = _spin
