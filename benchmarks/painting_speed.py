"""How much sooner lessonlib's SIREN paints the Arnolfini Portrait than the original blog recipe.

What it measures: seconds of training until the PSNR against the training image first reaches
30 dB and 35 dB, for two recipes, both trained by `lessonlib.train.fit` (full batch, the whole
image evaluated every epoch, off the clock) on the device `get_device()` picks:

1. the original recipe: coordinates in [0, 1] (a linspace over rows and columns), a SIREN with 4
   hidden layers of 512 (omega_0 = 30, Sitzmann's initialisation), Adam lr 1e-4, full-batch MSE.
   The blog post's loop also copied the predictions to NumPy every epoch and wrote a PNG every 10
   epochs; those costs are not training and are not timed here;
2. lessonlib's default: the `quick` profile's SIREN (3 hidden layers of 128, lr 1e-3, coordinates
   in [-1, 1] at pixel centres).

Why the comparison is fair: both recipes fit the same painting (checksum-verified through
`lessonlib.data.fetch`), resized to the same resolution (the quick profile's image size), with the
same targets in the same row-major order, on the same machine, one after the other, both seeded
with 0, both timed by the same loop. The question asked is the one a reader cares about: how long
until the painting looks good (30 dB) and very good (35 dB). The original run stops at 35 dB or
after a time cap (default 900 s, `--cap-seconds`); when it hits the cap, its time is a lower bound
and so is the speed-up.

Run: python benchmarks/painting_speed.py [--cap-seconds S] [--quick-check], with the painting
where `lessonlib.data.fetch` finds it (e.g. LESSONLIB_DATA_DIR=../shared/data from the repository
on the project's machines). The last line is `speedup_to_35dB: <ratio>`.
"""

import argparse
import os

import torch

from lessonlib.data import fetch
from lessonlib.device import get_device
from lessonlib.images import image_to_grid, load_image
from lessonlib.models import SIREN, count_parameters
from lessonlib.optim import Optimiser
from lessonlib.profiles import get_profile
from lessonlib.train import fit, seed_everything

TARGETS_DB = (30.0, 35.0)


def original_recipe(image, cap_seconds):
    """The blog post's recipe: [0, 1] coordinates, SIREN 4x512, Adam 1e-4, full batch, until 35 dB or the cap."""
    h, w, _ = image.shape
    # pixel grid via linspace 0..1, row-major (row = y, column = x), stacked as (x, y)
    ys, xs = torch.linspace(0, 1, h), torch.linspace(0, 1, w)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    coords = torch.stack([gx, gy], dim=-1).reshape(-1, 2)
    targets = torch.from_numpy(image.reshape(-1, 3).copy())
    torch.manual_seed(0)
    model = SIREN()  # 2 -> 512, 4 x (512 -> 512), 512 -> 3, omega_0 = 30
    result = fit(model, coords, targets, optimiser=Optimiser("Adam", lr=1e-4), seconds=cap_seconds,
                 target_db=TARGETS_DB[-1], restore_best=False, progress=False)
    return summary("original (blog)", model, result)


def lessonlib_recipe(image, profile, max_epochs):
    """lessonlib's default: the quick profile's SIREN trained by `fit`."""
    coords, targets = image_to_grid(image)
    seed_everything(0)
    model = SIREN(hidden_features=profile.hidden_features, hidden_layers=profile.hidden_layers,
                  omega_0=profile.omega_0)
    result = fit(model, coords, targets, optimiser=Optimiser("Adam", lr=profile.lr), epochs=max_epochs,
                 restore_best=False, progress=False)
    return summary("lessonlib quick", model, result)


def summary(name, model, result):
    """What the table prints of one run: epochs and seconds to each target, or None."""
    hit = {db: None if result.first_step_at(db) is None
           else (result.first_step_at(db), result.first_seconds_at(db)) for db in TARGETS_DB}
    epochs = result.steps[-1]
    return {"name": name, "params": count_parameters(model), "epochs": epochs,
            "seconds": result.seconds[-1], "per_epoch": result.seconds[-1] / max(epochs, 1),
            "final_psnr": result.psnr[-1], "hit": hit, "capped": hit[TARGETS_DB[-1]] is None}


