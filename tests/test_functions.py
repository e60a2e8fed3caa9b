import numpy as np
import pytest
import torch

from lessonlib.functions import (bowl, bowl_grad, bumpy, bumpy_grad, fraction_of_minima, rosenbrock,
                                 rosenbrock_grad, rosenbrock_minimum, saddle)


@pytest.mark.parametrize("x, y, expected", [(1.0, 1.0, 0.0), (0.0, 0.0, 1.0), (-0.8, 2.0, 188.2), (2.0, 4.0, 1.0),
                                            (-1.0, 1.0, 4.0), (0.0, 1.0, 101.0)])
def test_rosenbrock_known_values(x, y, expected):
    assert rosenbrock(x, y) == pytest.approx(expected)


def test_rosenbrock_numpy_and_torch_agree_with_floats():
    xs, ys = np.array([-0.8, 0.5, 1.0]), np.array([2.0, 0.25, 1.0])
    expected = [rosenbrock(float(x), float(y)) for x, y in zip(xs, ys)]
    np.testing.assert_allclose(rosenbrock(xs, ys), expected)
    t = rosenbrock(torch.tensor(xs), torch.tensor(ys))
    assert isinstance(t, torch.Tensor)
    np.testing.assert_allclose(t.numpy(), expected)


@pytest.mark.parametrize("a, b", [(1.0, 100.0), (2.0, 10.0), (-0.5, 3.0)])
def test_minimum_is_a_a_squared(a, b):
    mx, my = rosenbrock_minimum(a, b)
    assert (mx, my) == (a, a * a)
    assert rosenbrock(mx, my, a, b) == 0.0
    assert rosenbrock_grad(mx, my, a, b) == (0.0, 0.0)
    rng = np.random.default_rng(0)
    around = rng.normal(size=(100, 2)) * 0.1 + (mx, my)
    assert np.all(rosenbrock(around[:, 0], around[:, 1], a, b) > 0)


@pytest.mark.parametrize("x, y", [(-0.8, 2.0), (0.3, -0.7), (1.5, 2.0)])
def test_rosenbrock_gradient_matches_autograd(x, y):
    p = torch.tensor([x, y], dtype=torch.float64, requires_grad=True)
    rosenbrock(p[0], p[1]).backward()
    np.testing.assert_allclose(rosenbrock_grad(x, y), p.grad.numpy(), rtol=1e-12)


def test_rosenbrock_gradient_at_the_classic_start():
    # df/dx = -2(1 - x) - 400 x (y - x^2), df/dy = 200 (y - x^2) at (-0.8, 2): by hand
    dx, dy = rosenbrock_grad(-0.8, 2.0)
    assert dx == pytest.approx(-3.6 + 320 * 1.36)
    assert dy == pytest.approx(272.0)


def test_one_dimensional_gradients_match_finite_differences():
    for f, df in [(bowl, bowl_grad), (bumpy, bumpy_grad)]:
        w = np.linspace(-2, 2, 9)
        h = 1e-6
        np.testing.assert_allclose(df(w), (f(w + h) - f(w - h)) / (2 * h), rtol=1e-5, atol=1e-6)


def test_saddle_has_zero_gradient_but_no_minimum():
    assert saddle(0.0, 0.0) == 0.0
    assert saddle(0.0, 0.1) < 0 < saddle(0.1, 0.0)


def test_fraction_of_minima_halves_in_one_dimension_and_falls_with_dimension():
    shares = [fraction_of_minima(d, trials=20_000, seed=1) for d in (1, 2, 3, 4)]
    assert shares[0] == pytest.approx(0.5, abs=0.02)
    assert all(a > b for a, b in zip(shares, shares[1:]))
    assert fraction_of_minima(2, trials=1000, seed=3) == fraction_of_minima(2, trials=1000, seed=3)


def test_fraction_of_minima_rejects_bad_sizes():
    with pytest.raises(ValueError, match="positive"):
        fraction_of_minima(0)
