"""A painter for the full-size portrait: a multiresolution hash grid and a small MLP (Müller et al. 2022)."""

import copy
import math
import time
from dataclasses import dataclass, field

import torch
from torch import nn

from .images import grid_to_image, psnr, to_uint8

PRIME = 2654435761  # Instant-NGP's hash: (x * 1) XOR (y * PRIME), modulo the table size


def level_resolutions(levels, base_resolution, max_resolution) -> list:
    """Cells per side of each level, growing geometrically from base to max (hash-grid chapter)."""
    if levels == 1:
        return [base_resolution]
    growth = math.exp((math.log(max_resolution) - math.log(base_resolution)) / (levels - 1))
    return [int(math.floor(base_resolution * growth**level)) for level in range(levels)]


class _GatherRows(torch.autograd.Function):
    """table[rows]; the backward pass adds up each row's gradients with one bincount per feature."""

    @staticmethod
    def forward(ctx, table, rows):
        ctx.save_for_backward(rows)
        ctx.n_rows = table.shape[0]
        return table.index_select(0, rows)

    @staticmethod
    def backward(ctx, grad):
        (rows,) = ctx.saved_tensors
        sums = [torch.bincount(rows, grad[:, k], minlength=ctx.n_rows) for k in range(grad.shape[1])]
        return torch.stack(sums, dim=1).to(grad.dtype), None


def gather_rows(table, rows):
    """Rows of `table`, differentiable in `table` (hash-grid chapter).

    The same as `table[rows]`. Its backward sums the gradients of repeated rows with `torch.bincount`,
    which on a 2-core CPU took 4.3 ms where PyTorch's own index_add took 15.8 ms (786,432 rows of
    2 features into 209,020: one training step's gather).
    """
    return _GatherRows.apply(table, rows)


class HashGrid(nn.Module):
    """Learned feature tables at several resolutions, read by bilinear interpolation (hash-grid chapter).

    Level l has (N_l + 1)^2 grid vertices. A coarse level whose vertices fit in `table_size` rows
    stores one row per vertex; a finer level hashes its vertices into `table_size` rows, so several
    vertices share (collide in) a row. All levels live in one table, read with one gather.
    """

    def __init__(self, levels=12, features=2, log2_table_size=15, base_resolution=16,
                 max_resolution=1024, init_scale=1e-4):
        super().__init__()
        for name, value in [("levels", levels), ("features", features),
                            ("log2_table_size", log2_table_size), ("base_resolution", base_resolution),
                            ("max_resolution", max_resolution)]:
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
        if max_resolution < base_resolution:
            raise ValueError(f"max_resolution ({max_resolution}) must be >= base_resolution ({base_resolution})")
        self.table_size = 2**log2_table_size
        self.features = features
        self.resolutions = level_resolutions(levels, base_resolution, max_resolution)
        self.dense = [(n + 1) ** 2 <= self.table_size for n in self.resolutions]
        rows = [(n + 1) ** 2 if dense else self.table_size for n, dense in zip(self.resolutions, self.dense)]
        self.offsets = [sum(rows[:level]) for level in range(levels)]  # first row of each level
        self.table = nn.Parameter(torch.empty(sum(rows), features).uniform_(-init_scale, init_scale))
        self.register_buffer("_n", torch.tensor(self.resolutions), persistent=False)
        self.register_buffer("_dense", torch.tensor(self.dense), persistent=False)
        self.register_buffer("_offset", torch.tensor(self.offsets), persistent=False)

    @property
    def out_features(self) -> int:
        return self.features * len(self.resolutions)

    def rows(self, ix, iy):
        """Table rows of the vertices (ix, iy) at every level; ix, iy are (..., levels)."""
        dense = iy * (self._n + 1) + ix
        hashed = (ix ^ (iy * PRIME)) % self.table_size
        return torch.where(self._dense, dense, hashed) + self._offset

    def forward(self, coords):
        """(B, 2) coordinates in [-1, 1] -> (B, levels * features) interpolated features."""
        position = (coords[:, None, :] + 1) * (self._n[:, None] / 2)  # (B, L, 2) in grid units
        corner = torch.minimum(position.floor(), (self._n[:, None] - 1).to(position.dtype))
        wx, wy = (position - corner).unbind(-1)  # (B, L) weights in [0, 1]
        ix, iy = corner.long().unbind(-1)
        rows = torch.stack([self.rows(ix, iy), self.rows(ix + 1, iy),
                            self.rows(ix, iy + 1), self.rows(ix + 1, iy + 1)], dim=-1)  # (B, L, 4)
        weights = torch.stack([(1 - wx) * (1 - wy), wx * (1 - wy), (1 - wx) * wy, wx * wy], dim=-1)
        values = gather_rows(self.table, rows.reshape(-1)).view(*rows.shape, self.features)
        return (weights[..., None] * values).sum(-2).flatten(1)


