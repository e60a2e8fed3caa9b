"""Our Adam against torch.optim.Adam, step for step, its recorded internals, `Optimiser`, Lion against
its paper's update, and MuonWithAdamW against torch's Muon and AdamW run separately."""

import copy

import pytest
import torch
from torch import nn

from lessonlib.functions import rosenbrock
from lessonlib.models import MLP
from lessonlib.optim import (EXTRA, INSTANT_NGP, Adam, Lion, MuonWithAdamW, Optimiser, adam_update,
                             compare_with_torch, history_table, recorded, split_for_muon,
                             uncorrected_step_ratio)
from lessonlib.trajectory import run_trajectory

START = (-0.8, 2.0)
SETTINGS = {
    "defaults": {},
    "betas_eps": {"betas": (0.8, 0.99), "eps": 1e-6},
    "weight_decay": {"weight_decay": 0.01},
}


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny float64 tensors: extra intra-op threads only add waiting (100x slower on a busy 2-core box)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


class Point(nn.Module):
    """A single (x, y) point as a module, so Rosenbrock and the MLP share one test loop."""

    def __init__(self, start=START):
        super().__init__()
        self.xy = nn.Parameter(torch.tensor(start, dtype=torch.float64))


def rosenbrock_problem():
    return Point(), lambda model: rosenbrock(model.xy[0], model.xy[1])


def mlp_problem():
    torch.manual_seed(0)
    model = MLP(in_features=2, hidden_features=16, hidden_layers=2, out_features=3).double()
    inputs = torch.randn(64, 2, dtype=torch.float64)
    targets = torch.randn(64, 3, dtype=torch.float64)
    return model, lambda m: nn.functional.mse_loss(m(inputs), targets)


def flat(model):
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


def relative_difference(ours, theirs):
    return ((flat(ours) - flat(theirs)).norm() / flat(theirs).norm()).item()


def take_step(model, opt, loss_fn):
    opt.zero_grad()
    loss_fn(model).backward()
    opt.step()


def twin_run(problem, steps, resync, **settings):
    """Run ours and torch's Adam side by side; yield the relative difference after every step."""
    ours, loss_fn = problem()
    theirs = copy.deepcopy(ours)
    opt_ours = Adam(ours.parameters(), **settings)
    opt_theirs = torch.optim.Adam(theirs.parameters(), foreach=False, **settings)
    for _ in range(steps):
        if resync:
            with torch.no_grad():
                for p_ours, p_theirs in zip(ours.parameters(), theirs.parameters()):
                    p_theirs.copy_(p_ours)
        take_step(ours, opt_ours, loss_fn)
        take_step(theirs, opt_theirs, loss_fn)
        yield relative_difference(ours, theirs), (ours, opt_ours, theirs, opt_theirs)


@pytest.mark.parametrize("settings", SETTINGS.values(), ids=SETTINGS.keys())
@pytest.mark.parametrize("problem, steps, lr", [(rosenbrock_problem, 2000, 0.01), (mlp_problem, 200, 1e-3)],
                         ids=["rosenbrock", "mlp"])
def test_matches_torch_adam_every_step(problem, steps, lr, settings):
    # Measured worst over all steps: <= 8e-16 (Rosenbrock), <= 3e-17 (MLP).
    for step, (rel, _) in enumerate(twin_run(problem, steps, resync=True, lr=lr, **settings), start=1):
        assert rel <= 1e-12, f"step {step}: relative difference {rel:.3g}"


@pytest.mark.parametrize("settings", SETTINGS.values(), ids=SETTINGS.keys())
def test_moments_match_torch_state(settings):
    for _, (ours, opt_ours, theirs, opt_theirs) in twin_run(mlp_problem, 20, resync=True, lr=1e-3, **settings):
        pass
    for p_ours, p_theirs in zip(ours.parameters(), theirs.parameters()):
        mine, torchs = opt_ours.state[p_ours], opt_theirs.state[p_theirs]
        assert mine["step"] == int(torchs["step"]) == 20
        torch.testing.assert_close(mine["m"], torchs["exp_avg"], rtol=1e-12, atol=0)
        torch.testing.assert_close(mine["v"], torchs["exp_avg_sq"], rtol=1e-12, atol=0)


