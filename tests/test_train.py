import numpy as np
import pytest
import torch
from torch import nn

from lessonlib.animate import animate_snapshots
from lessonlib.images import image_to_grid
from lessonlib.models import MLP, SIREN
from lessonlib.train import fit, predict_image, seed_everything
from lessonlib.video import probe_mp4


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
    kwargs = {"lr": 1e-3, "num_epochs": 30, "progress": False} | kwargs
    return fit(model, coords, targets, image.shape, **kwargs)


def test_history_has_one_entry_per_epoch_from_zero(tiny):
    result = train(tiny, num_epochs=30)
    assert result.epochs == list(range(31))
    assert len(result.loss) == len(result.psnr) == len(result.seconds) == 31
    assert result.loss[-1] < result.loss[0]
    assert np.all(np.diff(result.seconds) >= 0)
    np.testing.assert_allclose(result.psnr, -10 * np.log10(result.loss))


def test_deterministic_with_a_seed(tiny):
    a, b = train(tiny, seed=3), train(tiny, seed=3)
    assert a.loss == b.loss
    assert train(tiny, seed=4).loss != a.loss


def test_snapshots_are_kept_at_the_chosen_epochs(tiny):
    result = train(tiny, num_epochs=20, snapshot_epochs=[0, 5, 20, 99])
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


def test_early_stopping_after_patience_epochs_without_improvement(tiny):
    image, coords, targets = tiny
    result = fit(Stuck(), coords, targets, image.shape, lr=1e-3, num_epochs=100, patience=7, progress=False)
    assert result.stopped_early
    assert result.best_epoch == 0 and result.epochs[-1] == 7


def test_no_early_stop_while_improving(tiny):
    result = train(tiny, num_epochs=25, patience=10)
    assert not result.stopped_early and result.epochs[-1] == 25


def test_best_weights_are_restored(tiny):
    image, coords, targets = tiny
    result = train(tiny, lr=0.05, num_epochs=40)  # a large lr makes the loss jump about
    assert result.best_epoch < 40 and result.loss[-1] > result.best_loss  # the last weights are not the best
    with torch.no_grad():
        final = torch.mean((result.model(coords) - targets) ** 2).item()
    assert final == pytest.approx(result.best_loss, rel=1e-5)


def test_predict_image_renders_at_any_resolution(tiny):
    result = train(tiny, num_epochs=5)
    big = predict_image(result.model, 36, 30)
    assert big.shape == (36, 30, 3) and 0 <= big.min() and big.max() <= 1


@pytest.mark.parametrize("kwargs, message", [({"lr": 0}, "lr must be"), ({"lr": float("nan")}, "lr must be"),
                                             ({"num_epochs": 0}, "num_epochs"), ({"patience": 0}, "patience")])
def test_bad_hyperparameters_are_clear_errors(tiny, kwargs, message):
    with pytest.raises(ValueError, match=message):
        train(tiny, **kwargs)


def test_mismatched_grid_is_a_clear_error(tiny):
    image, coords, targets = tiny
    with pytest.raises(ValueError, match="one row per pixel"):
        fit(MLP(hidden_features=8, hidden_layers=1), coords[:-1], targets[:-1], image.shape, lr=1e-3, num_epochs=1)


def test_divergence_is_reported(tiny):
    image, coords, targets = tiny
    seed_everything(0)
    with pytest.raises(FloatingPointError, match="lower the learning rate"):
        fit(MLP(hidden_features=32, hidden_layers=2), coords, targets * 1e30, image.shape, lr=1e3,
            num_epochs=50, progress=False)


def test_snapshot_film_is_browser_playable(tiny, tmp_path):
    result = train(tiny, num_epochs=10, snapshot_epochs=range(0, 11, 2))
    out = animate_snapshots(result.snapshots, tmp_path / "film.mp4", fps=6, scale=3, history=result, hold_seconds=1)
    info = probe_mp4(out["path"])
    assert out["frames"] == 6 + 6 and info["frames"] == out["frames"]
    assert info["codec"] == "h264" and info["pix_fmt"] == "yuv420p" and info["faststart"]
    assert info["width"] % 2 == 0 and info["height"] % 2 == 0 and info["width"] >= 30


def test_first_epoch_at_a_psnr(tiny):
    result = train(tiny, num_epochs=30)
    target = result.psnr[12]
    first = result.first_epoch_at(target)
    assert first is not None and first <= 12 and result.psnr[first] >= target
    assert all(p < target for p in result.psnr[:first])
    assert result.first_epoch_at(1000) is None
