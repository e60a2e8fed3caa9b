"""Run any torch optimiser on a 2-D function and keep the whole path."""

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from .checks import show_progress, whole_number
from .functions import rosenbrock, rosenbrock_grad
from .optim import Optimiser, adam_update

START = (-0.8, 2.0)  # the classic start of the Rosenbrock experiment


@dataclass
class Trajectory:
    """The path of one optimiser run: positions and values, start included."""

    xy: np.ndarray  # (n + 1, 2) positions; xy[0] is the start
    f: np.ndarray  # (n + 1,) function values at those positions
    converged: bool  # reached f < tol
    diverged: bool  # f became inf or nan
    tol: float
    max_iter: int
    optimiser: str
    settings: dict = field(default_factory=dict)

    @property
    def iterations(self) -> int:
        """Optimiser steps taken."""
        return len(self.f) - 1

    @property
    def x(self) -> np.ndarray:
        return self.xy[:, 0]

    @property
    def y(self) -> np.ndarray:
        return self.xy[:, 1]

    def __repr__(self) -> str:
        state = "converged" if self.converged else "diverged" if self.diverged else "not converged"
        x, y = self.xy[-1]
        return (f"Trajectory({self.optimiser}, {state} after {self.iterations} steps, "
                f"final f={self.f[-1]:.3g} at ({x:.4f}, {y:.4f}))")


def run_trajectory(optimiser, start=START, *, tol=1e-4, max_iter=6000, fn=rosenbrock,
                   dtype=torch.float64) -> Trajectory:
    """Minimise fn(x, y) from `start` with `optimiser` (an `Optimiser`, or a name for its defaults)
    until f < tol or `max_iter` steps; return the path."""
    optimiser = Optimiser.of(optimiser)
    try:
        start = [float(v) for v in start]
    except (TypeError, ValueError):
        raise ValueError(f"start must be two numbers (x, y), got {start!r}") from None
    if len(start) != 2 or not all(math.isfinite(v) for v in start):
        raise ValueError(f"start must be two finite numbers (x, y), got {start!r}")
    max_iter = whole_number("max_iter", max_iter)
    if not (isinstance(tol, (int, float)) and math.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be a finite number >= 0, got {tol!r}")

    p = torch.tensor(start, dtype=dtype, requires_grad=True)
    opt = optimiser([p])

    xy = np.empty((max_iter + 1, 2))
    f = np.empty(max_iter + 1)
    diverged = False
    for i in range(max_iter + 1):
        opt.zero_grad()
        loss = fn(p[0], p[1])
        xy[i] = p.detach().numpy()
        f[i] = loss.item()
        if not math.isfinite(f[i]):
            diverged = True
            break
        if f[i] < tol or i == max_iter:
            break
        loss.backward()
        opt.step()
    n = i + 1
    return Trajectory(xy=xy[:n].copy(), f=f[:n].copy(), converged=bool(f[i] < tol), diverged=diverged,
                      tol=float(tol), max_iter=max_iter, optimiser=optimiser.name,
                      settings=dict(optimiser.settings))


@dataclass
class Sweep:
    """Runs of one optimiser at several learning rates and the best of them."""

    optimiser: str
    runs: dict  # lr -> Trajectory
    best_lr: float | None  # None when every run diverged

    @property
    def best(self):
        return self.runs[self.best_lr] if self.best_lr is not None else None

    @property
    def diverged(self) -> list:
        return [lr for lr, t in self.runs.items() if t.diverged]


def _rank(traj):
    """Sort key: converged runs first, by iterations; then the rest by final f."""
    return (0, traj.iterations, traj.f[-1]) if traj.converged else (1, math.inf, traj.f[-1])


def sweep(optimiser, lrs, *, start=START, tol=1e-4, max_iter=6000, fn=rosenbrock, progress=None) -> Sweep:
    """Run `optimiser` at each lr; the best is the fastest to f < tol, else the lowest final f; diverged runs never win.

    `progress=None` shows a bar over the learning rates unless $LESSONLIB_PROGRESS is 0 (as in
    `make book` and `make test`).
    """
    lrs = [float(lr) for lr in lrs]
    if not lrs:
        raise ValueError("lrs is empty: give at least one learning rate to try")
    optimiser = Optimiser.of(optimiser)
    name = optimiser.name
    if show_progress(progress):
        from tqdm.auto import tqdm

        lrs_shown = tqdm(lrs, desc=name, unit="lr", leave=False)
    else:
        lrs_shown = lrs
    runs = {lr: run_trajectory(optimiser.replace(lr=lr), start=start, tol=tol, max_iter=max_iter, fn=fn)
            for lr in lrs_shown}
    usable = [lr for lr, t in runs.items() if not t.diverged]
    best = min(usable, key=lambda lr: _rank(runs[lr])) if usable else None
    return Sweep(optimiser=name, runs=runs, best_lr=best)


def adam_moments(traj, betas=(0.9, 0.999), grad=rosenbrock_grad):
    """Adam's g_t, m_t and v_t (t = 1..n, rows 0..n-1) along a path, from the gradients at its positions.

    The moments come from `optim.adam_update`, the book's one copy of Adam's equations.
    """
    beta1, beta2 = betas
    g = np.column_stack(grad(traj.x[:-1], traj.y[:-1])).astype(float)
    m, v = np.zeros_like(g), np.zeros_like(g)
    m_prev, v_prev = np.zeros(2), np.zeros(2)
    for t in range(len(g)):
        _, m_prev, v_prev = adam_update(traj.xy[t], g[t], m_prev, v_prev, t + 1, beta1=beta1, beta2=beta2)
        m[t], v[t] = m_prev, v_prev
    return g, m, v
