"""Time the Rosenbrock animation of the Rosenbrock chapter (budget: 15 s on a 2-core CPU).

Also times a few frames drawn the naive way (a full redraw per frame) to show what the
blitted renderer saves. The last line is `rosenbrock_animation_seconds: <seconds>`.
"""

import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from lessonlib.animate import animate_paths, rosenbrock_scene, show_paths
from lessonlib.optim import Optimiser
from lessonlib.trajectory import START, run_trajectory
from lessonlib.video import probe_mp4

BUDGET_SECONDS = 15.0
# six optimisers, as in the chapter's race (the learning rates only set the path lengths here)
RACE = [("SGD", 1e-3, {}), ("SGD", 1e-3, {"momentum": 0.9}), ("RMSprop", 1e-3, {}), ("Adagrad", 1.0, {}),
        ("Adam", 1.0, {}), ("AdamW", 3e-2, {"weight_decay": 0.01})]


def naive_ms_per_frame(traj, frames=20):
    """Milliseconds for one frame drawn with a full redraw of the figure."""
    fig, artists = rosenbrock_scene([traj])
    indices = np.linspace(0, traj.iterations, frames).astype(int)
    t0 = time.perf_counter()
    for i in indices:
        show_paths(artists, [traj], i)
        fig.canvas.draw()
        np.asarray(fig.canvas.buffer_rgba())
    return 1000 * (time.perf_counter() - t0) / frames


def main():
    print(f"cpu cores: {os.cpu_count()}, torch threads: {torch.get_num_threads()}")
    traj = run_trajectory(Optimiser("Adam", lr=0.01), start=START, tol=1e-4, max_iter=6000)
    print(f"path: {traj.iterations + 1} positions")
    naive = naive_ms_per_frame(traj)
    print(f"naive full redraw: {naive:.0f} ms/frame -> {naive * (traj.iterations + 1) / 1000:.0f} s for one frame per position")
    with tempfile.TemporaryDirectory() as tmp:
        out = animate_paths(traj, Path(tmp) / "rosenbrock-adam.mp4", labels=["Adam, lr = 0.01"])
        info = probe_mp4(out["path"])
        size_kb = out["path"].stat().st_size / 1024
    print(f"animation: {out['frames']} frames ({len(out['indices'])} positions shown), "
          f"{info['width']}x{info['height']} {info['codec']} {info['pix_fmt']}, {size_kb:.0f} KiB, "
          f"{1000 * out['seconds'] / out['frames']:.1f} ms/frame")
    print(f"budget: {BUDGET_SECONDS:.0f} s -> {'within' if out['seconds'] <= BUDGET_SECONDS else 'OVER'} budget")
    race = [run_trajectory(Optimiser(name, lr=lr, **settings), start=START, tol=1e-4, max_iter=6000)
            for name, lr, settings in RACE]
    with tempfile.TemporaryDirectory() as tmp:
        r = animate_paths(race, Path(tmp) / "race.mp4", labels=[name for name, _, _ in RACE], surface=False)
    print(f"race animation ({len(RACE)} paths, contour only): {r['frames']} frames in {r['seconds']:.2f} s "
          f"-> {'within' if r['seconds'] <= BUDGET_SECONDS else 'OVER'} budget")
    print(f"rosenbrock_race_animation_seconds: {r['seconds']:.2f}")
    print(f"rosenbrock_animation_seconds: {out['seconds']:.2f}")


if __name__ == "__main__":
    main()
