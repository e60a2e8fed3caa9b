"""Self-checks for the exercises: each says clearly whether an answer is right and, if not, gives a hint."""

import math

import torch

from .functions import rosenbrock, rosenbrock_grad
from .optim import Optimiser
from .trajectory import START, run_trajectory


def _report(ok, name, good, hint):
    print(f"{'Correct' if ok else 'Not yet'} ({name}): {good if ok else hint}")
    return ok


def _answered(answer, name, what):
    if answer is None or answer is Ellipsis:
        print(f"Not yet ({name}): no answer given; {what}")
        return False
    return True


def _number(answer, name, what, example):
    """The answer as a float, or None after saying why it is not one."""
    if not _answered(answer, name, what):
        return None
    try:
        return float(answer)
    except (TypeError, ValueError):
        _report(False, name, "", f"{answer!r} is not a number; {example}")
        return None


def _matching_hint(answer, hints, default, rel_tol=0.02):
    """The hint for the first known wrong value that `answer` matches, else `default`."""
    return next((h for value, h in hints.items() if math.isclose(answer, value, rel_tol=rel_tol)), default)


def _verdict(answer, name, want, good, hints, default):
    """Correct within 2% of `want` (saying `good`); else the hint of a known slip it matches, or `default`."""
    if math.isclose(answer, want, rel_tol=0.02):
        return _report(True, name, good, "")
    return _report(False, name, "", _matching_hint(answer, hints, default))


def check_bias_correction(bias_corrected):
    """Self-check: `bias_corrected(m, v, t, beta1, beta2)` returns (m_hat, v_hat)."""
    name = "bias-corrected moments"
    if not _answered(bias_corrected, name, "define bias_corrected(m, v, t, beta1, beta2) and pass it in."):
        return False
    cases = [(0.1, 0.001, 1, 0.9, 0.999), (0.5, 0.02, 10, 0.9, 0.999), (-2.0, 3.0, 3, 0.8, 0.99)]
    for m, v, t, b1, b2 in cases:
        try:
            got = bias_corrected(m, v, t, b1, b2)
            if got is None:
                print(f"Not yet ({name}): your function returns None; fill in its body.")
                return False
            m_hat, v_hat = (float(x) for x in got)
        except Exception as err:  # a student's code may fail in any way: report it, don't crash
            return _report(False, name, "", f"calling it with m={m}, v={v}, t={t} raised {type(err).__name__}: {err}")
        want = (m / (1 - b1**t), v / (1 - b2**t))
        if not (math.isclose(m_hat, want[0], rel_tol=1e-9) and math.isclose(v_hat, want[1], rel_tol=1e-9)):
            return _report(False, name, "", f"for m={m}, v={v}, t={t}, beta1={b1}, beta2={b2} you returned "
                           f"({m_hat:.6g}, {v_hat:.6g}). Hint: divide m by 1 - beta1**t and v by 1 - beta2**t.")
    return _report(True, name, "m_hat = m / (1 - beta1^t) and v_hat = v / (1 - beta2^t) undo the zero start.", "")


def check_uncorrected_first_step(answer, beta1=0.9, beta2=0.9999):
    """Self-check: Adam's first step without bias correction, in units of lr, for these betas."""
    name = "first step without bias correction"
    answer = _number(answer, name, "set uncorrected to a number.", "give a multiple of lr, e.g. 2.5.")
    if answer is None:
        return False
    want = (1 - beta1) / math.sqrt(1 - beta2)
    if math.isclose(answer, want, rel_tol=1e-3):
        return _report(True, name, f"(1 - beta1) / sqrt(1 - beta2) = {want:.4g}: the closer beta2 is to 1, "
                       "the larger the uncorrected first step.", "")
    hints = {(1 - beta1) / math.sqrt(1 - 0.999): f"that is the factor for beta2 = 0.999; redo it with beta2 = {beta2}.",
             1.0: "that is the bias-corrected step; without the correction m_1 = (1 - beta1) g, v_1 = (1 - beta2) g^2.",
             (1 - beta1) / (1 - beta2): "the step divides by the square root of v_1, not by v_1 itself."}
    hint = _matching_hint(abs(answer), hints, "without the correction m_1 = (1 - beta1) g and "
                          "v_1 = (1 - beta2) g^2; divide m_1 by sqrt(v_1).", rel_tol=1e-3)
    return _report(False, name, "", hint)


