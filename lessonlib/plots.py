"""Static figures for the first chapter: loss curves, descent steps, saddles."""

import matplotlib.pyplot as plt
import numpy as np

from .functions import saddle


def plot_descent_1d(f, ws, ax=None, title=None, span=None):
    """Draw a 1-D loss curve and the gradient-descent iterates `ws` on it (What is optimisation?)."""
    ws = np.asarray(ws, dtype=float)
    finite = ws[np.isfinite(ws)]
    if finite.size == 0:
        raise ValueError("ws holds no finite values to plot")
    if ax is None:
        _, ax = plt.subplots()
    lo, hi = span if span is not None else (finite.min(), finite.max())
    pad = 0.15 * (hi - lo) + 0.5
    grid = np.linspace(lo - pad, hi + pad, 400)
    ax.plot(grid, f(grid), color="tab:blue", label="loss")
    shown = finite[(finite >= grid[0]) & (finite <= grid[-1])]
    ax.plot(shown, f(shown), "o-", color="tab:orange", markersize=4, linewidth=1, label="iterates")
    ax.plot(shown[:1], f(shown[:1]), "s", color="black", markersize=7, label="start")
    ax.set(xlabel="parameter w", ylabel="loss", title=title)
    ax.legend()
    return ax


def plot_saddle(lim=1.5):
    """The saddle x^2 - y^2 as a surface and as contours with the downhill direction (What is optimisation?)."""
    fig = plt.figure(figsize=(10, 4.2), layout="constrained")
    gx, gy = np.meshgrid(np.linspace(-lim, lim, 61), np.linspace(-lim, lim, 61))
    ax3 = fig.add_subplot(1, 2, 1, projection="3d")
    ax3.plot_surface(gx, gy, saddle(gx, gy), cmap="coolwarm", linewidth=0, antialiased=False, alpha=0.9)
    ax3.plot([0], [0], [0], "ko", markersize=6)
    ax3.set(xlabel="x", ylabel="y", zlabel="f(x, y)", title="f(x, y) = x² − y²")
    ax = fig.add_subplot(1, 2, 2)
    ax.contour(gx, gy, saddle(gx, gy), levels=15, cmap="coolwarm")
    qx, qy = np.meshgrid(np.linspace(-lim, lim, 11), np.linspace(-lim, lim, 11))
    ax.quiver(qx, qy, -2 * qx, 2 * qy, color="grey", alpha=0.7)  # minus the gradient: the way downhill
    ax.plot([0], [0], "ko", markersize=6)
    ax.set(xlabel="x", ylabel="y", aspect="equal", title="arrows: downhill; dot: gradient = 0")
    return fig


def plot_snapshots(result, epochs=None, ncols=5, title=None):
    """Grid of snapshot images titled with epoch, MSE and PSNR (MLP and SIREN chapters)."""
    epochs = sorted(result.snapshots) if epochs is None else list(epochs)
    missing = [e for e in epochs if e not in result.snapshots]
    if missing:
        raise ValueError(f"no snapshot at epochs {missing}; kept: {sorted(result.snapshots)}")
    nrows = -(-len(epochs) // ncols)
    h, w = next(iter(result.snapshots.values())).shape[:2]
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.2 * ncols, 2.2 * nrows * h / w + 0.5 * nrows),
                             squeeze=False, layout="constrained")
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, epoch in zip(axes.flat, epochs):
        ax.imshow(result.snapshots[epoch])
        ax.set_title(f"epoch {epoch}\nMSE {result.loss[epoch]:.2g} · {result.psnr[epoch]:.1f} dB", fontsize=9)
    if title:
        fig.suptitle(title)
    return fig


def plot_history(results, ax=None, x="epochs"):
    """PSNR of one or more results against epoch, step or training seconds (painting chapters).

    FitResults have epochs, the BatchFitResults of `hashgrid.fit_batches` steps; both have seconds.
    """
    if x not in ("epochs", "steps", "seconds"):
        raise ValueError(f"x must be 'epochs', 'steps' or 'seconds', got {x!r}")
    if ax is None:
        _, ax = plt.subplots()
    for label, result in results.items():
        ax.plot(getattr(result, x), result.psnr, label=label)
    ax.set(xlabel={"epochs": "epoch", "steps": "step", "seconds": "training time (s)"}[x], ylabel="PSNR (dB)")
    ax.legend()
    return ax