def test_trajectories_stay_close_without_resync():
    # Left alone, rounding differences could compound along the valley; with the defaults they do not:
    # measured 1.7e-15 after 2,000 steps. (With betas=(0.8, 0.99), eps=1e-6 they do: 1.4e-4.)
    *_, (rel, _) = twin_run(rosenbrock_problem, 2000, resync=False, lr=0.01)
    assert rel < 1e-6


def test_record_first_step_internals():
    lr, eps, steps = 0.01, 1e-8, 5
    point = Point()
    opt = Adam(point.parameters(), lr=lr, eps=eps, record=True)
    grads = []
    for _ in range(steps):
        opt.zero_grad()
        rosenbrock(point.xy[0], point.xy[1]).backward()
        grads.append(point.xy.grad.clone())
        opt.step()
    assert len(opt.history) == steps
    assert [entry["t"] for entry in opt.history] == list(range(1, steps + 1))

    first, g = opt.history[0], grads[0]
    (step,), (m_hat,), (v_hat,) = first["update"], first["m_hat"], first["v_hat"]
    # Adam's first step is about lr long in every coordinate, however large the gradient (here ~ 432 and 272).
    torch.testing.assert_close(step, -lr * torch.sign(g), rtol=1e-6, atol=0)
    torch.testing.assert_close(m_hat, g, rtol=1e-14, atol=0)
    torch.testing.assert_close(v_hat, g * g, rtol=1e-14, atol=0)
    for entry in opt.history:
        torch.testing.assert_close(entry["effective_lr"][0], lr / (entry["v_hat"][0].sqrt() + eps), rtol=1e-15, atol=0)


def test_adam_update_algorithm1_form_equals_one_class_step():
    torch.manual_seed(1)
    theta = torch.randn(10, dtype=torch.float64, requires_grad=True)
    opt = Adam([theta], lr=0.05, betas=(0.8, 0.99), eps=1e-6)
    for _ in range(3):
        opt.zero_grad()
        (theta**4).sum().backward()
        opt.step()
    before = theta.detach().clone()
    state = {k: (v.clone() if torch.is_tensor(v) else v) for k, v in opt.state[theta].items()}
    opt.zero_grad()
    (theta**4).sum().backward()
    g = theta.grad.clone()
    opt.step()

    new_theta, m, v = adam_update(before, g, state["m"], state["v"], state["step"] + 1,
                                  lr=0.05, beta1=0.8, beta2=0.99, eps=1e-6, form="algorithm1")
    torch.testing.assert_close(new_theta, theta.detach(), rtol=1e-15, atol=0)
    torch.testing.assert_close(m, opt.state[theta]["m"], rtol=1e-15, atol=0)
    torch.testing.assert_close(v, opt.state[theta]["v"], rtol=1e-15, atol=0)


def test_adam_update_works_on_floats():
    theta, m, v = adam_update(1.0, 0.5, 0.0, 0.0, 1, lr=0.1)
    assert isinstance(theta, float)
    assert theta == pytest.approx(1.0 - 0.1, rel=1e-7)
    assert (m, v) == pytest.approx((0.05, 0.00025))


def _update_gap(g, t, m=0.0, v=0.0):
    """|Δθ_folded − Δθ_algorithm1| / |Δθ_algorithm1| for one step with gradient g at step t."""
    algorithm1, *_ = adam_update(0.0, g, m, v, t, form="algorithm1")
    folded, *_ = adam_update(0.0, g, m, v, t, form="folded")
    return abs(folded - algorithm1) / abs(algorithm1)


