"""Training a painter: one loop for every model, full batch or minibatches, on any device."""

import copy
import math
import random
from dataclasses import dataclass, field

import numpy as np
import torch

from .checks import positive_number, show_progress, whole_number
from .device import clock, get_device
from .images import grid_to_image, make_coords, psnr, to_uint8
from .optim import Optimiser


def seed_everything(seed=0) -> None:
    """Seed Python, NumPy and PyTorch so model initialisation is repeatable."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@dataclass
class FitResult:
    """What `fit` returns: the trained model, the evaluations of the whole image, and the snapshots.

    The lists `steps`, `seconds`, `loss` and `psnr` have one entry per evaluation (step 0: untrained).
    `seconds` is training time only, evaluation excluded. A full-batch step is one epoch.
    """

    model: torch.nn.Module
    n: int  # examples (pixels) trained on
    batch_size: int | None  # None: full batch
    steps: list = field(default_factory=list)  # the steps at which the whole image was evaluated
    seconds: list = field(default_factory=list)  # training seconds before each evaluation
    loss: list = field(default_factory=list)  # MSE of every pixel at each evaluation
    psnr: list = field(default_factory=list)  # dB at each evaluation
    batch_loss: list = field(default_factory=list)  # the loss of every step's own batch
    lr: list = field(default_factory=list)  # the learning rate of every step (first parameter group)
    snapshots: dict = field(default_factory=dict)  # step -> (H, W, 3) uint8 prediction
    best_step: int = 0
    best_loss: float = math.inf
    stopped_early: bool = False  # the loss had not improved for `patience` steps
    diverged: bool = False  # the loss became inf or nan

    @property
    def full_batch(self) -> bool:
        return self.batch_size is None

    @property
    def unit(self) -> str:
        """What a step is called: 'epoch' for full-batch training, else 'step'."""
        return "epoch" if self.full_batch else "step"

    @property
    def epochs(self) -> list:
        """The evaluated steps in epochs (passes over n examples)."""
        return list(self.steps) if self.full_batch else [s * self.batch_size / self.n for s in self.steps]

    @property
    def best_psnr(self) -> float:
        return psnr(self.best_loss)

    def at(self, step) -> int:
        """The index of `step` in the lists, for a step that was evaluated."""
        try:
            return self.steps.index(step)
        except ValueError:
            raise ValueError(f"step {step} was not evaluated; evaluated steps run from {self.steps[0]} "
                             f"to {self.steps[-1]} (pass eval_every or snapshot_steps to fit)") from None

    def first_step_at(self, db):
        """The first evaluated step whose PSNR reaches `db` dB, or None."""
        return next((s for s, p in zip(self.steps, self.psnr) if p >= db), None)

    def first_seconds_at(self, db):
        """Training seconds until the PSNR first reached `db` dB, or None."""
        return next((t for t, p in zip(self.seconds, self.psnr) if p >= db), None)

    def psnr_at(self, seconds):
        """The PSNR of the last evaluation within `seconds` of training."""
        return [p for t, p in zip(self.seconds, self.psnr) if t <= seconds or t == 0][-1]

    def __repr__(self) -> str:
        name, unit = type(self.model).__name__, self.unit
        size = "full batch" if self.full_batch else f"batches of {self.batch_size:,}"
        how = (f"diverged at {unit} {self.steps[-1]}: lower the learning rate" if self.diverged
               else "stopped early" if self.stopped_early else f"ran all {unit}s")
        return (f"FitResult({name}, {self.steps[-1]} {unit}s of {size} ({how}), best {unit} "
                f"{self.best_step}: MSE {self.best_loss:.3g}, PSNR {self.best_psnr:.1f} dB)")


def fit(model, X, y, image_shape=None, *, optimiser="Adam", batch_size=None, steps=None,
        epochs=None, seconds=None, eval_every=None, patience=None, target_db=None,
        snapshot_steps=(), restore_best=True, scheduler=None, callback=None, device=None, seed=0,
        progress=None) -> FitResult:
    """Train `model` to map X to y on the mean squared error; the one training loop of the book.

    `optimiser`: an `Optimiser` (or a name/class for its defaults). `batch_size=None` trains on every
    example in every step (then a step is an epoch); else each step draws `batch_size` random
    examples (with replacement) from a generator seeded with `seed`, on the device. The budget is
    one of `steps`, `epochs` or `seconds` (of training). The whole image is evaluated every
    `eval_every` steps (full batch: every step, free; minibatches: about once an epoch), at each of
    `snapshot_steps` (kept as uint8 pictures of `image_shape`) and at the end, off the clock.
    Training stops early when the best loss is `patience` steps old, when the PSNR reaches
    `target_db`, or when the loss stops being finite. `restore_best` ends with the best evaluated
    weights. `scheduler(optimiser)` may return a torch.optim.lr_scheduler, stepped after every step.
    `callback(step, model, optimiser)`, if given, is called after every step (off the clock).
    `device=None` uses `get_device()`. A progress bar shows unless $LESSONLIB_PROGRESS is 0.
    """
    n = len(X)
    if len(y) != n:
        raise ValueError(f"X ({tuple(X.shape)}) and y ({tuple(y.shape)}) must have one row per example")
    if image_shape is not None and image_shape[0] * image_shape[1] != n:
        raise ValueError(f"X ({tuple(X.shape)}) and y ({tuple(y.shape)}) must have one row per pixel "
                         f"of the {image_shape[0]}x{image_shape[1]} image")
    if batch_size is not None:
        batch_size = whole_number("batch_size", batch_size)
    total = _step_budget(steps, epochs, seconds, n, batch_size)
    if seconds is not None:
        seconds = positive_number("seconds", seconds)
    full = batch_size is None
    eval_every = whole_number("eval_every", eval_every) if eval_every is not None \
        else 1 if full else max(1, n // batch_size)
    if patience is not None:
        patience = whole_number("patience", patience)
    if callback is not None and not callable(callback):
        raise ValueError(f"callback must be a function callback(step, model, optimiser), got {callback!r}")
    snapshot_steps = {int(s) for s in snapshot_steps}
    if snapshot_steps and image_shape is None:
        raise ValueError("snapshot_steps needs image_shape=(H, W) to turn predictions into pictures")

    device = get_device(device)
    model = model.to(device)
    X, y = X.to(device), y.to(device)
    make = Optimiser.of(optimiser)
    optimiser = make(model.parameters())
    schedule = scheduler(optimiser) if scheduler is not None else None
    generator = None if full else torch.Generator(device=device).manual_seed(seed)
    result = FitResult(model=model, n=n, batch_size=batch_size)
    best_state, trained = None, 0.0

    def evaluate(step, prediction):
        """Record the whole image's loss at `step`; True when training should stop."""
        nonlocal best_state
        value = torch.mean((prediction - y) ** 2).item()
        result.steps.append(step)
        result.seconds.append(trained)
        result.loss.append(value)
        result.psnr.append(psnr(value))
        if step in snapshot_steps:
            result.snapshots[step] = to_uint8(grid_to_image(prediction, *image_shape[:2]))
        if not math.isfinite(value):
            result.diverged = True
            return True
        if value < result.best_loss:
            result.best_loss, result.best_step = value, step
            if restore_best:
                best_state = copy.deepcopy(model.state_dict())
        elif patience is not None and step - result.best_step >= patience:
            result.stopped_early = True
            return True
        return target_db is not None and result.psnr[-1] >= target_db

    from tqdm.auto import tqdm

    bar = tqdm(total=total, disable=not show_progress(progress), desc=type(model).__name__,
               unit=result.unit)
    step = 0
    while True:
        done = (total is not None and step >= total) or (seconds is not None and trained >= seconds)
        due = done or step % eval_every == 0 or step in snapshot_steps
        if full:  # the training forward pass is also the exact evaluation of this step
            start = clock(device)
            optimiser.zero_grad(set_to_none=True)
            prediction = model(X)
            loss = torch.mean((prediction - y) ** 2)
            spent = clock(device) - start
            if (due and evaluate(step, prediction.detach())) or done:
                break
        else:
            if due and (evaluate(step, predict(model, X)) or done):
                break
            start = clock(device)
            optimiser.zero_grad(set_to_none=True)
            index = torch.randint(0, n, (batch_size,), device=device, generator=generator)
            loss = torch.mean((model(X[index]) - y[index]) ** 2)
            spent = clock(device) - start
        result.lr.append(optimiser.param_groups[0]["lr"])
        start = clock(device)
        loss.backward()
        optimiser.step()
        if schedule is not None:
            schedule.step()
        trained += spent + clock(device) - start
        result.batch_loss.append(loss.item())
        step += 1
        if callback is not None:
            callback(step, model, optimiser)
        bar.update(1)
        if step % 10 == 0:
            bar.set_postfix(psnr=f"{result.psnr[-1]:.1f} dB")
    bar.close()
    if restore_best and best_state is not None:
        model.load_state_dict(best_state)
    return result


def _step_budget(steps, epochs, seconds, n, batch_size):
    """The number of steps to train, or None for a budget in seconds."""
    given = [name for name, value in (("steps", steps), ("epochs", epochs), ("seconds", seconds))
             if value is not None]
    if len(given) != 1:
        raise ValueError(f"give exactly one budget, steps=, epochs= or seconds=; got {given or 'none'}")
    if steps is not None:
        return whole_number("steps", steps)
    if epochs is not None:
        epochs = whole_number("epochs", epochs)
        return epochs if batch_size is None else math.ceil(epochs * n / batch_size)
    return None


@torch.no_grad()
def predict(model, X, chunk=131_072) -> torch.Tensor:
    """The model's outputs for every row of X, computed in chunks without gradients."""
    return torch.cat([model(X[i:i + chunk]) for i in range(0, len(X), chunk)])


def predict_image(model, height, width, device=None) -> np.ndarray:
    """Render a trained painter at any resolution as an (H, W, 3) float image."""
    device = torch.device(device) if device is not None else next(model.parameters()).device
    return grid_to_image(predict(model, make_coords(height, width).to(device)), height, width)
