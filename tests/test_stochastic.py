import numpy as np
import pytest

from lessonlib import stochastic
from lessonlib.optim import Optimiser


@pytest.fixture
def data():
    return stochastic.line_data(n=200, seed=0)


def test_exact_fit_zeroes_the_gradient(data):
    A, y = data
    w = stochastic.exact_fit(A, y)
    np.testing.assert_allclose(stochastic.gradient(w, A, y), 0, atol=1e-12)
    assert stochastic.mse(w, A, y) < stochastic.mse(w + [0.01, -0.01], A, y)


def test_minibatch_gradients_average_to_the_full_gradient(data):
    A, y = data
    w = np.array([0.5, -1.0])
    batches = next(stochastic.minibatches(len(y), 20, chains=1, seed=0))  # one shuffle covers all points once
    order = np.concatenate([b for _, b in zip(range(10), stochastic.minibatches(len(y), 20, seed=3))], axis=1)
    assert batches.shape == (1, 20) and sorted(order[0]) == list(range(len(y)))
    parts = [stochastic.gradient(w, A, y, order[0, i:i + 20]) for i in range(0, len(y), 20)]
    np.testing.assert_allclose(np.mean(parts, axis=0), stochastic.gradient(w, A, y))


def test_chained_gradients_are_row_by_row(data):
    A, y = data
    w = np.array([[0.0, 0.0], [1.0, 2.0]])
    idx = np.array([[0, 1, 2], [3, 4, 5]])
    got = stochastic.gradient(w, A, y, idx)
    for k in range(2):
        np.testing.assert_allclose(got[k], stochastic.gradient(w[k], A, y, idx[k]))


def test_full_batch_run_is_gradient_descent_and_chains_are_independent(data):
    A, y = data
    ws = stochastic.minibatch_runs(Optimiser("SGD", lr=0.1), A, y, None, 3)
    w = np.zeros(2)
    for t in range(3):
        w = w - 0.1 * stochastic.gradient(w, A, y)
    np.testing.assert_allclose(ws[-1, 0], w)
    runs = stochastic.minibatch_runs(Optimiser("SGD", lr=0.1), A, y, 10, 50, chains=3, seed=2)
    assert runs.shape == (51, 3, 2) and not np.allclose(runs[-1, 0], runs[-1, 1])
    again = stochastic.minibatch_runs(Optimiser("SGD", lr=0.1), A, y, 10, 50, chains=3, seed=2)
    np.testing.assert_array_equal(runs, again)


def test_schedule_scales_the_learning_rate(data):
    A, y = data
    plain = stochastic.minibatch_runs(Optimiser("SGD", lr=0.05), A, y, None, 1)
    halved = stochastic.minibatch_runs(Optimiser("SGD", lr=0.1), A, y, None, 1, schedule=lambda t: 0.5)
    np.testing.assert_allclose(plain, halved)


@pytest.mark.parametrize("batch_size, message", [(201, "at most the number of examples"),
                                                 (0, "batch_size must be a whole number")])
def test_a_batch_larger_than_the_data_is_a_clear_error_not_an_endless_loop(data, batch_size, message):
    A, y = data
    with pytest.raises(ValueError, match=message):
        next(stochastic.minibatches(len(y), batch_size))