def test_folded_form_differs_from_algorithm1_only_through_eps():
    # The folded form is Algorithm 1 with ε replaced by ε / √(1 − β2^t).
    eps, beta2, t = 1e-8, 0.999, 1
    with_eps_hat, *_ = adam_update(0.0, 1e-8, 0.0, 0.0, t, eps=eps / (1 - beta2**t) ** 0.5, form="algorithm1")
    folded, *_ = adam_update(0.0, 1e-8, 0.0, 0.0, t, eps=eps, form="folded")
    assert folded == pytest.approx(with_eps_hat, rel=1e-12)
    with pytest.raises(ValueError, match="'algorithm1' or 'folded'"):
        adam_update(0.0, 1.0, 0.0, 0.0, 1, form="paper")

    # Tiny gradients (√v̂ ~ ε): the two forms take visibly different steps.
    assert _update_gap(1e-8, t=1) > 0.1
    # The gap shrinks as v grows ...
    gaps = [_update_gap(g, t=1) for g in (1e-8, 1e-6, 1e-4, 1e-2, 1.0)]
    assert gaps == sorted(gaps, reverse=True) and gaps[-1] > 0
    # ... but at t = 1 even g = 1 leaves a gap of ≈ ε (1/√(1 − β2) − 1) ≈ 3e-7, not below 1e-12;
    assert _update_gap(1.0, t=1) == pytest.approx(1e-8 * (1 / (1 - 0.999) ** 0.5 - 1), rel=1e-3)
    # once the bias correction has faded (t = 10,000, steady m = g, v = g²) it is below 1e-12.
    assert _update_gap(1.0, t=10_000, m=1.0, v=1.0) < 1e-12


@pytest.mark.parametrize("kwargs, match", [
    ({"lr": 0}, r"Invalid learning rate: 0 \(must be a number > 0\)"),
    ({"lr": -1}, r"Invalid learning rate: -1 \(must be a number > 0\)"),
    ({"betas": (1.0, 0.999)}, r"Invalid betas: \(1\.0, 0\.999\) \(must be two numbers, each in \[0, 1\)\)"),
    ({"betas": (0.9, -0.1)}, r"Invalid betas: \(0\.9, -0\.1\) \(must be two numbers, each in \[0, 1\)\)"),
    ({"betas": 0.9}, r"Invalid betas: 0\.9 \(must be two numbers"),
    ({"eps": -1e-8}, r"Invalid epsilon value: -1e-08 \(must be a number >= 0\)"),
    ({"weight_decay": -1}, r"Invalid weight_decay value: -1 \(must be a number >= 0\)"),
])
def test_rejects_invalid_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Adam([torch.zeros(2, requires_grad=True)], **kwargs)


def test_drop_in_for_run_trajectory():
    ours = run_trajectory(Optimiser(Adam, lr=0.01), start=START, max_iter=100)
    theirs = run_trajectory(Optimiser(torch.optim.Adam, lr=0.01), start=START, max_iter=100)
    assert ours.iterations == theirs.iterations == 100
    torch.testing.assert_close(torch.from_numpy(ours.xy), torch.from_numpy(theirs.xy), rtol=1e-10, atol=0)
    torch.testing.assert_close(torch.from_numpy(ours.f), torch.from_numpy(theirs.f), rtol=1e-10, atol=0)


def test_torch_optimiser_plumbing():
    point = Point()
    opt = Adam([{"params": point.parameters(), "lr": 0.02}])

    def closure():
        opt.zero_grad()
        loss = rosenbrock(point.xy[0], point.xy[1])
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == pytest.approx(rosenbrock(*START))
    opt.zero_grad()
    assert point.xy.grad is None
    Adam([torch.zeros(2, requires_grad=True)]).step()  # no gradient: skipped, no state

    saved = copy.deepcopy(opt.state_dict())
    twin = Point()
    with torch.no_grad():
        twin.xy.copy_(point.xy)
    restored = Adam(twin.parameters())
    restored.load_state_dict(saved)
    assert restored.param_groups[0]["lr"] == 0.02
    for _ in range(3):
        opt.step(closure)
        restored.zero_grad()
        rosenbrock(twin.xy[0], twin.xy[1]).backward()
        restored.step()
    assert torch.equal(point.xy, twin.xy)


def test_uncorrected_step_ratio():
    assert uncorrected_step_ratio(1) == pytest.approx(0.1 / 0.001**0.5)
    assert uncorrected_step_ratio(1, beta2=0.9999) == pytest.approx(10.0)
    ratios = [uncorrected_step_ratio(t) for t in range(1, 10_001)]
    assert 6.5 < max(ratios) < 6.7 and ratios.index(max(ratios)) + 1 in range(10, 15)
    assert ratios[-1] == pytest.approx(1.0, abs=1e-4)


