"""An elongated bowl and the paths four optimisers take across it (The mathematics of Adam)."""

import matplotlib.pyplot as plt
import numpy as np

START = (-4.0, 1.0)
STEEP = 50.0
# name -> (lr, beta1, beta2): beta1 = 0 means no momentum, beta2 = None no division by sqrt(v)
RULES = {
    "gradient descent": (0.038, 0.0, None),
    "momentum": (0.12, 0.9, None),
    "RMSProp": (0.15, 0.0, 0.9),
    "Adam": (0.2, 0.9, 0.999),
}


def elongated_bowl(x, y, steep=STEEP):
    """The quadratic (x^2 + steep y^2) / 2: `steep` times more curved in y than in x (The mathematics of Adam)."""
    return 0.5 * (x**2 + steep * y**2)


def bowl_gradient(xy, steep=STEEP):
    """Gradient (x, steep y) of `elongated_bowl` at the point `xy` (The mathematics of Adam)."""
    return np.array([xy[0], steep * xy[1]])


def descent_path(lr, beta1=0.0, beta2=None, steps=30, start=START, eps=1e-8):
    """Points visited on `elongated_bowl` by the chapter's update rules, as a (steps + 1, 2) array (The mathematics of Adam).

    beta1 > 0 steps along the average m (eq-momentum), beta2 divides by sqrt(v) (eq-rmsprop), both together with
    bias correction is Adam (eq-adam-update); beta1 = 0 and beta2 = None is gradient descent.
    """
    xy, m, v = np.array(start, dtype=float), np.zeros(2), np.zeros(2)
    path = [xy.copy()]
    for t in range(1, steps + 1):
        g = bowl_gradient(xy)
        m = beta1 * m + (1 - beta1) * g
        step = m
        if beta2 is not None:
            v = beta2 * v + (1 - beta2) * g**2
            if beta1 > 0:  # Adam: both moments bias-corrected
                step = m / (1 - beta1**t) / (np.sqrt(v / (1 - beta2**t)) + eps)
            else:
                step = m / (np.sqrt(v) + eps)
        xy = xy - lr * step
        path.append(xy.copy())
    return np.array(path)


def descent_paths(steps=30, rules=RULES):
    """name -> path of `descent_path` for each of `rules` (The mathematics of Adam)."""
    return {name: descent_path(*rule, steps=steps) for name, rule in rules.items()}


def plot_paths(paths, ax=None, lim=(4.5, 1.5)):
    """Contours of `elongated_bowl` with each path drawn on top (The mathematics of Adam)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.6), layout="constrained")
    x, y = np.meshgrid(np.linspace(-lim[0], lim[0], 300), np.linspace(-lim[1], lim[1], 200))
    ax.contour(x, y, elongated_bowl(x, y), levels=np.geomspace(0.05, 100, 12), colors="0.8", linewidths=0.8)
    for name, path in paths.items():
        ax.plot(path[:, 0], path[:, 1], "o-", ms=2.5, lw=1.2, label=name)
    ax.plot(0, 0, "k*", ms=10)
    ax.set(xlim=(-lim[0], lim[0]), ylim=(-lim[1], lim[1]), xlabel="x", ylabel="y", aspect="equal")
    return ax
