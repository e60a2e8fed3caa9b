"""The elongated bowl and the chapter's four update rules on it, as torch optimisers."""

import numpy as np
import pytest

from lessonlib.functions import elongated_bowl, elongated_bowl_grad
from lessonlib.landscapes import BETA_GRIDS, BETAS, LRS, RULES, START, descent_paths, ending, plot_paths, tune
from lessonlib.optim import Optimiser


def test_bowl_and_gradient():
    assert elongated_bowl(2.0, 1.0, steep=10.0) == pytest.approx(7.0)
    h = 1e-6
    for x, y in [(1.0, -0.5), (-3.0, 0.2)]:
        numeric = [(elongated_bowl(x + h, y) - elongated_bowl(x - h, y)) / (2 * h),
                   (elongated_bowl(x, y + h) - elongated_bowl(x, y - h)) / (2 * h)]
        np.testing.assert_allclose(elongated_bowl_grad(x, y), numeric, rtol=1e-6)


def one_step(rule):
    return descent_paths(steps=1, rules={"rule": rule})["rule"].xy


def test_rules():
    lr, g = 0.01, np.array(elongated_bowl_grad(*START))
    gd = one_step(Optimiser("SGD", lr=lr))
    np.testing.assert_allclose(gd[1], np.array(START) - lr * g)
    adam = one_step(Optimiser("Adam", lr=lr))  # first Adam step: lr * sign(g)
    np.testing.assert_allclose(adam[1], np.array(START) - lr * np.sign(g), rtol=1e-9)
    rms = one_step(Optimiser("RMSprop", lr=lr, alpha=0.9))  # no bias correction: 1 / sqrt(0.1) times larger
    np.testing.assert_allclose(np.abs(rms[1] - rms[0]), lr / 0.1**0.5, rtol=1e-7)


def test_momentum_as_an_average_is_torchs_heavy_ball_at_a_rescaled_lr():
    lr, beta, steps = 0.12, 0.9, 30
    xy, m = np.array(START), np.zeros(2)
    for _ in range(steps):  # m = beta m + (1 - beta) g, step lr * m
        m = beta * m + (1 - beta) * np.array(elongated_bowl_grad(*xy))
        xy = xy - lr * m
    path = descent_paths(steps, rules={"m": RULES["momentum"].replace(lr=lr * (1 - beta))})["m"]
    np.testing.assert_allclose(path.xy[-1], xy, rtol=1e-12)


def test_paths_and_plot():
    paths = descent_paths(steps=30)
    assert list(paths) == list(RULES) and all(p.xy.shape == (31, 2) for p in paths.values())
    f = {name: elongated_bowl(*p.xy[-1]) for name, p in paths.items()}
    assert all(value < elongated_bowl(*START) for value in f.values())
    ax = plot_paths(paths)
    assert len(ax.lines) == len(paths) + 1


def test_ending_is_the_worst_of_the_last_steps_and_inf_for_a_diverged_path():
    path = descent_paths(30, {"gd": Optimiser("SGD", lr=0.03)})["gd"]
    assert ending(path) == pytest.approx(max(path.f[-5:])) and ending(path, last=1) == path.f[-1]
    assert ending(descent_paths(30, {"gd": Optimiser("SGD", lr=1e4)})["gd"]) == np.inf  # f overflows


def test_tune_picks_the_lr_and_setting_that_end_lowest():
    lrs, momenta = [0.01, 0.02, 0.04, 0.05], [0.0, 0.5]
    best = tune(Optimiser("SGD", momentum=0.9), lrs, momentum=momenta)
    ends = {(lr, mu): ending(descent_paths(30, {"": Optimiser("SGD", lr=lr, momentum=mu)})[""])
            for lr in lrs for mu in momenta}
    assert (best.settings["lr"], best.settings["momentum"]) == min(ends, key=ends.get)
    # gradient descent's best lr is the grid's largest below 2 / 50, where the steep direction is stable
    assert tune(RULES["gradient descent"]).settings["lr"] == max(lr for lr in LRS if lr < 2 / 50)


def test_tuned_heavy_ball_is_near_the_optimal_parameters_of_the_bowl():
    kappa = 50.0  # (x^2 + 50 y^2) / 2: curvatures 1 and 50
    beta_star = ((kappa**0.5 - 1) / (kappa**0.5 + 1)) ** 2  # 0.566
    lr_star = 4 / (1 + kappa**0.5) ** 2  # 0.0614
    tuned = tune(RULES["momentum"], **BETA_GRIDS["momentum"])
    assert abs(tuned.settings["momentum"] - beta_star) <= 0.1
    assert lr_star / 1.5 < tuned.settings["lr"] < lr_star * 1.5
    assert set(BETA_GRIDS["Adam"]["betas"]) == {(b, 0.999) for b in BETAS}


@pytest.mark.parametrize("lrs, grids, message", [([], {}, "lrs is empty"), ([0.01], {"momentum": []}, "non-empty"),
                                                 ([0.01], {"momentum": 0.5}, "non-empty list"),
                                                 ([1e4, 2e4], {}, "diverged")])
def test_tune_rejects_an_empty_grid_and_says_when_everything_diverged(lrs, grids, message):
    with pytest.raises(ValueError, match=message):
        tune(Optimiser("SGD"), lrs, **grids)
