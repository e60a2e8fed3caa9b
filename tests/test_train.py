"""lessonlib.train.fit, the one training loop: full batch and minibatches, budgets, evaluation, snapshots."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from lessonlib.animate import animate_snapshots, snapshot_frames
from lessonlib.hashgrid import HashGridPainter
from lessonlib.images import image_to_grid
from lessonlib.models import MLP, SIREN
from lessonlib.optim import Optimiser
from lessonlib.plots import plot_history, plot_snapshots
from lessonlib.train import fit, predict, predict_image, seed_everything
from lessonlib.video import probe_mp4

ADAM = Optimiser("Adam", lr=1e-3)


@pytest.fixture(scope="module")
def tiny():
    rng = np.random.default_rng(0)
    image = rng.random((12, 10, 3), dtype=np.float32)
    coords, targets = image_to_grid(image)
    return image, coords, targets


def train(tiny, cls=SIREN, seed=0, **kwargs):
    image, coords, targets = tiny
    seed_everything(seed)
    model = cls(hidden_features=32, hidden_layers=2)
    kwargs = {"optimiser": ADAM, "steps": 30, "progress": False} | kwargs
    return fit(model, coords, targets, image.shape, **kwargs)


def grid_fit(**settings):
    """A tiny hash-grid painter on 64 random pixels (8 x 8), minibatches of 16 by default."""
    torch.manual_seed(1)
    model = HashGridPainter(levels=3, log2_table_size=6, base_resolution=2, max_resolution=8)
    coords, colours = torch.rand(64, 2) * 2 - 1, torch.rand(64, 3)
    settings = dict(optimiser=Optimiser("Adam", lr=1e-2), batch_size=16, eval_every=10, seed=2,
                    progress=False, restore_best=False) | settings
    return fit(model, coords, colours, (8, 8), **settings), coords, colours


def mse(model, coords, targets):
    return torch.mean((predict(model, coords) - targets) ** 2).item()


# --- full batch: a step is an epoch ---------------------------------------------------------------


def test_full_batch_evaluates_every_step_from_zero(tiny):
    result = train(tiny, steps=30)
    assert result.steps == result.epochs == list(range(31)) and result.unit == "epoch"
    assert len(result.loss) == len(result.psnr) == len(result.seconds) == 31
    assert len(result.batch_loss) == 30 and result.batch_loss == result.loss[:-1]
    assert result.loss[-1] < result.loss[0]
    assert result.seconds[0] == 0 and np.all(np.diff(result.seconds) > 0)
    np.testing.assert_allclose(result.psnr, -10 * np.log10(result.loss))


def test_epochs_are_steps_for_full_batch_and_passes_for_minibatches(tiny):
    assert train(tiny, steps=None, epochs=7).steps[-1] == 7
    result, _, _ = grid_fit(steps=None, epochs=3, eval_every=1)  # 64 pixels, batches of 16
    assert result.steps[-1] == 12 and result.epochs[-1] == 3.0 and result.unit == "step"


def test_the_loss_recorded_is_that_of_the_weights_of_its_step(tiny):
    image, coords, targets = tiny
    result = train(tiny, steps=5, restore_best=False)
    assert mse(result.model, coords, targets) == pytest.approx(result.loss[-1], rel=1e-5)


def test_deterministic_with_a_seed(tiny):
    a, b = train(tiny, seed=3), train(tiny, seed=3)
    assert a.loss == b.loss
    assert train(tiny, seed=4).loss != a.loss


def test_snapshots_are_kept_at_the_chosen_steps(tiny):
    result = train(tiny, steps=20, snapshot_steps=[0, 5, 20, 99])
    assert sorted(result.snapshots) == [0, 5, 20]  # 99 is never reached
    snap = result.snapshots[5]
    assert snap.shape == (12, 10, 3) and snap.dtype == np.uint8


class Stuck(nn.Module):
    """A 'model' whose output ignores its one parameter: the loss never improves."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return torch.zeros(x.shape[0], 3) + 0 * self.w


def test_early_stopping_after_patience_steps_without_improvement(tiny):
    image, coords, targets = tiny
    result = fit(Stuck(), coords, targets, image.shape, steps=100, patience=7, progress=False)
    assert result.stopped_early and "stopped early" in repr(result)
    assert result.best_step == 0 and result.steps[-1] == 7


def test_no_early_stop_while_improving(tiny):
    result = train(tiny, steps=25, patience=10)
    assert not result.stopped_early and result.steps[-1] == 25


