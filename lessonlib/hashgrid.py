"""A painter for the full-size portrait: a multiresolution hash grid and a small MLP (Müller et al. 2022)."""

import math

import torch
from torch import nn

from .checks import whole_number

PRIME = 2654435761  # Instant-NGP's hash: (x * 1) XOR (y * PRIME), modulo the table size


def level_resolutions(levels, base_resolution, max_resolution) -> list:
    """Cells per side of each level, growing geometrically from base to max."""
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
    """Rows of `table`, differentiable in `table`: `table[rows]` with a faster backward.

    The backward adds up the gradients of repeated rows with `torch.bincount`, which on a CPU is
    several times faster than the `index_add` of PyTorch's own indexing.
    """
    return _GatherRows.apply(table, rows)


class HashGrid(nn.Module):
    """Learned feature tables at several resolutions, read by bilinear interpolation.

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
            whole_number(name, value)
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
    """Hash-grid features, then a small ReLU MLP to RGB."""

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


def touched_fraction(grid) -> list:
    """Per level, the share of its table rows whose gradient is non-zero (after a backward pass)."""
    if grid.table.grad is None:
        raise ValueError("no gradient yet: run a forward and backward pass through the grid first")
    touched = (grid.table.grad != 0).any(1)
    ends = grid.offsets[1:] + [len(grid.table)]
    return [float(touched[start:end].float().mean()) for start, end in zip(grid.offsets, ends)]
