"""The elongated bowl and the chapter's four update rules on it, as torch optimisers."""

import numpy as np
import pytest

from lessonlib.functions import elongated_bowl, elongated_bowl_grad
from lessonlib.landscapes import RULES, START, descent_paths, plot_paths
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
    path = descent_paths(steps, rules={"m": RULES["momentum"]})["m"]
    np.testing.assert_allclose(path.xy[-1], xy, rtol=1e-12)


def test_paths_and_plot():
    paths = descent_paths(steps=30)
    assert list(paths) == list(RULES) and all(p.xy.shape == (31, 2) for p in paths.values())
    f = {name: elongated_bowl(*p.xy[-1]) for name, p in paths.items()}
    assert all(value < elongated_bowl(*START) for value in f.values())
    ax = plot_paths(paths)
    assert len(ax.lines) == len(paths) + 1
