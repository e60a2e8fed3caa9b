"""An elongated bowl, the chapter's four update rules on it, and one documented way to tune them."""

import math

import matplotlib.pyplot as plt
import numpy as np

from .functions import elongated_bowl
from .optim import Optimiser
from .trajectory import run_trajectory

START = (-4.0, 1.0)
# the four update rules of "The mathematics of Adam" with their textbook settings; `tune` picks the lr.
# torch's momentum is the heavy ball b = beta b + g, the chapter's average m = beta m + (1 - beta) g
# times 1 / (1 - beta): the same rule at another learning rate, so with the lr tuned the two agree
RULES = {
    "gradient descent": Optimiser("SGD"),
    "momentum": Optimiser("SGD", momentum=0.9),
    "RMSProp": Optimiser("RMSprop", alpha=0.9),
    "Adam": Optimiser("Adam", betas=(0.9, 0.999)),
}
LRS = 2.0 ** (np.arange(-40, 1) / 4)  # the learning rates every rule is tuned over: 2^-10 to 1, 4 per octave
BETAS = tuple(k / 10 for k in range(10))  # the momentum coefficients tried: 0, 0.1, ..., 0.9
# a rule's momentum coefficient as a grid for `tune`: torch's SGD calls it momentum, Adam beta1
BETA_GRIDS = {"momentum": {"momentum": BETAS}, "Adam": {"betas": [(b, 0.999) for b in BETAS]}}


def descent_paths(steps=30, rules=RULES, start=START):
    """name -> the Trajectory of each of `rules` on `elongated_bowl`, `steps` steps from `start`."""
    return {name: run_trajectory(rule, start=start, tol=0.0, max_iter=steps, fn=elongated_bowl)
            for name, rule in rules.items()}


def ending(path, last=5):
    """How low a path ends: the highest f over its last `last` positions (inf if it diverged)."""
    return math.inf if path.diverged else float(np.max(path.f[-last:]))


def tune(rule, lrs=LRS, *, steps=30, start=START, **grids):
    """`rule` with the lr from `lrs` (and each setting in `grids` from its list) whose path ends lowest.

    "Lowest" is `ending`: the highest f over the last five of `steps` steps on `elongated_bowl`, so
    a path that only swings through the minimum at the last step does not win. Ties go to the first.
    """
    rule = Optimiser.of(rule)
    lrs = [float(lr) for lr in lrs]
    if not lrs:
        raise ValueError("lrs is empty: give at least one learning rate to try")
    for key, values in grids.items():
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__") or not list(values):
            raise ValueError(f"grid {key}={values!r} must be a non-empty list of values to try")
    names = list(grids)
    best, best_end = None, math.inf
    for combo in _product([grids[n] for n in names]):
        for lr in lrs:
            candidate = rule.replace(lr=lr, **dict(zip(names, combo)))
            end = ending(descent_paths(steps, {"": candidate}, start)[""])
            if end < best_end:
                best, best_end = candidate, end
    if best is None:
        raise ValueError(f"every setting of {rule} diverged within {steps} steps; try smaller learning rates")
    return best


def _product(lists):
    combos = [()]
    for values in lists:
        combos = [c + (v,) for c in combos for v in values]
    return combos


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
