"""One training loop for every painter: full-batch Adam on the MSE, early stopping, snapshots in memory."""

import copy
import math
import os
import random
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from .images import grid_to_image, make_coords, psnr, to_uint8


def seed_everything(seed=0) -> None:
    """Seed Python, NumPy and PyTorch so model initialisation is repeatable (MLP and SIREN chapters)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@dataclass
class FitResult:
    """What `fit` returns: the trained model, the history and the snapshots (MLP and SIREN chapters)."""

    model: torch.nn.Module
    epochs: list = field(default_factory=list)  # 0 = before any update
    loss: list = field(default_factory=list)  # MSE at each epoch
    psnr: list = field(default_factory=list)  # dB at each epoch
    seconds: list = field(default_factory=list)  # training time elapsed at each epoch
    snapshots: dict = field(default_factory=dict)  # epoch -> (H, W, 3) uint8 prediction
    best_epoch: int = 0
    best_loss: float = math.inf
    stopped_early: bool = False

    @property
    def best_psnr(self) -> float:
        return psnr(self.best_loss)

    def first_epoch_at(self, db):
        """The first epoch whose PSNR reaches `db` dB, or None (SIREN chapter, benchmarks)."""
        return next((e for e, p in zip(self.epochs, self.psnr) if p >= db), None)

    def __repr__(self) -> str:
        how = "stopped early" if self.stopped_early else "ran all epochs"
        return (f"FitResult({type(self.model).__name__}, {self.epochs[-1]} epochs ({how}), best epoch "
                f"{self.best_epoch}: MSE {self.best_loss:.3g}, PSNR {self.best_psnr:.1f} dB)")


def fit(model, coords, targets, image_shape, *, lr, num_epochs, patience=None, snapshot_epochs=(),
        device=None, progress=None, restore_best=True) -> FitResult:
    """Train `model` to map coords to targets with full-batch Adam and MSE (MLP and SIREN chapters).

    Epoch e records the loss of the model after e updates (epoch 0: untrained). Stops after `num_epochs`
    updates, or when the best loss is `patience` epochs old; then restores the best weights.
    `snapshot_epochs` keeps those predictions as uint8 images. `progress=None` shows a bar unless
    $LESSONLIB_PROGRESS is 0 (as in `make book` and `make test`).
    """
    _check_positive_int("num_epochs", num_epochs, least=1)
    if patience is not None:
        _check_positive_int("patience", patience, least=1)
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    h, w = image_shape[:2]
    if coords.shape[0] != targets.shape[0] or coords.shape[0] != h * w:
        raise ValueError(f"coords ({tuple(coords.shape)}) and targets ({tuple(targets.shape)}) must have "
                         f"one row per pixel of the {h}x{w} image")
    device = torch.device(device) if device is not None else next(model.parameters()).device
    model = model.to(device)
    coords, targets = coords.to(device), targets.to(device)
    snapshot_epochs = set(int(e) for e in snapshot_epochs)
    if progress is None:
        progress = os.environ.get("LESSONLIB_PROGRESS", "1") != "0"

    from tqdm.auto import tqdm

    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    result = FitResult(model=model)
    best_state = None
    start = time.perf_counter()
    bar = tqdm(total=num_epochs, disable=not progress, desc=type(model).__name__, unit="epoch")
    for epoch in range(num_epochs + 1):
        optimiser.zero_grad(set_to_none=True)
        prediction = model(coords)
        loss = torch.mean((prediction - targets) ** 2)
        value = loss.item()
        result.epochs.append(epoch)
        result.loss.append(value)
        result.psnr.append(psnr(value))
        result.seconds.append(time.perf_counter() - start)
        if epoch in snapshot_epochs:
            result.snapshots[epoch] = to_uint8(grid_to_image(prediction, h, w))
        if not math.isfinite(value):
            raise FloatingPointError(f"the loss became {value} at epoch {epoch}: lower the learning rate (lr={lr:g})")
        if value < result.best_loss:
            result.best_loss, result.best_epoch = value, epoch
            if restore_best:
                best_state = copy.deepcopy(model.state_dict())
        elif patience is not None and epoch - result.best_epoch >= patience:
            result.stopped_early = True
            break
        if epoch == num_epochs:
            break
        loss.backward()
        optimiser.step()
        bar.update(1)
        if epoch % 10 == 0:
            bar.set_postfix(psnr=f"{result.psnr[-1]:.1f} dB")
    bar.close()
    if restore_best and best_state is not None:
        model.load_state_dict(best_state)
    return result


def _check_positive_int(name, value, least):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        raise ValueError(f"{name} must be a whole number >= {least}, got {value!r}")


def predict_image(model, height, width, device=None) -> np.ndarray:
    """Render a trained painter at any resolution as an (H, W, 3) float image (MLP and SIREN chapters)."""
    device = torch.device(device) if device is not None else next(model.parameters()).device
    with torch.inference_mode():
        values = model(make_coords(height, width).to(device))
    return grid_to_image(values, height, width)
