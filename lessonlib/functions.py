"""Loss functions the book optimises: 1-D toys, a saddle, and Rosenbrock's valley."""

import numpy as np


def rosenbrock(x, y, a=1.0, b=100.0):
    """Rosenbrock's function (a - x)^2 + b (y - x^2)^2 on floats, arrays or tensors (Rosenbrock chapter)."""
    return (a - x) ** 2 + b * (y - x**2) ** 2


def rosenbrock_grad(x, y, a=1.0, b=100.0):
    """Analytic gradient (df/dx, df/dy) of `rosenbrock` (Rosenbrock chapter)."""
    dx = -2 * (a - x) - 4 * b * x * (y - x**2)
    dy = 2 * b * (y - x**2)
    return dx, dy


def rosenbrock_minimum(a=1.0, b=100.0):
    """The global minimum (a, a^2), where f = 0 (Rosenbrock chapter)."""
    return a, a**2


def bowl(w):
    """A 1-D convex loss (w - 2)^2 + 1 with its minimum at w = 2 (What is optimisation?)."""
    return (w - 2.0) ** 2 + 1.0


def bowl_grad(w):
    """Derivative of `bowl` (What is optimisation?)."""
    return 2.0 * (w - 2.0)


def bumpy(w):
    """A 1-D loss with two valleys, one deeper than the other (What is optimisation?)."""
    return 0.25 * w**4 - 1.2 * w**2 + 0.5 * w + 2.0


def bumpy_grad(w):
    """Derivative of `bumpy` (What is optimisation?)."""
    return w**3 - 2.4 * w + 0.5


def saddle(x, y):
    """The saddle x^2 - y^2: zero gradient at the origin, yet no minimum (What is optimisation?)."""
    return x**2 - y**2


def fraction_of_minima(dim, trials=20_000, seed=0):
    """Share of random symmetric (GOE) Hessians in `dim` dimensions that are positive definite (What is optimisation?)."""
    if int(dim) < 1 or int(trials) < 1:
        raise ValueError(f"dim and trials must be positive integers, got dim={dim}, trials={trials}")
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((int(trials), int(dim), int(dim)))
    hessians = (a + a.transpose(0, 2, 1)) / 2
    smallest = np.linalg.eigvalsh(hessians)[:, 0]
    return float(np.mean(smallest > 0))
