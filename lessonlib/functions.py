"""Loss functions the book optimises: 1-D toys, an elongated bowl, a saddle, and Rosenbrock's valley."""

import numpy as np


def rosenbrock(x, y, a=1.0, b=100.0):
    """Rosenbrock's function (a - x)^2 + b (y - x^2)^2 on floats, arrays or tensors."""
    return (a - x) ** 2 + b * (y - x**2) ** 2


def rosenbrock_grad(x, y, a=1.0, b=100.0):
    """Analytic gradient (df/dx, df/dy) of `rosenbrock`."""
    dx = -2 * (a - x) - 4 * b * x * (y - x**2)
    dy = 2 * b * (y - x**2)
    return dx, dy


def rosenbrock_minimum(a=1.0, b=100.0):
    """The global minimum (a, a^2), where f = 0."""
    return a, a**2


def bowl(w):
    """A 1-D convex loss (w - 2)^2 + 1 with its minimum at w = 2."""
    return (w - 2.0) ** 2 + 1.0


def bowl_grad(w):
    """Derivative of `bowl`."""
    return 2.0 * (w - 2.0)


def bumpy(w):
    """A 1-D loss with two valleys, one deeper than the other."""
    return 0.25 * w**4 - 1.2 * w**2 + 0.5 * w + 2.0


def bumpy_grad(w):
    """Derivative of `bumpy`."""
    return w**3 - 2.4 * w + 0.5


def elongated_bowl(x, y, steep=50.0):
    """The quadratic (x^2 + steep y^2) / 2: `steep` times more curved in y than in x."""
    return 0.5 * (x**2 + steep * y**2)


def elongated_bowl_grad(x, y, steep=50.0):
    """Analytic gradient (df/dx, df/dy) of `elongated_bowl`."""
    return x, steep * y


def saddle(x, y):
    """The saddle x^2 - y^2: zero gradient at the origin, yet no minimum."""
    return x**2 - y**2


def fraction_of_minima(dim, trials=20_000, seed=0):
    """Share of random symmetric (GOE) Hessians in `dim` dimensions that are positive definite."""
    if int(dim) < 1 or int(trials) < 1:
        raise ValueError(f"dim and trials must be positive integers, got dim={dim}, trials={trials}")
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((int(trials), int(dim), int(dim)))
    hessians = (a + a.transpose(0, 2, 1)) / 2
    smallest = np.linalg.eigvalsh(hessians)[:, 0]
    return float(np.mean(smallest > 0))