def check_adam_step(adam_step):
    """Self-check: `adam_step(theta, g, m, v, t, lr, beta1, beta2, eps)` -> (theta, m, v)."""
    name = "one Adam step"
    if not _answered(adam_step, name, "define adam_step(theta, g, m, v, t, lr, beta1, beta2, eps) and pass it in."):
        return False
    theta = torch.tensor(list(START), dtype=torch.float64, requires_grad=True)
    reference = torch.optim.Adam([theta], lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    mine_theta = theta.detach().clone()
    m, v = torch.zeros(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64)
    for t in range(1, 4):
        g = torch.tensor(rosenbrock_grad(*mine_theta.tolist()), dtype=torch.float64)
        try:
            got = adam_step(mine_theta.clone(), g, m.clone(), v.clone(), t, 0.01, 0.9, 0.999, 1e-8)
            if got is None:
                print(f"Not yet ({name}): your function returns None; fill in its body.")
                return False
            mine_theta, m, v = (torch.as_tensor(x, dtype=torch.float64) for x in got)
        except Exception as err:
            return _report(False, name, "", f"step {t} raised {type(err).__name__}: {err}")
        reference.zero_grad()
        rosenbrock(theta[0], theta[1]).backward()
        reference.step()
        gap = (mine_theta - theta.detach()).abs().max().item()
        if not gap <= 1e-10:
            return _report(False, name, "", f"after step {t} your theta is {mine_theta.tolist()}, torch.optim.Adam's is "
                           f"{theta.detach().tolist()}. Hint: update m and v first, bias-correct both with t, then "
                           "theta - lr * m_hat / (sqrt(v_hat) + eps).")
    return _report(True, name, "three steps agree with torch.optim.Adam to 1e-10.", "")


def check_learning_rate(lr, max_iter=2000, target=1e-3):
    """Self-check: an Adam lr that gets below f = 1e-3 within 2,000 iterations from (-0.8, 2)."""

    name = "a learning rate for Adam"
    lr = _number(lr, name, "set lr to a number.", "give a learning rate, e.g. 0.05.")
    if lr is None:
        return False
    if not (math.isfinite(lr) and lr > 0):
        return _report(False, name, "", f"a learning rate must be a positive number, got {lr}.")
    traj = run_trajectory(Optimiser("Adam", lr=lr), start=START, tol=target, max_iter=max_iter)
    if traj.converged:
        return _report(True, name, f"with lr = {lr:g}, f < {target:g} after {traj.iterations} iterations.", "")
    if traj.diverged:
        return _report(False, name, "", "the run diverged: try a smaller lr.")
    # which way to go? try half and double the learning rate and see which ends lower
    half, double = (run_trajectory(Optimiser("Adam", lr=k * lr), start=START, tol=target, max_iter=max_iter)
                    for k in (0.5, 2.0))
    better = "larger" if (double.f[-1] if not double.diverged else math.inf) < half.f[-1] else "smaller"
    hint = (f"after {max_iter} iterations f = {traj.f[-1]:.2g}; with twice this lr it ends at {double.f[-1]:.2g}, "
            f"with half of it at {half.f[-1]:.2g}: try a {better} lr.")
    return _report(False, name, "", hint)


def check_one_step_lr(answer):
    """Self-check: the lr that takes gradient descent on `bowl` to its minimum in one step."""
    from .functions import bowl_grad

    name = "one-step learning rate for the bowl"
    answer = _number(answer, name, "set lr_one_step to a number.", "give a learning rate, e.g. 0.1.")
    if answer is None:
        return False
    landed = [w - answer * bowl_grad(w) for w in (-3.0, 0.0, 7.0)]
    if all(math.isclose(w, 2.0, abs_tol=1e-9) for w in landed):
        return _report(True, name, "the curvature L'' is 2 everywhere, so lr = 1 / L'' = 0.5 lands on w = 2 "
                       "from any start.", "")
    hints = {1.0: "that is 2 / L'', the edge of divergence: there gradient descent jumps across the minimum "
                  "and back forever.",
             2.0: "that is the curvature L'' itself; the learning rate that lands in one step is its inverse."}
    hint = _matching_hint(answer, hints, f"from w = 0 your step lands at w = {landed[1]:.4g}, not 2. One "
                          "step from w lands at w - lr * 2 (w - 2): which lr makes that 2 for every w?",
                          rel_tol=1e-6)
    return _report(False, name, "", hint)


def saddle_escape_steps(lr, y0=1e-6):
    """Gradient-descent steps on x^2 - y^2 until |y| > 1, from y = y0 (What is optimisation?)."""
    if not (lr > 0 and y0 != 0):
        raise ValueError(f"lr must be positive and y0 non-zero, got lr={lr!r}, y0={y0!r}")
    y, steps = y0, 0
    while abs(y) <= 1:
        y, steps = y + lr * 2 * y, steps + 1
    return steps


def check_saddle_escape(answer, lr=0.05, y0=1e-6):
    """Self-check: steps of gradient descent at this lr on x^2 - y^2 until |y| > 1 from y0."""
    name = "steps to escape the saddle"
    answer = _number(answer, name, "set escape_steps to a number of steps.", "give a whole number, e.g. 50.")
    if answer is None:
        return False
    want = saddle_escape_steps(lr, y0)
    if abs(answer - want) <= 1:
        return _report(True, name, f"each step multiplies y by 1 + 2 lr = {1 + 2 * lr:g}, and "
                       f"{1 + 2 * lr:g}^{want} is the first power above 1 / y0 = {1 / y0:g}: {want} steps.", "")
    continuous = math.log(1 / y0) / (2 * lr)
    if abs(answer - saddle_escape_steps(0.1, y0)) <= 1:
        hint = f"that is the count for lr = 0.1 measured in the chapter; redo it for lr = {lr}."
    elif abs(answer - continuous) <= 1.5:
        hint = ("that treats a step as multiplying y by e^(2 lr); a step multiplies it by exactly 1 + 2 lr. "
                "Solve (1 + 2 lr)^n > 1 / y0 for n.")
    else:
        hint = ("the y part of the gradient is -2y, so a step sets y to y + 2 lr y = (1 + 2 lr) y. "
                "Solve (1 + 2 lr)^n > 1 / y0 for the smallest whole n.")
    return _report(False, name, "", hint)


def check_stable_lr(answer, point=(0.5, 0.25)):
    """Self-check: the largest lr at which gradient descent is stable near `point`."""
    name = "largest stable learning rate"
    answer = _number(answer, name, "set lr_limit to a number.", "give a learning rate, e.g. 0.001.")
    if answer is None:
        return False
    p = torch.tensor(point, dtype=torch.float64)
    lam_min, lam_max = torch.linalg.eigvalsh(torch.autograd.functional.hessian(
        lambda q: rosenbrock(q[0], q[1]), p)).tolist()
    if math.isclose(answer, 2 / lam_max, rel_tol=0.02):
        return _report(True, name, f"lambda_max = {lam_max:.1f} at {point}, so lr < 2 / lambda_max = "
                       f"{2 / lam_max:.4g}: the steepest direction sets the limit.", "")
    at_minimum = 2 / torch.linalg.eigvalsh(torch.autograd.functional.hessian(
        lambda q: rosenbrock(q[0], q[1]), torch.tensor([1.0, 1.0], dtype=torch.float64)))[-1].item()
    hints = {at_minimum: f"that is the limit at the minimum (1, 1); compute the Hessian at {point}.",
             1 / lam_max: "that is 1 / lambda_max, the one-step rate; divergence starts at twice it.",
             2 / lam_min: "that uses the smallest eigenvalue; the steepest direction, the largest one, sets the limit."}
    hint = _matching_hint(answer, hints, f"take the Hessian of f at {point} "
                          "(torch.autograd.functional.hessian), its largest eigenvalue lambda_max, and use "
                          "the rule lr < 2 / lambda_max.")
    return _report(False, name, "", hint)


def check_mlp_parameters(answer, hidden_features=64, hidden_layers=2):
    """Self-check: trainable parameters of MLP(hidden_features=64, hidden_layers=2)."""
    from .models import MLP, count_parameters

    name = "parameters of a small MLP"
    answer = _number(answer, name, "set n_parameters to a whole number.", "give a count, e.g. 1000.")
    if answer is None:
        return False
    n = hidden_features
    want = count_parameters(MLP(hidden_features=n, hidden_layers=hidden_layers))
    if answer == want:
        return _report(True, name, f"input layer 2x{n} + {n}, {hidden_layers} hidden layers of {n}x{n} + {n}, "
                       f"output {n}x3 + 3: {want:,} parameters.", "")
    no_bias = 2 * n + hidden_layers * n * n + 3 * n
    hints = {no_bias: "each Linear layer also has one bias per output unit; add them.",
             want + n * n + n: f"that counts {hidden_layers + 1} hidden layers: the first Linear(2, {n}) is the "
                               f"input layer, and hidden_layers={hidden_layers} counts the {n}x{n} layers after it.",
             want - n * n - n: f"that counts {hidden_layers - 1} hidden {n}x{n} layers; print the model and count "
                               "its Linear layers."}
    hint = _matching_hint(answer, hints, f"print MLP(hidden_features={n}, hidden_layers={hidden_layers}) and add "
                          "up, for each Linear(a, b), a x b weights and b biases.", rel_tol=0)
    return _report(False, name, "", hint)


def check_training_epoch(one_epoch):
    """Self-check: `one_epoch(model, optimiser, X, y)` does one full-batch step, returns the loss."""
    from .models import MLP

    name = "one training epoch"
    if not _answered(one_epoch, name, "define one_epoch(model, optimiser, X, y) and pass it in."):
        return False
    gen = torch.Generator().manual_seed(0)
    X, y = torch.rand(64, 2, generator=gen) * 2 - 1, torch.rand(64, 3, generator=gen)

    def fresh():
        torch.manual_seed(0)
        model = MLP(hidden_features=8, hidden_layers=1)
        return model, torch.optim.Adam(model.parameters(), lr=0.01)

    model, optimiser = fresh()
    want_model, want_optimiser = fresh()
    for epoch in range(3):
        want_optimiser.zero_grad()
        want_loss = torch.mean((want_model(X) - y) ** 2)
        want_loss.backward()
        want_optimiser.step()
        try:
            got = one_epoch(model, optimiser, X, y)
            got = float(got)
        except Exception as err:  # a student's code may fail in any way: report it, don't crash
            return _report(False, name, "", f"epoch {epoch} raised {type(err).__name__}: {err} (return the "
                           "loss as a number or a one-element tensor).")
        if not math.isclose(got, want_loss.item(), rel_tol=1e-5):
            return _report(False, name, "", f"epoch {epoch} returned loss {got:.6g}, expected {want_loss.item():.6g}: "
                           "return the mean squared error computed before the step.")
        moved = [not torch.equal(p, q) for p, q in zip(model.parameters(), fresh()[0].parameters())]
        same = all(torch.allclose(p, q, atol=1e-6) for p, q in zip(model.parameters(), want_model.parameters()))
        if not same:
            if not any(moved):
                hint = "the parameters never moved: call optimiser.step() after loss.backward()."
            elif epoch > 0:
                hint = ("the first epoch is right, later ones are not: gradients add up across backward() calls "
                        "unless optimiser.zero_grad() clears them first.")
            else:
                hint = "after one epoch the parameters differ from Adam's step: zero_grad, loss, backward, step."
            return _report(False, name, "", hint)
    return _report(True, name, "zero_grad, forward pass and loss, backward, step: three epochs agree with "
                   "the reference loop.", "")


def check_psnr_grey_levels(answer, db=37.0):
    """Self-check: the root-mean-square error, in grey levels of 0..255, of a picture at `db` dB."""
    name = f"grey levels at {db:g} dB"
    answer = _number(answer, name, "set grey_levels to a number.", "give a number of grey levels, e.g. 10.")
    if answer is None:
        return False
    want = 255 * 10 ** (-db / 20)
    good = (f"MSE = 10^(-{db:g}/10), so the RMS error is 10^(-{db:g}/20) = "
            f"{want / 255:.4f} of the range, {want:.2f} of 255 levels.")
    hints = {want / 255: "that is the error as a fraction of the range [0, 1]; multiply by 255.",
             255 * 10 ** (-db / 10): "that is 255 times the MSE; the root-mean-square error is the square root of the MSE.",
             255**2 * 10 ** (-db / 10): "that is the MSE in squared grey levels; take its square root."}
    return _verdict(answer, name, want, good, hints, "PSNR = -10 log10(MSE) for colours in [0, 1]: solve for the MSE, take "
                    "its square root (the RMS error) and scale it to 255 levels.")


def check_first_layer_periods(answer, omega_0=30.0, bound=0.5):
    """Self-check: most periods one first-layer sine unit completes across the image width."""
    name = f"periods across the image at omega_0 = {omega_0:g}"
    answer = _number(answer, name, "set periods to a number.", "give a number of periods, e.g. 3.")
    if answer is None:
        return False
    want = omega_0 * bound * 2 / (2 * math.pi)
    good = (f"the phase omega_0 * w * x changes by at most {omega_0:g} x {bound:g} x 2 = "
            f"{omega_0 * bound * 2:g} radians from x = -1 to 1: {want:.2f} periods of 2 pi.")
    hints = {omega_0 * bound * 2: "that is the change of phase in radians; one period is 2 pi radians.",
             omega_0 * 2 / (2 * math.pi): f"the first layer's weights are at most {bound:g} in size (U(-1/n, 1/n), "
                                          "n = 2 inputs), not 1.",
             want / 2: "x runs from -1 to 1 across the image: a width of 2, not 1."}
    return _verdict(answer, name, want, good, hints, f"the unit computes sin(omega_0 (w_x x + w_y y + b)) with |w_x| <= "
                    f"{bound:g}; across the width only x changes, from -1 to 1. How many times 2 pi does "
                    "the phase change by?")


def check_batch_size_factor(answer, shrink=3.0):
    """Self-check: the factor on the batch size that makes the gradient's spread `shrink` times smaller."""
    name = f"batch size for a {shrink:g} times smaller spread"
    answer = _number(answer, name, "set batch_factor to a number.", "give a factor, e.g. 2.")
    if answer is None:
        return False
    want = shrink**2
    good = (f"the spread falls like 1 / sqrt(B), so {want:g} times the batch size divides "
            f"it by sqrt({want:g}) = {shrink:g}, at {want:g} times the gradient work per step.")
    hints = {shrink: f"the spread falls like 1 / sqrt(B), not 1 / B: {shrink:g} times the batch divides it by "
                     f"sqrt({shrink:g}) only.",
             1 / shrink: "a smaller batch makes the gradient noisier, not quieter.",
             1 / want: "a smaller batch makes the gradient noisier, not quieter."}
    return _verdict(answer, name, want, good, hints, "the variance of an average of B independent terms is sigma^2 / B, "
                    "so the spread is sigma / sqrt(B): solve sqrt(factor) = the wanted reduction.")


def check_collisions_per_row(answer, resolution=1024, log2_table_size=13):
    """Self-check: vertices per table row, on average, of a hashed level."""
    name = f"vertices per row at resolution {resolution}, table 2^{log2_table_size}"
    answer = _number(answer, name, "set per_row to a number.", "give a number of vertices, e.g. 10.")
    if answer is None:
        return False
    vertices, rows = (resolution + 1) ** 2, 2**log2_table_size
    want = vertices / rows
    good = (f"the level has ({resolution} + 1)^2 = {vertices:,} vertices and "
            f"{rows:,} rows: {want:.1f} vertices share each row on average.")
    hints = {resolution**2 / rows: "a grid of N x N cells has N + 1 vertices per side.",
             rows / vertices: "that is rows per vertex; turn the fraction over.",
             (resolution + 1) ** 2 / log2_table_size: f"the table has 2^{log2_table_size} rows, not "
                                                       f"{log2_table_size}."}
    return _verdict(answer, name, want, good, hints, "count the level's vertices, (N + 1)^2, and divide by the number of "
                    "rows they are hashed into.")


def check_eps_step_factor(answer, grad=1e-6, eps=1e-4, small_eps=1e-15):
    """Self-check: how many times smaller a steady entry's Adam step is with a larger eps."""
    name = f"step with eps = {eps:g} versus {small_eps:g}"
    answer = _number(answer, name, "set factor to a number.", "give a factor, e.g. 2.")
    if answer is None:
        return False
    want = (grad + eps) / (grad + small_eps)
    good = (f"with m_hat = g and sqrt(v_hat) = |g| the step is lr * g / (|g| + eps): "
            f"about lr with eps = {small_eps:g}, but lr * {grad:g} / {grad + eps:g} = "
            f"lr / {want:.0f} with eps = {eps:g}. Adam has become SGD with the rate lr / eps.")
    hints = {eps / small_eps: "that compares the two eps alone; the step is lr * g / (|g| + eps), and |g| "
                              "dominates the small eps.",
             1 / want: "a larger eps makes the step smaller: give how many times smaller, a number above 1.",
             math.sqrt(want): "sqrt(v_hat) is already |g|: no further square root."}
    return _verdict(answer, name, want, good, hints, "for a steady gradient m_hat = g and v_hat = g^2: write the step "
                    "lr * m_hat / (sqrt(v_hat) + eps) for both eps and divide.")


# Adam in practice


def check_decay_left(answer, lr=1e-3, weight_decay=1e-2, steps=100_000):
    """Self-check: the fraction of a gradient-free weight that AdamW leaves after `steps` steps."""
    name = f"AdamW's decay over {steps:,} steps"
    answer = _number(answer, name, "set fraction_left to a number.", "give a fraction, e.g. 0.5.")
    if answer is None:
        return False
    factor = 1 - lr * weight_decay
    want = factor**steps
    good = (f"each step multiplies the weight by 1 - lr * weight_decay = {factor:g}, so "
            f"{factor:g}^{steps:,} = {want:.3f} of it is left (about e^-(lr * weight_decay * steps)).")
    if 0 <= answer < 1e-6:
        return _report(False, name, "", "almost nothing left? PyTorch multiplies the decay by lr: the factor per "
                       f"step is 1 - lr * weight_decay = {factor:g}, not 1 - weight_decay, and the decay "
                       "compounds: it is not lr * weight_decay * steps taken off once.")
    hints = {factor: "that is one step; the factor compounds over every step.",
             1 - want: "that is the part taken away; give the part left."}
    return _verdict(answer, name, want, good, hints, f"AdamW multiplies the weight by 1 - lr * weight_decay at "
                    "every step; raise that factor to the number of steps.")


def check_radam_never_adapts(answer):
    """Self-check: the largest beta2 for which PyTorch's RAdam (rho_t > 5) never adapts."""
    name = "largest beta2 without an adaptive step"
    answer = _number(answer, name, "set largest_beta2 to a number.", "give a beta2, e.g. 0.9.")
    if answer is None:
        return False
    want = 2 / 3
    good = ("rho_t grows towards rho_inf = 2 / (1 - beta2) - 1 but never reaches it, so it passes 5 only "
            "when rho_inf > 5, i.e. beta2 > 2/3: up to 2/3 RAdam is SGD with momentum for ever.")
    hints = {0.6: "0.6 is where rho_inf = 4, the paper's threshold; PyTorch waits for rho_t > 5 (or did you "
                  "leave out the -1 in rho_inf = 2 / (1 - beta2) - 1?).",
             1 / 3: "that is 1 - beta2; give beta2.",
             5 / 7: "rho_inf = 2 / (1 - beta2) - 1 = 5 gives 1 - beta2 = 2 / 6."}
    return _verdict(answer, name, want, good, hints, "rho_t never exceeds rho_inf = 2 / (1 - beta2) - 1: solve "
                    "rho_inf = 5 for beta2.")


def check_memoryless_period(answer, C=10.0):
    """Self-check: how far Adam with beta1 = beta2 = 0 moves x over one period of C, -1, -1 (units of lr)."""
    name = f"memoryless Adam over one period (C = {C:g})"
    answer = _number(answer, name, "set change_per_period to a number.", "give a multiple of lr, e.g. -2.")
    if answer is None:
        return False
    good = ("with v_t = g_t^2 each step is -lr * g_t / |g_t| = -lr * sign(g_t): down by lr for C, up by lr "
            "for each -1, so x gains lr per period whatever C is, and runs to +1, the worst point.")
    hints = {-(C - 2): "that is gradient descent's move, -lr * (C - 1 - 1); Adam divides each gradient by its "
                       "own size sqrt(v_t) = |g_t|.",
             -1.0: "mind the signs: x moves against the gradient, so each gradient of -1 pushes x up.",
             3.0: "the step for C points the other way from the two steps for -1.",
             (2 - C) / C: "with beta2 = 0 each gradient is divided by its own size, not by C."}
    return _verdict(answer, name, 1.0, good, hints, "with beta2 = 0, sqrt(v_t) = |g_t|: write the three steps "
                    "-lr * g_t / |g_t| and add them.")
