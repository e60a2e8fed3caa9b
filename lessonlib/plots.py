"""Static figures: 1-D descent, the saddle, and a painter's snapshots and PSNR history."""

import matplotlib.pyplot as plt
import numpy as np

from .functions import saddle


def plot_descent_1d(f, ws, ax=None, title=None, span=None):
    """Draw a 1-D loss curve and the gradient-descent iterates `ws` on it."""
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
    """The saddle x^2 - y^2 as a surface and as contours with the downhill direction."""
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


def plot_snapshots(result, steps=None, ncols=5, title=None):
    """Grid of a FitResult's snapshot images titled with their step (or epoch), MSE and PSNR."""
    steps = sorted(result.snapshots) if steps is None else list(steps)
    missing = [s for s in steps if s not in result.snapshots]
    if missing:
        raise ValueError(f"no snapshot at {result.unit}s {missing}; kept: {sorted(result.snapshots)}")
    nrows = -(-len(steps) // ncols)
    h, w = next(iter(result.snapshots.values())).shape[:2]
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.2 * ncols, 2.2 * nrows * h / w + 0.5 * nrows),
                             squeeze=False, layout="constrained")
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, step in zip(axes.flat, steps):
        i = result.at(step)
        ax.imshow(result.snapshots[step])
        ax.set_title(f"{result.unit} {step}\nMSE {result.loss[i]:.2g} · {result.psnr[i]:.1f} dB", fontsize=9)
    if title:
        fig.suptitle(title)
    return fig


def plot_history(results, ax=None, x="steps"):
    """PSNR of one or more FitResults (a dict label -> result) against their steps or training seconds."""
    if x not in ("steps", "seconds"):
        raise ValueError(f"x must be 'steps' or 'seconds', got {x!r}")
    if ax is None:
        _, ax = plt.subplots()
    units = set()
    for label, result in results.items():
        ax.plot(getattr(result, x), result.psnr, label=label)
        units.add(result.unit)
    xlabel = "training time (s)" if x == "seconds" else units.pop() if len(units) == 1 else "step"
    ax.set(xlabel=xlabel, ylabel="PSNR (dB)")
    ax.legend()
    return ax