def _cell(run, db):
    if run["hit"][db] is not None:
        epoch, seconds = run["hit"][db]
        return f"{epoch:>6d}", f"{seconds:>9.1f}"
    return f"{'>' + str(run['epochs']):>6s}", f"{'>' + format(run['seconds'], '.1f'):>9s}"


def _ratio(orig, lib, db):
    """Original seconds / lessonlib seconds to `db`, as text: exact, a lower bound '>x', or 'n/a'."""
    o, l = orig["hit"][db], lib["hit"][db]
    if l is None:
        return "n/a" if o is None else f"<{o[1] / lib['seconds']:.1f}"
    if o is None:
        return f">{orig['seconds'] / l[1]:.1f}"
    return f"{o[1] / l[1]:.1f}"


def profile_epochs():
    """The quick profile's epoch budget: what the SIREN chapter trains for."""
    return get_profile("quick").num_epochs


def _load():
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap-seconds", type=float, default=900.0,
                        help="stop the original recipe after this many training seconds (default 900)")
    parser.add_argument("--quick-check", action="store_true",
                        help="smoke test: cap 20 s and few lessonlib epochs, to check the script runs")
    args = parser.parse_args()
    cap = 20.0 if args.quick_check else args.cap_seconds
    max_epochs = 20 if args.quick_check else profile_epochs()

    torch.manual_seed(0)
    profile = get_profile("quick")
    path = fetch()
    image = load_image(path, size=profile.image_size)
    h, w, _ = image.shape
    print(f"device {get_device()}, cpu cores: {os.cpu_count()}, torch threads: {torch.get_num_threads()}, "
          f"torch {torch.__version__}")
    print(f"load average before (1/5/15 min): {_load()}  (other busy processes slow both runs: keep the machine idle)")
    print(f"image: {path} resized to {h}x{w} (HxW) = {h * w} pixels, the quick profile's size")
    print(f"original recipe: cap {cap:.0f} s; lessonlib: up to {max_epochs} epochs", flush=True)

    print("running the original recipe ...", flush=True)
    orig = original_recipe(image, cap)
    print(f"  [original] done: {orig['epochs']} epochs in {orig['seconds']:.1f} s, "
          f"PSNR {orig['final_psnr']:.2f} dB", flush=True)
    print("running lessonlib's default ...", flush=True)
    lib = lessonlib_recipe(image, profile, max_epochs)
    print(f"  [lessonlib] done: {lib['epochs']} epochs in {lib['seconds']:.1f} s, "
          f"PSNR {lib['final_psnr']:.2f} dB", flush=True)

    print(f"load average after (1/5/15 min): {_load()}")
    print()
    head = f"{'recipe':<17s} {'params':>9s} {'s/epoch':>8s}"
    for db in TARGETS_DB:
        head += f" {'ep@' + format(db, '.0f') + 'dB':>8s} {'s@' + format(db, '.0f') + 'dB':>9s}"
    print(head)
    print("-" * len(head))
    for run in (orig, lib):
        line = f"{run['name']:<17s} {run['params']:>9,d} {run['per_epoch']:>8.3f}"
        for db in TARGETS_DB:
            ep, sec = _cell(run, db)
            line += f" {ep:>8s} {sec:>9s}"
        print(line)
    print("('>' = not reached: the recipe stopped at that epoch / second)")
    print()
    print(f"s/epoch ratio (original / lessonlib): "
          f"{orig['per_epoch'] / lib['per_epoch']:.1f}")
    print(f"params ratio (original / lessonlib): {orig['params'] / lib['params']:.1f}")
    print(f"speedup_to_30dB: {_ratio(orig, lib, 30.0)}")
    print(f"speedup_to_35dB: {_ratio(orig, lib, 35.0)}")


if __name__ == "__main__":
    main()
