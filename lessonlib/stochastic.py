"""Minibatch (stochastic) gradients on a least-squares line fit."""

import numpy as np
import torch

from .checks import whole_number
from .optim import Optimiser


def line_data(n=1000, slope=3.0, intercept=1.0, noise=1.0, seed=0):
    """n noisy points of a line: the design matrix [x, 1] (n x 2) and the targets y."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 2, size=n)
    y = slope * x + intercept + rng.normal(0, noise, size=n)
    return np.column_stack([x, np.ones(n)]), y


def exact_fit(A, y):
    """The least-squares minimiser w* of mean((A w - y)^2), in closed form."""
    return np.linalg.solve(A.T @ A, A.T @ y)


def mse(w, A, y):
    """The mean squared error on all points of parameters w of shape (..., 2)."""
    return ((np.asarray(w) @ A.T - y) ** 2).mean(axis=-1)


def gradient(w, A, y, idx=None):
    """The gradient of the mean squared error on the points idx (all points when None).

    w of shape (k, 2) with idx of shape (k, B) gives k gradients, row i on the points idx[i].
    """
    if idx is None:
        return 2 * (w @ A.T - y) @ A / len(y)
    Ab, yb = A[idx], y[idx]
    residual = np.einsum("...bj,...j->...b", Ab, w) - yb
    return 2 * np.einsum("...bj,...b->...j", Ab, residual) / idx.shape[-1]


def minibatches(n, batch_size, chains=1, seed=0):
    """Index arrays (chains x batch_size), epoch after epoch: each epoch a fresh shuffle per chain, cut in pieces."""
    batch_size = whole_number("batch_size", batch_size)
    if batch_size > n:
        raise ValueError(f"batch_size ({batch_size}) must be at most the number of examples ({n}); "
                         "use batch_size=None for full-batch gradients")
    rng = np.random.default_rng(seed)
    while True:
        order = rng.permuted(np.tile(np.arange(n), (chains, 1)), axis=1)
        for start in range(0, n - batch_size + 1, batch_size):
            yield order[:, start:start + batch_size]


def minibatch_runs(optimiser, A, y, batch_size, num_steps, chains=1, w0=(0.0, 0.0), seed=1,
                   schedule=None):
    """Independent runs of an `Optimiser` (float64) on minibatches; returns the iterates (steps+1, chains, 2).

    `batch_size=None` means full-batch gradients; `schedule(t)` multiplies the learning rate at step
    t = 1, 2, ...
    """
    w = torch.tensor(np.tile(w0, (chains, 1)), dtype=torch.float64, requires_grad=True)
    optimiser = Optimiser.of(optimiser)([w])
    base_lr = optimiser.param_groups[0]["lr"]
    batches = minibatches(len(y), batch_size, chains, seed) if batch_size else None
    ws = [w.detach().numpy().copy()]
    for t in range(1, num_steps + 1):
        idx = next(batches) if batches else None
        w.grad = torch.from_numpy(gradient(w.detach().numpy(), A, y, idx))
        if schedule is not None:
            optimiser.param_groups[0]["lr"] = base_lr * schedule(t)
        optimiser.step()
        ws.append(w.detach().numpy().copy())
    return np.array(ws)
