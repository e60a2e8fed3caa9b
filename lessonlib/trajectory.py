"""Run any torch optimiser on a 2-D function and keep the whole path."""

import math
import os
from dataclasses import dataclass, field

import numpy as np
import torch

from .functions import rosenbrock, rosenbrock_grad


@dataclass
class Trajectory:
    """The path of one optimiser run: positions and values, start included (Rosenbrock chapter)."""

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
        """Optimiser steps taken (Rosenbrock chapter)."""
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


def resolve_optimiser(optimiser):
    """Accept a torch.optim class or its name ('Adam', 'SGD', ...) (Rosenbrock chapter)."""
    if isinstance(optimiser, str):
        cls = getattr(torch.optim, optimiser, None)
        if isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer):
            return cls
        names = sorted(n for n, c in vars(torch.optim).items()
                       if isinstance(c, type) and issubclass(c, torch.optim.Optimizer) and c is not torch.optim.Optimizer)
        raise ValueError(f"unknown optimiser {optimiser!r}; choose one of: {', '.join(names)}")
    if isinstance(optimiser, type) and issubclass(optimiser, torch.optim.Optimizer):
        return optimiser
    raise TypeError(f"optimiser must be a torch.optim.Optimizer subclass (e.g. torch.optim.Adam) "
                    f"or its name, got {optimiser!r}")


def run_trajectory(optimiser, start=(-0.8, 2.0), *, tol=1e-4, max_iter=6000, fn=rosenbrock,
                   dtype=torch.float64, **settings) -> Trajectory:
    """Minimise fn(x, y) from `start` until f < tol or `max_iter` steps; return the path (Rosenbrock chapter)."""
    cls = resolve_optimiser(optimiser)
    try:
        start = [float(v) for v in start]
    except (TypeError, ValueError):
        raise ValueError(f"start must be two numbers (x, y), got {start!r}") from None
    if len(start) != 2 or not all(math.isfinite(v) for v in start):
        raise ValueError(f"start must be two finite numbers (x, y), got {start!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        raise ValueError(f"max_iter must be a positive whole number of iterations, got {max_iter!r}")
    if not (isinstance(tol, (int, float)) and math.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be a finite number >= 0, got {tol!r}")

    p = torch.tensor(start, dtype=dtype, requires_grad=True)
    try:
        opt = cls([p], **settings)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{cls.__name__} rejected the settings {settings}: {err}") from None

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
                      tol=float(tol), max_iter=int(max_iter), optimiser=cls.__name__, settings=dict(settings))


@dataclass
class Sweep:
    """Runs of one optimiser at several learning rates and the best of them (Rosenbrock chapter)."""

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


def sweep(optimiser, lrs, *, start=(-0.8, 2.0), tol=1e-4, max_iter=6000, progress=None, **settings) -> Sweep:
    """Run `optimiser` at each lr; the best is the fastest to f < tol, else the lowest final f; diverged runs never win (Rosenbrock chapter).

    `progress=None` shows a bar over the learning rates unless $LESSONLIB_PROGRESS is 0 (as in
    `make book` and `make test`).
    """
    lrs = [float(lr) for lr in lrs]
    if not lrs:
        raise ValueError("lrs is empty: give at least one learning rate to try")
    if progress is None:
        progress = os.environ.get("LESSONLIB_PROGRESS", "1") != "0"
    name = resolve_optimiser(optimiser).__name__
    if progress:
        from tqdm.auto import tqdm

        lrs_shown = tqdm(lrs, desc=name, unit="lr", leave=False)
    else:
        lrs_shown = lrs
    runs = {lr: run_trajectory(optimiser, start=start, tol=tol, max_iter=max_iter, lr=lr, **settings) for lr in lrs_shown}
    usable = [lr for lr, t in runs.items() if not t.diverged]
    best = min(usable, key=lambda lr: _rank(runs[lr])) if usable else None
    return Sweep(optimiser=name, runs=runs, best_lr=best)


def adam_moments(traj, betas=(0.9, 0.999), grad=rosenbrock_grad):
    """Adam's g_t, m_t and v_t (t = 1..n, rows 0..n-1) along a path, from the gradients at its positions (Rosenbrock chapter)."""
    beta1, beta2 = betas
    g = np.column_stack(grad(traj.x[:-1], traj.y[:-1])).astype(float)
    m, v = np.zeros_like(g), np.zeros_like(g)
    m_prev, v_prev = np.zeros(2), np.zeros(2)
    for t in range(len(g)):
        m[t] = m_prev = beta1 * m_prev + (1 - beta1) * g[t]
        v[t] = v_prev = beta2 * v_prev + (1 - beta2) * g[t] ** 2
    return g, m, v
