import math

import numpy as np
import pytest
import torch

from lessonlib.functions import rosenbrock
from lessonlib.optim import Optimiser
from lessonlib.trajectory import START, adam_moments, run_trajectory, sweep


def test_path_starts_at_start_and_values_match_positions():
    traj = run_trajectory(Optimiser(torch.optim.Adam, lr=0.01), start=(-0.8, 2.0), max_iter=50)
    assert tuple(traj.xy[0]) == (-0.8, 2.0)
    assert traj.xy.shape == (51, 2) and traj.f.shape == (51,)
    np.testing.assert_allclose(traj.f, rosenbrock(traj.x, traj.y), rtol=1e-12)
    assert traj.iterations == 50 and not traj.converged and not traj.diverged


def test_first_adam_step_moves_each_coordinate_by_lr():
    # Adam's first step is lr * sign(g) (up to eps): both gradients at (-0.8, 2) are positive
    traj = run_trajectory(Optimiser("Adam", lr=0.01), start=(-0.8, 2.0), max_iter=1)
    np.testing.assert_allclose(traj.xy[1] - traj.xy[0], [-0.01, -0.01], rtol=1e-6)


def test_stops_at_the_tolerance_and_reports_convergence():
    traj = run_trajectory(Optimiser("Adam", lr=0.05), start=(-0.8, 2.0), tol=1e-4, max_iter=20_000)
    assert traj.converged
    assert traj.f[-1] < 1e-4
    assert np.all(traj.f[:-1] >= 1e-4)  # it stopped at the first point below the tolerance
    assert traj.iterations < 20_000


def test_does_not_claim_convergence_when_the_budget_runs_out():
    traj = run_trajectory(Optimiser("Adam", lr=0.01), start=(-0.8, 2.0), tol=1e-4, max_iter=6000)
    assert not traj.converged
    assert traj.iterations == 6000
    assert traj.f[-1] >= 1e-4
    assert "not converged" in repr(traj)


def test_tolerance_already_met_at_start_takes_no_step():
    traj = run_trajectory(Optimiser("SGD", lr=0.001), start=(1.0, 1.0), tol=1e-4)
    assert traj.converged and traj.iterations == 0


def test_divergence_is_detected_and_not_called_convergence():
    traj = run_trajectory(Optimiser("SGD", lr=0.1), start=(-0.8, 2.0), max_iter=200)
    assert traj.diverged and not traj.converged
    assert not math.isfinite(traj.f[-1])
    assert traj.iterations < 200


def test_any_optimiser_and_its_settings():
    traj = run_trajectory(Optimiser("SGD", lr=1e-4, momentum=0.9), start=(-0.8, 2.0), max_iter=100)
    assert traj.optimiser == "SGD" and traj.settings == {"lr": 1e-4, "momentum": 0.9}
    assert START == (-0.8, 2.0) and tuple(run_trajectory("Adam", max_iter=1).xy[0]) == START
    assert traj.f[-1] < traj.f[0]


def test_other_functions_can_be_minimised():
    traj = run_trajectory(Optimiser("SGD", lr=0.1), start=(3.0, -2.0), fn=lambda x, y: x**2 + y**2, tol=1e-8,
                          max_iter=1000)
    assert traj.converged and np.linalg.norm(traj.xy[-1]) < 1e-4


@pytest.mark.parametrize("optimiser, message", [("Adamm", "unknown optimiser 'Adamm'.*Adam"),
                                                 (42, "torch.optim.Optimizer subclass")])
def test_unknown_optimiser_is_a_clear_error(optimiser, message):
    with pytest.raises((ValueError, TypeError), match=message):
        run_trajectory(optimiser)


@pytest.mark.parametrize("start", [(float("nan"), 2.0), (0.0, float("inf")), (1.0,), ("a", "b"), None])
def test_bad_start_is_a_clear_error(start):
    with pytest.raises(ValueError, match="start must be two"):
        run_trajectory("Adam", start=start)


@pytest.mark.parametrize("max_iter", [0, -5, 2.5, True])
def test_bad_iteration_limit_is_a_clear_error(max_iter):
    with pytest.raises(ValueError, match="max_iter must be a whole number >= 1"):
        run_trajectory("Adam", max_iter=max_iter)


@pytest.mark.parametrize("tol", [-1.0, float("nan"), "small"])
def test_bad_tolerance_is_a_clear_error(tol):
    with pytest.raises(ValueError, match="tol must be"):
        run_trajectory("Adam", tol=tol)


def test_sweep_picks_the_fastest_converging_lr_and_excludes_divergent_runs():
    result = sweep("Adam", [0.01, 0.05, 0.1], max_iter=3000)
    assert result.optimiser == "Adam"
    converged = {lr: t.iterations for lr, t in result.runs.items() if t.converged}
    assert result.best_lr == min(converged, key=converged.get)
    assert result.best is result.runs[result.best_lr]

    sgd = sweep(Optimiser("SGD", momentum=0.0), [1e-4, 5e-4, 1e-2], max_iter=500)
    assert sgd.runs[1e-4].settings == {"momentum": 0.0, "lr": 1e-4}  # the spec's settings, lr replaced
    assert sgd.diverged == [1e-2]
    assert sgd.best_lr != 1e-2  # the diverged run never wins, even though nothing converged
    finals = {lr: t.f[-1] for lr, t in sgd.runs.items() if not t.diverged}
    assert sgd.best_lr == min(finals, key=finals.get)


def test_sweep_with_every_run_diverging_has_no_best():
    result = sweep("SGD", [0.1, 1.0], max_iter=200)
    assert result.best_lr is None and result.best is None and result.diverged == [0.1, 1.0]
    with pytest.raises(ValueError, match="lrs is empty"):
        sweep("SGD", [])


def test_adam_moments_match_torch_adams_state():
    p = torch.tensor([-0.8, 2.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=0.01, betas=(0.9, 0.99))
    for _ in range(200):
        opt.zero_grad()
        rosenbrock(p[0], p[1]).backward()
        opt.step()
    traj = run_trajectory(Optimiser("Adam", lr=0.01, betas=(0.9, 0.99)), max_iter=200)
    g, m, v = adam_moments(traj, betas=(0.9, 0.99))
    assert g.shape == m.shape == v.shape == (200, 2)
    state = opt.state[p]
    np.testing.assert_allclose(m[-1], state["exp_avg"].numpy(), rtol=1e-9)
    np.testing.assert_allclose(v[-1], state["exp_avg_sq"].numpy(), rtol=1e-9)


def test_sweep_progress_bar_only_when_asked(capsys, monkeypatch):

    monkeypatch.setenv("LESSONLIB_PROGRESS", "0")
    sweep("SGD", [1e-3], max_iter=5)
    assert capsys.readouterr().err == ""
    sweep("SGD", [1e-3], max_iter=5, progress=True)
    assert "SGD" in capsys.readouterr().err