def test_recorded_history_and_table():
    theta = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    opt = Adam([theta], lr=0.01, record=True)
    for _ in range(3):
        opt.zero_grad()
        rosenbrock(theta[0], theta[1]).backward()
        opt.step()
    g, m, step = recorded(opt, "g"), recorded(opt, "m"), recorded(opt, "update")
    assert g.shape == m.shape == step.shape == (3, 2)
    torch.testing.assert_close(torch.from_numpy(m[0]), 0.1 * torch.from_numpy(g[0]), rtol=1e-14, atol=0)
    torch.testing.assert_close(torch.from_numpy(recorded(opt, "v")[-1]), opt.state[theta]["v"], rtol=0, atol=0)
    lines = history_table(opt).splitlines()
    assert len(lines) == 1 + 3 * 2 and lines[0].split() == ["t", "g", "m", "v", "m_hat", "v_hat", "update"]
    assert lines[1].split()[:2] == ["1", "x"] and float(lines[1].split()[-1]) == pytest.approx(-0.01, rel=1e-4)


def test_compare_with_torch():
    assert compare_with_torch(rosenbrock, START, steps=200, lr=0.01) < 1e-14
    assert compare_with_torch(rosenbrock, START, steps=200, resync=False, lr=0.01, weight_decay=0.01) < 1e-10


def test_optimiser_names_any_torch_optimiser_with_its_settings():
    spec = Optimiser("SGD", lr=0.1, momentum=0.9)
    assert spec.name == "SGD" and spec.settings == {"lr": 0.1, "momentum": 0.9}
    assert repr(spec) == "Optimiser('SGD', lr=0.1, momentum=0.9)"
    opt = spec([torch.zeros(3, requires_grad=True)])
    assert isinstance(opt, torch.optim.SGD) and opt.param_groups[0]["momentum"] == 0.9
    assert Optimiser(torch.optim.SGD, lr=0.1, momentum=0.9) == spec
    assert spec.replace(lr=0.2) == Optimiser("SGD", lr=0.2, momentum=0.9) and spec.settings["lr"] == 0.1
    assert Optimiser.of("Adam") == Optimiser("Adam") and Optimiser.of(spec) is spec
    assert Optimiser(Adam, lr=0.01).cls is Adam  # the book's own Adam, by class


def test_instant_ngp_settings_are_the_papers():
    assert INSTANT_NGP == Optimiser("Adam", lr=1e-2, betas=(0.9, 0.99), eps=1e-15)


@pytest.mark.parametrize("kind, settings, message", [
    ("Adamm", {}, "unknown optimiser 'Adamm'; choose one of: .*Adam"),
    (42, {}, "torch.optim.Optimizer subclass"),
    ("Adam", {"lrr": 0.01}, "Adam rejected the settings.*lrr"),
    ("Adam", {"lr": -1.0}, "Adam rejected the settings"),
])
def test_a_wrong_optimiser_or_setting_is_a_clear_error_where_it_is_made(kind, settings, message):
    with pytest.raises((ValueError, TypeError), match=message):
        Optimiser(kind, **settings)


# --- Lion (Chen et al. 2023, Algorithm 2) -------------------------------------------------------