def test_best_weights_are_restored(tiny):
    image, coords, targets = tiny
    result = train(tiny, optimiser=Optimiser("Adam", lr=0.05), steps=40)  # a large lr: the loss jumps about
    assert result.best_step < 40 and result.loss[-1] > result.best_loss  # the last weights are not the best
    assert mse(result.model, coords, targets) == pytest.approx(result.best_loss, rel=1e-5)


def test_a_target_psnr_stops_training(tiny):
    full = train(tiny, steps=30)
    target = full.psnr[12]
    stopped = train(tiny, steps=30, target_db=target)
    assert stopped.steps[-1] == full.first_step_at(target) <= 12 and stopped.psnr[-1] >= target


def test_divergence_stops_and_is_reported(tiny):
    image, coords, targets = tiny
    seed_everything(0)
    result = fit(MLP(hidden_features=32, hidden_layers=2), coords, targets * 1e30, image.shape,
                 optimiser=Optimiser("SGD", lr=1e3), steps=50, progress=False)
    assert result.diverged and result.steps[-1] < 50
    assert "diverged" in repr(result) and "lower the learning rate" in repr(result)


def test_predict_image_renders_at_any_resolution(tiny):
    result = train(tiny, steps=5)
    big = predict_image(result.model, 36, 30)
    assert big.shape == (36, 30, 3) and 0 <= big.min() and big.max() <= 1


def test_first_step_at_a_psnr(tiny):
    result = train(tiny, steps=30)
    target = result.psnr[12]
    first = result.first_step_at(target)
    assert first is not None and first <= 12 and result.psnr[first] >= target
    assert all(p < target for p in result.psnr[:first])
    assert result.first_step_at(1000) is None


# --- minibatches ------------------------------------------------------------------------------------


def test_a_step_budget_stops_at_that_step_even_between_evaluations():
    result, _, _ = grid_fit(steps=25, eval_every=10)
    assert result.steps == [0, 10, 20, 25] and len(result.batch_loss) == 25


def test_minibatch_evaluation_is_the_whole_image_off_the_clock():
    result, coords, colours = grid_fit(steps=20, eval_every=10)
    assert result.loss[-1] == pytest.approx(mse(result.model, coords, colours), rel=1e-6)
    assert result.seconds[0] == 0 and result.seconds[1] < result.seconds[2]


def test_a_seconds_budget_counts_training_time():
    result, _, _ = grid_fit(seconds=0.2, eval_every=5)
    assert result.seconds[-1] >= 0.2 and result.seconds[-2] < 0.2


def test_psnr_at_is_the_last_evaluation_within_the_time():
    result, _, _ = grid_fit(steps=25, eval_every=10)
    result.seconds, result.psnr = [0.0, 1.0, 2.0, 3.0], [10.0, 30.0, 20.0, 25.0]
    assert result.psnr_at(2.5) == 20.0 and result.psnr_at(0.5) == 10.0
    assert result.psnr_at(99) == 25.0 and result.first_seconds_at(25) == 1.0


def test_restore_best_ends_with_the_weights_of_the_best_evaluation():
    (plain, coords, colours), (best, _, _) = grid_fit(steps=30, eval_every=1), \
        grid_fit(steps=30, eval_every=1, restore_best=True)
    assert plain.psnr == best.psnr  # the same training
    assert plain.psnr[-1] < max(plain.psnr)  # the last weights are not the best
    assert mse(best.model, coords, colours) == pytest.approx(best.best_loss, rel=1e-6)
    assert math.isclose(best.best_psnr, max(best.psnr))


def test_same_seed_same_batches_another_seed_other_batches():
    first, second = grid_fit(steps=20)[0], grid_fit(steps=20)[0]
    assert first.psnr == second.psnr and first.batch_loss == second.batch_loss
    assert first.steps == [0, 10, 20] and first.psnr[-1] > first.psnr[0]
    assert grid_fit(steps=20, seed=3)[0].batch_loss != first.batch_loss


def test_snapshot_steps_are_evaluated_and_kept_as_pictures():
    result, _, _ = grid_fit(steps=4, batch_size=8, snapshot_steps=[0, 2, 4])
    assert sorted(result.snapshots) == [0, 2, 4] and 2 in result.steps
    assert result.snapshots[0].shape == (8, 8, 3) and result.snapshots[0].dtype == np.uint8
    frames = list(snapshot_frames(result.snapshots, scale=1, history=result))
    assert len(frames) == 3 and frames[0].shape[1] == 8


