"""Online learning on an interval: an optimiser meets one linear loss f_t(x) = c_t x after another.

The setting of Reddi, Kale and Kumar (2018), "On the Convergence of Adam and Beyond": at step t the
learner plays x_t in [lower, upper], sees the gradient c_t of f_t(x) = c_t x, steps, and is
projected back onto the interval. Several independent problems run at once as the coordinates of
one parameter, which is exact for optimisers that act element by element (SGD, Adam, RMSprop).
"""

from dataclasses import dataclass

import numpy as np
import torch

from .checks import whole_number
from .optim import Optimiser


@dataclass
class OnlineRun:
    """The iterates of `run_online`: x[0] is the start, x[t] the point after t steps (one column per problem)."""

    x: np.ndarray  # (steps + 1, problems)
    coefficients: np.ndarray  # (steps, problems): c_t, the gradient of f_t
    lower: float
    upper: float

    def regret(self) -> np.ndarray:
        """R_t = sum of f_s(x_s) for s <= t minus the least sum of f_s at one fixed point, for t = 1..steps."""
        played = np.cumsum(self.coefficients * self.x[:-1], axis=0)  # f_t is met at the point x_{t-1}
        total = np.cumsum(self.coefficients, axis=0)
        best = np.minimum(total * self.lower, total * self.upper)  # a linear loss is least at an end
        return played - best

    def average_regret(self) -> np.ndarray:
        """R_t / t: it tends to 0 for a learner that converges to the best point."""
        steps = np.arange(1, len(self.coefficients) + 1).reshape(-1, 1)
        return self.regret() / steps


def periodic_coefficients(steps, large, small, period) -> np.ndarray:
    """c_t = large when t mod period = 1, else small, for t = 1..steps (Reddi et al.'s online problems)."""
    steps, period = whole_number("steps", steps), whole_number("period", period, least=2)
    t = np.arange(1, steps + 1)
    return np.where(t % period == 1, float(large), float(small)).reshape(-1, 1)


def random_coefficients(steps, large, small, probability, seed=0, problems=1) -> np.ndarray:
    """c_t = large with probability `probability`, else small: `problems` independent columns."""
    steps, problems = whole_number("steps", steps), whole_number("problems", problems)
    if not 0 < probability < 1:
        raise ValueError(f"probability must lie strictly between 0 and 1, got {probability!r}")
    draws = np.random.default_rng(seed).random((steps, problems))
    return np.where(draws < probability, float(large), float(small))


def run_online(optimiser, coefficients, start=0.0, lower=-1.0, upper=1.0) -> OnlineRun:
    """Run `optimiser` (an `Optimiser`, name or class) on f_t(x) = c_t x, projecting x onto [lower, upper] after every step.

    `coefficients`: (steps,) or (steps, problems), one c_t per step and problem. Computed in float64.
    """
    c = np.asarray(coefficients, dtype=np.float64)
    if c.ndim == 1:
        c = c.reshape(-1, 1)
    if c.ndim != 2 or c.shape[0] == 0 or c.shape[1] == 0:
        raise ValueError(f"coefficients must be a (steps,) or (steps, problems) array with at least one "
                         f"step, got shape {np.shape(coefficients)}")
    if not np.all(np.isfinite(c)):
        raise ValueError("coefficients must be finite numbers")
    if not lower < upper:
        raise ValueError(f"the interval must have lower < upper, got [{lower}, {upper}]")
    if not lower <= start <= upper:
        raise ValueError(f"start must lie in [{lower}, {upper}], got {start}")
    x = torch.full((c.shape[1],), float(start), dtype=torch.float64, requires_grad=True)
    built = Optimiser.of(optimiser)([x])
    gradients = torch.from_numpy(c)
    path = np.empty((len(c) + 1, c.shape[1]))
    path[0] = start
    for t in range(len(c)):
        x.grad = gradients[t].clone()
        built.step()
        with torch.no_grad():
            x.clamp_(lower, upper)  # the projection onto the interval
        path[t + 1] = x.detach().numpy()
    return OnlineRun(x=path, coefficients=c, lower=float(lower), upper=float(upper))