# Three steps worked out by hand from Algorithm 2 with lr = 0.1, betas (0.9, 0.99), lambda = 0.1:
#   c_t = 0.9 m_{t-1} + 0.1 g_t;  theta_t = theta_{t-1} - 0.1 (sign(c_t) + 0.1 theta_{t-1});
#   m_t = 0.99 m_{t-1} + 0.01 g_t
LION_GRADS = [[1.0, -1.0, 1.0], [-0.05, 0.5, 0.0], [-1.0, 0.0, 0.0]]
LION_HAND = [
    # step 1: m_0 = 0, so c_1 = 0.1 g_1 and sign(c_1) = sign(g_1) = (+, -, +);
    #   theta_1 = theta_0 (1 - 0.01) - 0.1 sign(c_1); m_1 = 0.01 g_1 = (0.01, -0.01, 0.01)
    ([0.99 * 1.0 - 0.1, 0.99 * -2.0 + 0.1, 0.99 * 0.5 - 0.1], [0.01, -0.01, 0.01]),
    # step 2: c_2 = 0.9 m_1 + 0.1 g_2 = (0.009 - 0.005, -0.009 + 0.05, 0.009 + 0) = (0.004, 0.041, 0.009):
    #   all positive, although g_2's first entry is negative and its last is 0;
    #   m_2 = 0.99 m_1 + 0.01 g_2 = (0.0099 - 0.0005, -0.0099 + 0.005, 0.0099)
    ([0.99 * 0.89 - 0.1, 0.99 * -1.88 - 0.1, 0.99 * 0.395 - 0.1], [0.0094, -0.0049, 0.0099]),
    # step 3: c_3 = 0.9 m_2 + 0.1 g_3 = (0.00846 - 0.1, -0.00441, 0.00891) = (-, -, +);
    #   m_3 = 0.99 m_2 + 0.01 g_3 = (0.009306 - 0.01, -0.004851, 0.009801)
    ([0.99 * 0.7811 + 0.1, 0.99 * -1.9612 + 0.1, 0.99 * 0.29105 - 0.1], [-0.000694, -0.004851, 0.009801]),
]


def test_lion_takes_the_papers_steps_computed_by_hand():
    theta = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64, requires_grad=True)
    opt = Lion([theta], lr=0.1, betas=(0.9, 0.99), weight_decay=0.1)
    for g, (want_theta, want_m) in zip(LION_GRADS, LION_HAND):
        theta.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        torch.testing.assert_close(theta.detach(), torch.tensor(want_theta, dtype=torch.float64), rtol=0, atol=1e-12)
        torch.testing.assert_close(opt.state[theta]["m"], torch.tensor(want_m, dtype=torch.float64), rtol=0, atol=1e-12)


def test_lion_moves_every_coordinate_by_lr_whatever_the_gradient_size():
    theta = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    opt = Lion([theta], lr=1e-3)
    theta.grad = torch.tensor([1e-9, -3.0, 1e6, 0.0], dtype=torch.float64)
    opt.step()
    assert theta.detach().tolist() == [-1e-3, 1e-3, -1e-3, 0.0]  # sign(0) = 0: no move


def test_lion_defaults_are_the_papers_and_it_is_registered():
    opt = Lion([torch.zeros(2, requires_grad=True)])
    assert opt.defaults == {"lr": 1e-4, "betas": (0.9, 0.99), "weight_decay": 0.0}
    assert EXTRA["Lion"] is Lion and Optimiser("Lion", lr=3e-4).cls is Lion
    # one state tensor per parameter (Adam keeps two)
    p = torch.zeros(3, requires_grad=True)
    p.grad = torch.ones(3)
    lion = Lion([p])
    lion.step()
    assert list(lion.state[p]) == ["m"]


