"""The hash grid: level sizes, exact interpolation at grid points, sparse gradients, repeatability."""

import math

import numpy as np
import pytest
import torch

from lessonlib.animate import snapshot_frames
from lessonlib.hashgrid import (PRIME, HashGrid, HashGridPainter, fit_batches, full_image_psnr,
                                gather_rows, level_resolutions, touched_fraction)


def small_grid(**settings):
    torch.manual_seed(0)
    return HashGrid(**{"levels": 4, "features": 2, "log2_table_size": 8, "base_resolution": 4,
                       "max_resolution": 32, "init_scale": 1.0, **settings})


def test_resolutions_grow_geometrically_from_base_to_max():
    assert level_resolutions(5, 16, 256) == [16, 32, 64, 128, 256]
    assert level_resolutions(1, 16, 256) == [16]


def test_coarse_levels_are_dense_and_fine_levels_hashed():
    grid = small_grid()  # 256 rows: (n + 1)^2 <= 256 for n <= 15
    assert grid.resolutions == [4, 8, 16, 32]
    assert grid.dense == [True, True, False, False]
    assert grid.offsets == [0, 25, 25 + 81, 25 + 81 + 256]  # 5^2 and 9^2 vertices, then 256 rows each
    assert grid.table.shape == (25 + 81 + 2 * 256, 2)


def test_output_has_levels_times_features_columns():
    grid = small_grid()
    assert grid(torch.rand(10, 2) * 2 - 1).shape == (10, grid.out_features) == (10, 8)
    assert HashGridPainter(levels=4, log2_table_size=8, base_resolution=4,
                           max_resolution=32)(torch.zeros(7, 2)).shape == (7, 3)


@pytest.mark.parametrize("level", [0, 1, 2, 3])
def test_interpolation_is_exact_at_the_grid_points(level):
    grid = small_grid()
    n = grid.resolutions[level]
    i, j = torch.meshgrid(torch.arange(n + 1), torch.arange(n + 1), indexing="xy")
    ix, iy = i.reshape(-1), j.reshape(-1)
    coords = torch.stack([ix, iy], 1).double().mul(2 / n).sub(1).float()
    got = grid(coords)[:, 2 * level:2 * level + 2]
    if grid.dense[level]:
        row = iy * (n + 1) + ix  # one row per vertex, row by row
    else:
        row = (ix ^ (iy * PRIME)) % grid.table_size  # Instant-NGP's spatial hash
    want = grid.table.detach()[grid.offsets[level] + row]
    torch.testing.assert_close(got, want, atol=1e-5, rtol=0)


def test_interpolation_is_bilinear_between_grid_points():
    grid = small_grid()
    n = grid.resolutions[0]
    a, b = torch.tensor([[-1.0, -1.0]]), torch.tensor([[-1.0 + 2 / n, -1.0]])
    middle = grid((a + b) / 2)[:, :2]
    torch.testing.assert_close(middle, (grid(a)[:, :2] + grid(b)[:, :2]) / 2, atol=1e-6, rtol=0)


def test_gradients_reach_only_the_entries_under_the_batch():
    grid = small_grid()
    grid(torch.tensor([[0.1234, -0.4321]])).sum().backward()
    touched = (grid.table.grad != 0).any(1)
    ends = grid.offsets[1:] + [len(grid.table)]
    for start, end in zip(grid.offsets, ends):
        assert 1 <= int(touched[start:end].sum()) <= 4  # one cell's corners (fewer if hashes collide)
    rows = [end - start for start, end in zip(grid.offsets, ends)]
    fractions = touched_fraction(grid)
    assert len(fractions) == len(grid.resolutions)
    for fraction, n in zip(fractions, rows):
        assert 1 <= round(fraction * n) <= 4


def test_gather_rows_has_the_gradient_of_plain_indexing():
    torch.manual_seed(0)
    table = torch.randn(7, 3, dtype=torch.float64, requires_grad=True)
    rows = torch.tensor([0, 3, 3, 6, 0, 0])
    out = gather_rows(table, rows)
    assert torch.equal(out, table[rows])
    weights = torch.randn(6, 3, dtype=torch.float64)
    (grad,) = torch.autograd.grad((out * weights).sum(), table)
    (want,) = torch.autograd.grad((table[rows] * weights).sum(), table)
    torch.testing.assert_close(grad, want)
    assert torch.count_nonzero(grad.abs().sum(1)) == 3  # rows 1, 2, 4 and 5 untouched
    assert torch.autograd.gradcheck(lambda t: gather_rows(t, rows), (table,))


def test_touched_fraction_needs_a_backward_pass_first():
    with pytest.raises(ValueError, match="run a forward and backward pass"):
        touched_fraction(small_grid())


