"""The hash grid: level sizes, exact interpolation at grid points, sparse gradients, repeatability."""


import pytest
import torch

from lessonlib.hashgrid import PRIME, HashGrid, HashGridPainter, gather_rows, level_resolutions, touched_fraction


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


def test_bad_sizes_are_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="levels must be a whole number"):
        HashGrid(levels=0)
    with pytest.raises(ValueError, match="max_resolution"):
        HashGrid(base_resolution=64, max_resolution=32)
