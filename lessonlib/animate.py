"""Films: optimiser paths on Rosenbrock's valley (the scene drawn once, then only what moves),
and a painter's snapshots."""

import time

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from .functions import rosenbrock, rosenbrock_minimum
from .video import VideoWriter

XLIM, YLIM = (-2.0, 2.0), (-1.0, 3.0)
ELEV, AZIM = 50, -100
# the colours of the paths, in order: figures of several paths use them too, so film and figure agree
PATH_COLORS = ["tab:red", "tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown", "black"]


def frame_schedule(n_points, n_frames=240, power=2.0):
    """Path indices to show, dense early and sparse late, first and last included.

    Index k of n_frames is round((n_points - 1) * (k / (n_frames - 1)) ** power): with power > 1 the
    quick first steps get many frames and the long crawl along the valley is sped up.
    """
    if n_points < 1 or n_frames < 1:
        raise ValueError(f"n_points and n_frames must be positive, got {n_points} and {n_frames}")
    if power <= 0:
        raise ValueError(f"power must be positive, got {power}")
    if n_frames == 1:
        return np.array([n_points - 1])
    u = np.linspace(0.0, 1.0, n_frames) ** power
    return np.unique(np.round(u * (n_points - 1)).astype(int))


def _surface_height(f):
    return np.log10(1.0 + f)


def draw_contour(ax, xlim=XLIM, ylim=YLIM):
    """Log-spaced contours of Rosenbrock's function, the valley floor and the minimum on `ax`."""
    gx, gy = np.meshgrid(np.linspace(*xlim, 241), np.linspace(*ylim, 241))
    gf = rosenbrock(gx, gy)
    mx, my = rosenbrock_minimum()
    ax.contour(gx, gy, gf + 1e-3, levels=np.logspace(-2, 3.5, 23), norm=LogNorm(), cmap="viridis", linewidths=0.8)
    ax.plot(gx[0], gx[0] ** 2, color="grey", linestyle=":", linewidth=1, label="valley floor y = x²")
    ax.plot([mx], [my], marker="*", color="red", markersize=14, linestyle="none", label=f"minimum ({mx:g}, {my:g})")
    ax.set(xlabel="x", ylabel="y", xlim=xlim, ylim=ylim, aspect="equal")
    return ax


def rosenbrock_scene(trajectories, *, labels=None, fig=None, figsize=(11.2, 4.8), dpi=100, surface=True):
    """Figure with the 3-D surface (log10(1 + f)) and a contour map, the minimum marked.

    Draws on `fig` if given, else on a new off-screen figure. Returns (fig, artists): per trajectory a
    dict of path and point artists on each axes, all empty; fill them with `show_paths`.
    """
    if fig is None:
        fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        FigureCanvasAgg(fig)
    gx, gy = np.meshgrid(np.linspace(*XLIM, 121), np.linspace(*YLIM, 121))
    gf = rosenbrock(gx, gy)
    mx, my = rosenbrock_minimum()
    if surface:
        # computed_zorder=False: the path is drawn over the surface, never hidden behind a ridge
        ax3 = fig.add_subplot(1, 2, 1, projection="3d", computed_zorder=False)
        ax3.plot_surface(gx, gy, _surface_height(gf), cmap="viridis", rstride=4, cstride=4,
                         linewidth=0, antialiased=False, alpha=0.8, zorder=1)
        ax3.plot([mx], [my], [0.0], marker="*", color="red", markersize=14, zorder=5)
        ax3.set(xlabel="x", ylabel="y", zlabel="log10(1 + f)", xlim=XLIM, ylim=YLIM)
        ax3.view_init(elev=ELEV, azim=AZIM)
    axc = fig.add_subplot(1, 2, 2) if surface else fig.add_subplot(1, 1, 1)
    draw_contour(axc)

    labels = labels or [None] * len(trajectories)
    artists = []
    for k, label in enumerate(labels):
        c = PATH_COLORS[k % len(PATH_COLORS)]
        item = {}
        if surface:
            (item["path3"],) = ax3.plot([], [], [], color=c, linewidth=1.6, zorder=10)
            (item["point3"],) = ax3.plot([], [], [], marker="o", color=c, markersize=7, zorder=11)
        (item["path"],) = axc.plot([], [], color=c, linewidth=1.4, label=label)
        (item["point"],) = axc.plot([], [], marker="o", color=c, markersize=6)
        artists.append(item)
    # beside the map, not on it: a legend inside would hide part of some path
    axc.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize=8)
    return fig, artists