def tiny_fit(**settings):
    torch.manual_seed(1)
    model = HashGridPainter(levels=3, log2_table_size=6, base_resolution=2, max_resolution=8)
    coords, colours = torch.rand(64, 2) * 2 - 1, torch.rand(64, 3)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    settings = dict(batch_size=16, eval_every=10, generator=torch.Generator().manual_seed(2)) | settings
    return fit_batches(model, coords, colours, optimiser=opt, **settings)


def test_a_step_budget_stops_at_that_step_even_between_evaluations():
    result = tiny_fit(steps=25, eval_every=10)
    assert result.steps == [0, 10, 20, 25] and len(result.batch_loss) == 25


def test_psnr_at_is_the_last_evaluation_within_the_time():
    result = tiny_fit(steps=25, eval_every=10)
    result.seconds, result.psnr = [0.0, 1.0, 2.0, 3.0], [10.0, 30.0, 20.0, 25.0]
    assert result.psnr_at(2.5) == 20.0 and result.psnr_at(0.5) == 10.0
    assert result.psnr_at(99) == 25.0 and result.first_seconds_at(25) == 1.0


def test_restore_best_ends_with_the_weights_of_the_best_evaluation():
    plain, best = tiny_fit(steps=30, eval_every=1), tiny_fit(steps=30, eval_every=1, restore_best=True)
    assert plain.psnr == best.psnr  # the same training
    coords = torch.rand(64, 2, generator=torch.Generator().manual_seed(5)) * 2 - 1
    assert not torch.equal(plain.model(coords), best.model(coords))
    # evaluate the restored model on the tiny problem's own pixels: its PSNR is the best seen
    torch.manual_seed(1)
    HashGridPainter(levels=3, log2_table_size=6, base_resolution=2, max_resolution=8)
    pixels, colours = torch.rand(64, 2) * 2 - 1, torch.rand(64, 3)
    assert math.isclose(full_image_psnr(best.model, pixels, colours), max(best.psnr), rel_tol=1e-6)


def test_full_batch_uses_every_pixel_and_is_deterministic():
    first, second = tiny_fit(steps=5, batch_size=None), tiny_fit(steps=5, batch_size=None)
    assert first.batch_loss == second.batch_loss
    # the full-batch loss before step k+1 is the full-image error after k steps
    assert math.isclose(first.batch_loss[0], 10 ** (-first.psnr[0] / 10), rel_tol=1e-5)


def test_snapshots_are_pictures_of_the_image_size():
    torch.manual_seed(0)
    model = HashGridPainter(levels=2, log2_table_size=6, base_resolution=2, max_resolution=4)
    coords, colours = torch.rand(6 * 4, 2) * 2 - 1, torch.rand(6 * 4, 3)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    result = fit_batches(model, coords, colours, optimiser=opt, steps=4, batch_size=8,
                         snapshot_steps=[0, 2, 4], image_shape=(6, 4))
    assert sorted(result.snapshots) == [0, 2, 4]
    assert result.snapshots[0].shape == (6, 4, 3) and result.snapshots[0].dtype == np.uint8
    frames = list(snapshot_frames(result.snapshots, scale=1, history=result, unit="step"))
    assert len(frames) == 3 and frames[0].shape[1] == 4  # the width, even already
    assert result.psnr[result.steps.index(2)] is not None  # every snapshot step is evaluated too
    with pytest.raises(ValueError, match="unit must be"):
        next(snapshot_frames(result.snapshots, unit="epochs"))
    with pytest.raises(ValueError, match="needs image_shape"):
        fit_batches(model, coords, colours, optimiser=opt, steps=1, snapshot_steps=[0])


def test_same_seed_same_training():
    def run():
        torch.manual_seed(1)
        model = HashGridPainter(levels=3, log2_table_size=6, base_resolution=2, max_resolution=8)
        coords, colours = torch.rand(64, 2) * 2 - 1, torch.rand(64, 3)
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        return fit_batches(model, coords, colours, optimiser=opt, batch_size=16, steps=20,
                           eval_every=10, generator=torch.Generator().manual_seed(2))
    first, second = run(), run()
    assert first.psnr == second.psnr and first.batch_loss == second.batch_loss
    assert first.steps == [0, 10, 20] and first.psnr[-1] > first.psnr[0]


def test_bad_sizes_are_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="levels must be a whole number"):
        HashGrid(levels=0)
    with pytest.raises(ValueError, match="max_resolution"):
        HashGrid(base_resolution=64, max_resolution=32)
    with pytest.raises(ValueError, match="exactly one of seconds= or steps="):
        fit_batches(HashGridPainter(levels=1), torch.zeros(4, 2), torch.zeros(4, 3),
                    optimiser=None)
