"""lessonlib.online: an optimiser on a sequence of linear losses, projected onto an interval."""

import numpy as np
import pytest

from lessonlib.online import periodic_coefficients, random_coefficients, run_online
from lessonlib.optim import Optimiser


def test_periodic_coefficients_put_the_large_one_where_t_mod_period_is_1():
    c = periodic_coefficients(7, 3.0, -1.0, 3)
    assert c.shape == (7, 1) and c[:, 0].tolist() == [3, -1, -1, 3, -1, -1, 3]


def test_random_coefficients_are_seeded_and_have_the_right_frequency():
    c = random_coefficients(20_000, 1010.0, -10.0, 0.01, seed=3, problems=2)
    assert c.shape == (20_000, 2) and set(np.unique(c)) == {1010.0, -10.0}
    assert 0.008 < np.mean(c == 1010.0) < 0.012
    assert np.array_equal(c, random_coefficients(20_000, 1010.0, -10.0, 0.01, seed=3, problems=2))
    assert not np.array_equal(c, random_coefficients(20_000, 1010.0, -10.0, 0.01, seed=4, problems=2))


def test_sgd_steps_against_the_gradient_and_is_projected():
    run = run_online(Optimiser("SGD", lr=0.25), [1.0, 1.0, 1.0, -1.0, -1.0], start=0.5)
    # 0.5 -> 0.25 -> 0 -> -0.25 -> 0 -> 0.25, all inside [-1, 1]
    assert run.x[:, 0] == pytest.approx([0.5, 0.25, 0.0, -0.25, 0.0, 0.25])
    pinned = run_online(Optimiser("SGD", lr=1.0), [-5.0, -5.0], start=0.0)
    assert pinned.x[:, 0].tolist() == [0.0, 1.0, 1.0]  # clamped at the upper end


def test_regret_against_the_best_fixed_point():
    run = run_online(Optimiser("SGD", lr=1.0), [-5.0, -5.0], start=0.0)
    # f_1 is met at x_0 = 0 (loss 0) and f_2 at x_1 = 1 (loss -5); the best fixed point, x = 1,
    # scores -5 and then -10 in total
    assert run.regret()[:, 0].tolist() == [5.0, 5.0]
    assert run.average_regret()[:, 0].tolist() == [5.0, 2.5]


def test_columns_are_independent_problems_for_an_element_wise_optimiser():
    c = np.hstack([periodic_coefficients(50, 3.0, -1.0, 3), random_coefficients(50, 2.0, -1.0, 0.3, seed=1)])
    adam = Optimiser("Adam", lr=0.05, betas=(0.0, 0.1))
    both = run_online(adam, c)
    for k in range(2):
        assert np.array_equal(both.x[:, k], run_online(adam, c[:, k]).x[:, 0])


def test_adam_fails_and_amsgrad_succeeds_on_reddi_et_al_theorem_1():
    # f_t = C x once every 3 steps, -x otherwise: the best point is -1 (Reddi et al. 2018, Section 3)
    C = 3.0
    c = periodic_coefficients(1500, C, -1.0, 3)
    settings = dict(lr=0.02, betas=(0.0, 1 / (1 + C**2)))
    adam = run_online(Optimiser("Adam", **settings), c)
    amsgrad = run_online(Optimiser("Adam", amsgrad=True, **settings), c)
    assert adam.x[-1, 0] > 0.9 and amsgrad.x[-1, 0] < -0.9
    assert adam.average_regret()[-1, 0] > 10 * amsgrad.average_regret()[-1, 0]


@pytest.mark.parametrize("kwargs, message", [
    (dict(coefficients=[]), "at least one step"),
    (dict(coefficients=np.zeros((2, 2, 2))), "at least one step"),
    (dict(coefficients=[1.0, np.nan]), "finite"),
    (dict(coefficients=[1.0], lower=1.0, upper=-1.0), "lower < upper"),
    (dict(coefficients=[1.0], start=2.0), "start must lie in"),
    (dict(coefficients=[1.0], optimiser="Adamm"), "unknown optimiser"),
])
def test_bad_input_is_a_clear_error(kwargs, message):
    kwargs = {"optimiser": "Adam"} | kwargs
    with pytest.raises(ValueError, match=message):
        run_online(**kwargs)


@pytest.mark.parametrize("call, message", [
    (lambda: periodic_coefficients(10, 3.0, -1.0, 1), "period must be a whole number >= 2"),
    (lambda: periodic_coefficients(0, 3.0, -1.0, 3), "steps must be a whole number"),
    (lambda: random_coefficients(10, 3.0, -1.0, 1.5), "probability must lie strictly between 0 and 1"),
])
def test_bad_sequences_are_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
