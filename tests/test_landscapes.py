"""The elongated bowl and the chapter's four update rules on it (The mathematics of Adam)."""

import numpy as np
import pytest

from lessonlib.landscapes import RULES, START, bowl_gradient, descent_path, descent_paths, elongated_bowl, plot_paths


def test_bowl_and_gradient():
    assert elongated_bowl(2.0, 1.0, steep=10.0) == pytest.approx(7.0)
    h = 1e-6
    for x, y in [(1.0, -0.5), (-3.0, 0.2)]:
        numeric = [(elongated_bowl(x + h, y) - elongated_bowl(x - h, y)) / (2 * h),
                   (elongated_bowl(x, y + h) - elongated_bowl(x, y - h)) / (2 * h)]
        np.testing.assert_allclose(bowl_gradient((x, y)), numeric, rtol=1e-6)


def test_rules():
    lr = 0.01
    gd = descent_path(lr, steps=1)
    np.testing.assert_allclose(gd[1], np.array(START) - lr * bowl_gradient(START))
    adam = descent_path(lr, 0.9, 0.999, steps=1)  # first Adam step: lr * sign(g)
    np.testing.assert_allclose(adam[1], np.array(START) - lr * np.sign(bowl_gradient(START)), rtol=1e-9)
    rms = descent_path(lr, 0.0, 0.9, steps=1)  # no bias correction: 1 / sqrt(0.1) times larger
    np.testing.assert_allclose(np.abs(rms[1] - rms[0]), lr / 0.1**0.5, rtol=1e-7)


def test_paths_and_plot():
    paths = descent_paths(steps=30)
    assert list(paths) == list(RULES) and all(p.shape == (31, 2) for p in paths.values())
    f = {name: elongated_bowl(*p[-1]) for name, p in paths.items()}
    assert all(value < elongated_bowl(*START) for value in f.values())
    ax = plot_paths(paths)
    assert len(ax.lines) == len(paths) + 1
