"""An elongated bowl and the paths that optimisers take across it."""

import matplotlib.pyplot as plt
import numpy as np

from .functions import elongated_bowl
from .optim import Optimiser
from .trajectory import run_trajectory

START = (-4.0, 1.0)
# the chapter's four update rules as torch optimisers. Momentum written as an average,
# m = beta m + (1 - beta) g with steps lr * m, is torch's heavy ball b = beta b + g at lr * (1 - beta)
RULES = {
    "gradient descent": Optimiser("SGD", lr=0.038),
    "momentum": Optimiser("SGD", lr=0.12 * (1 - 0.9), momentum=0.9),
    "RMSProp": Optimiser("RMSprop", lr=0.15, alpha=0.9),
    "Adam": Optimiser("Adam", lr=0.2),
}


def descent_paths(steps=30, rules=RULES, start=START):
    """name -> the Trajectory of each of `rules` on `elongated_bowl`, `steps` steps from `start`."""
    return {name: run_trajectory(rule, start=start, tol=0.0, max_iter=steps, fn=elongated_bowl)
            for name, rule in rules.items()}


def plot_paths(paths, ax=None, lim=(4.5, 1.5)):
    """Contours of `elongated_bowl` with each path (a Trajectory) drawn on top."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.6), layout="constrained")
    x, y = np.meshgrid(np.linspace(-lim[0], lim[0], 300), np.linspace(-lim[1], lim[1], 200))
    ax.contour(x, y, elongated_bowl(x, y), levels=np.geomspace(0.05, 100, 12), colors="0.8", linewidths=0.8)
    for name, path in paths.items():
        ax.plot(path.x, path.y, "o-", ms=2.5, lw=1.2, label=name)
    ax.plot(0, 0, "k*", ms=10)
    ax.set(xlim=(-lim[0], lim[0]), ylim=(-lim[1], lim[1]), xlabel="x", ylabel="y", aspect="equal")
    return ax