def test_a_scheduler_sets_the_learning_rate_of_every_step(tiny):
    def warm_up(optimiser):
        return torch.optim.lr_scheduler.LinearLR(optimiser, start_factor=0.25, total_iters=3)

    result = train(tiny, steps=5, scheduler=warm_up)
    assert result.lr == pytest.approx([0.25e-3, 0.5e-3, 0.75e-3, 1e-3, 1e-3])
    assert train(tiny, steps=2).lr == [1e-3, 1e-3]



def test_a_callback_sees_every_step_after_its_update(tiny):
    seen = []

    def record(step, model, optimiser):
        seen.append((step, model[0].linear.weight.detach().clone(), optimiser.param_groups[0]["lr"]))

    result = train(tiny, steps=4, callback=record, restore_best=False)
    assert [s for s, _, _ in seen] == [1, 2, 3, 4] and all(lr == 1e-3 for _, _, lr in seen)
    assert torch.equal(seen[-1][1], result.model[0].linear.weight)  # the weights after the last step
    assert not torch.equal(seen[0][1], seen[1][1])  # each call sees that step's update
    # the callback does not change the training itself
    assert train(tiny, steps=4, restore_best=False).loss == result.loss


# --- what reads a FitResult -------------------------------------------------------------------------


def test_plots_read_steps_not_list_positions():
    result, _, _ = grid_fit(steps=20, snapshot_steps=[0, 5, 20])
    fig = plot_snapshots(result)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles[1].startswith("step 5\n") and f"{result.psnr[result.at(5)]:.1f} dB" in titles[1]
    with pytest.raises(ValueError, match="step 7 was not evaluated"):
        result.at(7)
    ax = plot_history({"grid": result}, x="steps")
    assert ax.get_xlabel() == "step" and list(ax.lines[0].get_xdata()) == result.steps


def test_snapshot_film_is_browser_playable_and_says_epoch_for_full_batch(tiny, tmp_path):
    result = train(tiny, steps=10, snapshot_steps=range(0, 11, 2))
    out = animate_snapshots(result.snapshots, tmp_path / "film.mp4", fps=6, scale=3, history=result,
                            hold_seconds=1)
    info = probe_mp4(out["path"])
    assert out["frames"] == 6 + 6 and info["frames"] == out["frames"]
    assert info["codec"] == "h264" and info["pix_fmt"] == "yuv420p" and info["faststart"]
    assert info["width"] % 2 == 0 and info["height"] % 2 == 0 and info["width"] >= 30
    assert plot_history({"siren": result}).get_xlabel() == "epoch"


# --- what a reader can get wrong --------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, message", [
    ({"optimiser": Optimiser("Adam"), "steps": 0}, "steps must be a whole number >= 1"),
    ({"steps": None}, "exactly one budget"),
    ({"steps": 5, "seconds": 1.0}, "exactly one budget"),
    ({"steps": None, "seconds": -1.0}, "seconds must be a positive number"),
    ({"patience": 0}, "patience must be a whole number"),
    ({"batch_size": 0}, "batch_size must be a whole number"),
    ({"eval_every": 2.5}, "eval_every must be a whole number"),
    ({"optimiser": "Adamm"}, "unknown optimiser 'Adamm'"),
    ({"callback": "print"}, "callback must be a function"),
])
def test_bad_settings_are_clear_errors(tiny, kwargs, message):
    with pytest.raises(ValueError, match=message):
        train(tiny, **kwargs)


def test_mismatched_grid_is_a_clear_error(tiny):
    image, coords, targets = tiny
    with pytest.raises(ValueError, match="one row per pixel"):
        fit(MLP(hidden_features=8, hidden_layers=1), coords[:-1], targets[:-1], image.shape, steps=1)
    with pytest.raises(ValueError, match="one row per example"):
        fit(MLP(hidden_features=8, hidden_layers=1), coords, targets[:-1], steps=1)
    with pytest.raises(ValueError, match="needs image_shape"):
        fit(MLP(hidden_features=8, hidden_layers=1), coords, targets, steps=1, snapshot_steps=[0])


def test_runs_on_the_device_get_device_picks(tiny, monkeypatch):
    monkeypatch.setenv("LESSONLIB_DEVICE", "cpu")
    result = train(tiny, steps=2)
    assert next(result.model.parameters()).device.type == "cpu"
    monkeypatch.setenv("LESSONLIB_DEVICE", "tpu-ish")
    with pytest.raises(ValueError, match="unknown device 'tpu-ish'.*LESSONLIB_DEVICE"):
        train(tiny, steps=2)