@pytest.mark.parametrize("kwargs, match", [
    ({"lr": 0}, r"Invalid learning rate: 0 \(must be a number > 0\)"),
    ({"betas": (0.9, 1.0)}, r"Invalid betas: \(0\.9, 1\.0\) \(must be two numbers, each in \[0, 1\)\)"),
    ({"betas": "0.9"}, r"Invalid betas"),
    ({"weight_decay": -0.1}, r"Invalid weight_decay value: -0\.1 \(must be a number >= 0\)"),
])
def test_lion_rejects_invalid_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Lion([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError, match="Lion rejected the settings"):
        Optimiser("Lion", **kwargs)


def test_lion_in_run_trajectory_and_with_a_closure():
    traj = run_trajectory(Optimiser("Lion", lr=1e-3), start=START, max_iter=50)
    steps = torch.from_numpy(traj.xy[1:] - traj.xy[:-1]).abs()
    torch.testing.assert_close(steps, torch.full_like(steps, 1e-3), rtol=1e-9, atol=0)
    point = Point()
    opt = Lion(point.parameters(), lr=0.01)

    def closure():
        opt.zero_grad()
        loss = rosenbrock(point.xy[0], point.xy[1])
        loss.backward()
        return loss

    assert opt.step(closure).item() == pytest.approx(rosenbrock(*START))
    Lion([torch.zeros(2, requires_grad=True)]).step()  # no gradient: skipped


# --- MuonWithAdamW --------------------------------------------------------------------------------

def painter(seed=0):
    from lessonlib.models import SIREN

    torch.manual_seed(seed)
    return SIREN(hidden_features=16, hidden_layers=2)


def test_muon_split_puts_every_parameter_in_exactly_one_optimiser():
    model = painter()
    opt = MuonWithAdamW(model.parameters())
    muon = [p for g in opt.muon.param_groups for p in g["params"]]
    adamw = [p for g in opt.adamw.param_groups for p in g["params"]]
    params = list(model.parameters())
    assert sorted(map(id, muon + adamw)) == sorted(map(id, params))  # each once, none left out
    assert [tuple(p.shape) for p in muon] == [(16, 16), (16, 16)]  # the hidden matrices
    assert [tuple(p.shape) for p in adamw] == [(16, 2), (16,), (16,), (16,), (3, 16), (3,)]
    assert [p for g in opt.param_groups for p in g["params"]] == muon + adamw
    assert split_for_muon(model.parameters()) == (muon, adamw)
    # a network with one or two matrices has no hidden one: everything goes to AdamW
    from lessonlib.models import MLP
    assert split_for_muon(MLP(hidden_features=8, hidden_layers=0).parameters())[0] == []


def test_muon_with_adamw_steps_equal_torchs_two_optimisers_run_separately():
    ours, theirs = painter(), painter()
    opt = Optimiser("MuonWithAdamW", lr=0.05, adamw_lr=3e-3, weight_decay=0.01)(ours.parameters())
    hidden, rest = split_for_muon(theirs.parameters())
    separate = [torch.optim.Muon(hidden, lr=0.05, momentum=0.95, weight_decay=0.01),
                torch.optim.AdamW(rest, lr=3e-3, weight_decay=0.0)]
    x = torch.rand(64, 2) * 2 - 1
    y = torch.rand(64, 3)
    for _ in range(3):
        opt.zero_grad()
        torch.mean((ours(x) - y) ** 2).backward()
        opt.step()
        for o in separate:
            o.zero_grad()
        torch.mean((theirs(x) - y) ** 2).backward()
        for o in separate:
            o.step()
    for p, q in zip(ours.parameters(), theirs.parameters()):
        assert torch.equal(p, q)
    assert not all(torch.equal(p, q) for p, q in zip(ours.parameters(), painter().parameters()))
    opt.zero_grad()
    assert all(p.grad is None for p in ours.parameters())
    saved = opt.state_dict()
    assert set(saved) == {"Muon", "AdamW"}
    opt.load_state_dict(saved)


def test_a_scheduler_scales_muon_and_adamw_alike():
    model = painter()
    opt = MuonWithAdamW(model.parameters(), lr=0.02, adamw_lr=1e-3)
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 0.5 ** step)
    model(torch.zeros(1, 2)).sum().backward()
    opt.step()
    schedule.step()
    assert [g["lr"] for g in opt.param_groups] == [0.01, 0.0005]
    assert opt.muon.param_groups[0]["lr"] == 0.01 and opt.adamw.param_groups[0]["lr"] == 0.0005


@pytest.mark.parametrize("params, settings, match", [
    (None, {"lr": -1.0}, "MuonWithAdamW rejected the settings.*Learning rate"),
    (None, {"adamw_betas": (0.9, 1.5)}, "MuonWithAdamW rejected the settings.*beta"),
    (None, {"nesterov_typo": True}, "MuonWithAdamW rejected the settings.*nesterov_typo"),
    ([{"params": [torch.zeros(4, 4, requires_grad=True)]}], {}, "not parameter groups"),
    ([], {}, "empty parameter list"),
])
def test_muon_with_adamw_rejects_bad_input_clearly(params, settings, match):
    with pytest.raises(ValueError, match=match):
        if params is None:
            Optimiser("MuonWithAdamW", **settings)
        else:
            MuonWithAdamW(params, **settings)