def show_paths(artists, trajectories, upto):
    """Set each path artist to its trajectory up to index `upto` (inclusive)."""
    for item, traj in zip(artists, trajectories):
        i = min(upto, traj.iterations)
        x, y = traj.x[: i + 1], traj.y[: i + 1]
        item["path"].set_data(x, y)
        item["point"].set_data(x[-1:], y[-1:])
        if "path3" in item:
            z = _surface_height(traj.f[: i + 1])
            item["path3"].set_data_3d(x, y, z)
            item["point3"].set_data_3d(x[-1:], y[-1:], z[-1:])


def plot_path(trajectories, labels=None, surface=True):
    """Static figure of whole paths on the surface and the contour map."""
    trajectories = _as_list(trajectories)
    fig = plt.figure(figsize=(11.2, 4.8) if surface else (5.6, 4.8), layout="constrained")
    fig, artists = rosenbrock_scene(trajectories, labels=labels, fig=fig, surface=surface)
    show_paths(artists, trajectories, max((t.iterations for t in trajectories), default=0))
    return fig


def animate_paths(trajectories, path, *, labels=None, n_frames=240, fps=30, hold_seconds=1.5, power=2.5,
                  surface=True, dpi=100):
    """Render the optimiser paths to a browser-playable MP4; the path so far is drawn in full.

    Returns a dict with the file path, frames written, the path indices shown, and render seconds.
    """
    t0 = time.perf_counter()
    trajectories = _as_list(trajectories)
    fig, artists = rosenbrock_scene(trajectories, labels=labels, surface=surface, dpi=dpi)
    moving = [a for item in artists for a in item.values()]
    for a in moving:
        a.set_animated(True)
    title = fig.suptitle(" ", animated=True)  # constrained layout keeps a line free for it
    canvas = fig.canvas
    canvas.draw()
    background = canvas.copy_from_bbox(fig.bbox)
    n_points = max(t.iterations for t in trajectories) + 1
    shown = frame_schedule(n_points, n_frames, power)
    with VideoWriter(path, fps=fps) as writer:
        for i in shown:
            show_paths(artists, trajectories, i)
            if len(trajectories) == 1:
                title.set_text(f"iteration {i:>5d}    f = {trajectories[0].f[min(i, trajectories[0].iterations)]:.2e}")
            else:
                title.set_text(f"iteration {i:>5d}")
            canvas.restore_region(background)
            for a in moving:
                a.axes.draw_artist(a)
            fig.draw_artist(title)
            frame = np.asarray(canvas.buffer_rgba())
            writer.write(frame)
        writer.hold(hold_seconds)
        writer.close()
        frames = writer.frames
    return {"path": writer.path, "frames": frames, "indices": shown, "seconds": time.perf_counter() - t0}


def _as_list(trajectories):
    return list(trajectories) if isinstance(trajectories, (list, tuple)) else [trajectories]


def snapshot_frames(snapshots, scale=3, history=None):
    """Upscaled snapshot images, each with a caption strip 'step N' (+ PSNR from the FitResult `history`).

    The caption says 'epoch' instead of 'step' for full-batch training, as `history.unit` does.
    """
    from PIL import Image, ImageDraw, ImageFont

    if not snapshots:
        raise ValueError("no snapshots to animate: pass snapshot_steps to fit()")
    size = max(12, 6 * scale)
    font = ImageFont.load_default(size=size)
    unit = "step" if history is None else history.unit
    psnr_at = {} if history is None else dict(zip(history.steps, history.psnr))
    for step in sorted(snapshots):
        img = Image.fromarray(snapshots[step])
        w, h = img.width * scale, img.height * scale
        img = img.resize((w, h), Image.NEAREST)
        strip = max(10 * scale, size + 8)
        frame = Image.new("RGB", (w + w % 2, h + strip + (h + strip) % 2), "white")
        frame.paste(img, (0, 0))
        text = f"{unit} {step}" + (f"   PSNR {psnr_at[step]:.1f} dB" if step in psnr_at else "")
        ImageDraw.Draw(frame).text((2 * scale, h + 2 * scale), text, fill="black", font=font)
        yield np.asarray(frame)


def animate_snapshots(snapshots, path, *, fps=12, scale=3, history=None, hold_seconds=1.5):
    """Write the snapshots as a browser-playable MP4, the last frame held.

    Returns a dict with the file path and the number of frames written.
    """
    with VideoWriter(path, fps=fps) as writer:
        for frame in snapshot_frames(snapshots, scale=scale, history=history):
            writer.write(frame)
        writer.hold(hold_seconds)
        writer.close()
    return {"path": writer.path, "frames": writer.frames}