class HashGridPainter(nn.Module):
    """Hash-grid features, then a small ReLU MLP to RGB (hash-grid chapter)."""

    def __init__(self, hidden_features=64, hidden_layers=2, **grid_settings):
        super().__init__()
        self.grid = HashGrid(**grid_settings)
        layers, width = [], self.grid.out_features
        for _ in range(hidden_layers):
            layers += [nn.Linear(width, hidden_features), nn.ReLU()]
            width = hidden_features
        layers.append(nn.Linear(width, 3))
        self.mlp = nn.Sequential(*layers)

    def forward(self, coords):
        return self.mlp(self.grid(coords))


@dataclass
class BatchFitResult:
    """What `fit_batches` returns: the model and the full-image PSNR at each evaluation (hash-grid chapter)."""

    model: nn.Module
    steps: list = field(default_factory=list)
    seconds: list = field(default_factory=list)  # training time only, evaluation excluded
    psnr: list = field(default_factory=list)  # of the whole image, in dB
    batch_loss: list = field(default_factory=list)  # the minibatch MSE of every step
    snapshots: dict = field(default_factory=dict)  # step -> (H, W, 3) uint8 prediction

    def first_seconds_at(self, db):
        """Training seconds until the full-image PSNR first reached `db`, or None."""
        return next((s for s, p in zip(self.seconds, self.psnr) if p >= db), None)

    def psnr_at(self, seconds):
        """The full-image PSNR of the last evaluation within `seconds` of training."""
        return [p for s, p in zip(self.seconds, self.psnr) if s <= seconds or s == 0][-1]

    def __repr__(self) -> str:
        return (f"BatchFitResult({type(self.model).__name__}, {self.steps[-1]} steps in "
                f"{self.seconds[-1]:.1f} s of training, best PSNR {max(self.psnr):.1f} dB)")


def full_image_psnr(model, coords, targets) -> float:
    """PSNR of the model's prediction of every pixel, computed in chunks (hash-grid chapter)."""
    return psnr(float(torch.mean((_predict_all(model, coords) - targets) ** 2)))


def touched_fraction(grid) -> list:
    """Per level, the share of its table rows whose gradient is non-zero (after a backward pass)."""
    if grid.table.grad is None:
        raise ValueError("no gradient yet: run a forward and backward pass through the grid first")
    touched = (grid.table.grad != 0).any(1)
    ends = grid.offsets[1:] + [len(grid.table)]
    return [float(touched[start:end].float().mean()) for start, end in zip(grid.offsets, ends)]


def fit_batches(model, coords, targets, *, optimiser, batch_size=32_768, seconds=None, steps=None,
                eval_every=50, target_db=None, generator=None, snapshot_steps=(),
                image_shape=None, restore_best=False) -> BatchFitResult:
    """Train on random pixel batches for `seconds` of training or `steps` steps (hash-grid chapter).

    `batch_size=None` uses every pixel at every step (full batch). The full image is evaluated every
    `eval_every` steps and at the end, off the clock. Stops early once its PSNR reaches
    `target_db`. `snapshot_steps` are evaluated too, and their predictions kept as uint8 pictures
    of `image_shape`. `restore_best=True` ends with the weights of the best evaluation, as `fit` does.
    """
    if (seconds is None) == (steps is None):
        raise ValueError("give exactly one of seconds= or steps=")
    if batch_size is not None and not 1 <= batch_size:
        raise ValueError(f"batch_size must be a whole number >= 1 or None (full batch), got {batch_size!r}")
    snapshot_steps = set(int(s) for s in snapshot_steps)
    if snapshot_steps and image_shape is None:
        raise ValueError("snapshot_steps needs image_shape=(H, W) to turn predictions into pictures")
    result = BatchFitResult(model=model)
    trained, step = 0.0, 0
    n = len(coords)
    while True:
        done = (steps is not None and step >= steps) or (seconds is not None and trained >= seconds)
        snapshot = step in snapshot_steps
        if snapshot or step % eval_every == 0 or done:
            prediction = _predict_all(model, coords)
            result.steps.append(step)
            result.seconds.append(trained)
            result.psnr.append(psnr(float(torch.mean((prediction - targets) ** 2))))
            if snapshot:
                result.snapshots[step] = to_uint8(grid_to_image(prediction, *image_shape[:2]))
            if restore_best and result.psnr[-1] >= max(result.psnr):
                best_state = copy.deepcopy(model.state_dict())
            if done or (target_db is not None and result.psnr[-1] >= target_db):
                if restore_best:
                    model.load_state_dict(best_state)
                return result
        start = time.perf_counter()
        optimiser.zero_grad(set_to_none=True)
        if batch_size is None:
            loss = torch.mean((model(coords) - targets) ** 2)
        else:
            index = torch.randint(0, n, (batch_size,), generator=generator)
            loss = torch.mean((model(coords[index]) - targets[index]) ** 2)
        loss.backward()
        optimiser.step()
        trained += time.perf_counter() - start
        result.batch_loss.append(loss.item())
        step += 1


@torch.no_grad()
def _predict_all(model, coords, chunk=131_072):
    return torch.cat([model(coords[i:i + chunk]) for i in range(0, len(coords), chunk)])
