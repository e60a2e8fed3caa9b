"""Self-checks for the exercises: each says clearly whether an answer is right and, if not, gives a hint."""

import functools
import math

import numpy as np
import torch

from .functions import rosenbrock
from .optim import Optimiser, adam_update
from .trajectory import run_trajectory


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


def _grade(answer, name, asks, want, good, hints, default):
    """`_verdict` on `answer` as a number; if it is not one, say so (`asks`: what to set, an example)."""
    answer = _number(answer, name, *asks)
    return False if answer is None else _verdict(answer, name, want, good, hints, default)


def _moments(grads, beta1, beta2, correct=True, square=True, t_power=True):
    """m_hat, v_hat (or m, v) after `grads`, with the slips a hand computation can make."""
    m = v = 0.0
    for g in grads:
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * (g * g if square else g)
    t = len(grads) if t_power else 1
    return (m / (1 - beta1**t), v / (1 - beta2**t)) if correct else (m, v)


def check_bias_corrected_moments(answer, grads=(2.0, 1.0), beta1=0.9, beta2=0.99):
    """Self-check: (m_hat, v_hat) after the gradients `grads`, computed by hand."""
    name = "bias-corrected moments"
    if not _answered(answer, name, "set moments to a pair (m_hat, v_hat)."):
        return False
    try:
        got = tuple(float(x) for x in answer)
        if len(got) != 2:
            raise ValueError
    except (TypeError, ValueError):
        return _report(False, name, "", f"{answer!r} is not a pair of numbers; write moments = (m_hat, v_hat).")
    t = len(grads)
    want = _moments(grads, beta1, beta2)
    # by hand: three significant figures are enough (1.47, 2.49), half a percent
    close = lambda a, b: all(math.isclose(x, y, rel_tol=5e-3) for x, y in zip(a, b))  # noqa: E731
    if close(got, want):
        newest = (1 - beta1) / (1 - beta1**t)
        return _report(True, name, f"m_hat = {want[0]:.4g} and v_hat = {want[1]:.4g}: weighted averages of the "
                       f"gradients and of their squares whose weights sum to one (the newest gradient weighs "
                       f"{newest:.2f} in m_hat).", "")
    slips = [(_moments(grads, beta1, beta2, correct=False),
              f"those are m_{t} and v_{t} before the correction: divide them by 1 - beta^t with t = {t}."),
             (_moments(grads, beta1, beta2, t_power=False),
              f"you divided by 1 - beta; the weight collected after t = {t} gradients is 1 - beta^{t}."),
             (_moments(grads[::-1], beta1, beta2),
              "the weights are the wrong way round: the newest gradient gets 1 - beta, the one before it "
              "beta (1 - beta)."),
             (_moments(grads, beta1, beta2, square=False),
              "v averages the squared gradients, g^2, not the gradients."),
             ((sum(grads) / t, sum(g * g for g in grads) / t),
              "those are the plain averages; the exponential average weighs the newest gradient more: "
              "apply eq-momentum and eq-rmsprop step by step, then the correction.")]
    hint = next((h for value, h in slips if close(got, value)), None)
    if hint is None:
        which = "m_hat is right; now v_hat" if math.isclose(got[0], want[0], rel_tol=5e-3) else "start with m"
        hint = (f"{which}: apply m_t = beta1 m_(t-1) + (1 - beta1) g_t and v_t = beta2 v_(t-1) + (1 - beta2) g_t^2 "
                f"from m_0 = v_0 = 0 for each gradient in turn, then divide by 1 - beta^{t}.")
    return _report(False, name, "", hint)


def check_beta2_for_unit_first_step(answer, beta1=0.9):
    """Self-check: the beta2 for which Adam's uncorrected first step is exactly lr, with this beta1."""
    name = "beta2 for an uncorrected first step of lr"
    answer = _number(answer, name, "set beta2 to a number.", "give a number between 0 and 1, e.g. 0.5.")
    if answer is None:
        return False
    want = 1 - (1 - beta1) ** 2
    if math.isclose(answer, want, rel_tol=1e-6):
        return _report(True, name, f"(1 - beta1) / sqrt(1 - beta2) = 1 needs sqrt(1 - beta2) = 1 - beta1 = "
                       f"{1 - beta1:g}, so beta2 = 1 - {1 - beta1:g}^2 = {want:g}: Instant-NGP's choice "
                       "(@sec-sparse-adam), where Kingma and Ba's two bounds on the step meet.", "")
    hints = {beta1: f"with beta2 = {beta1:g} the first step is (1 - beta1) / sqrt(1 - beta2) = "
                    f"{(1 - beta1) / math.sqrt(1 - beta1):.2f} lr, not lr: solve for the beta2 that makes it 1.",
             1 - beta1: f"that is sqrt(1 - beta2), which must equal 1 - beta1 = {1 - beta1:g}; beta2 is 1 minus "
                        "its square.",
             (1 - beta1) ** 2: "that is 1 - beta2; beta2 itself is 1 minus it.",
             0.999: "with 0.999 the uncorrected first step is 3.16 lr, as computed above."}
    hint = _matching_hint(answer, hints, "without the correction the first step is lr (1 - beta1) / sqrt(1 - beta2): "
                          "set that ratio to 1 and solve for beta2.", rel_tol=1e-6)
    return _report(False, name, "", hint)


def check_folded_step(folded_step):
    """Self-check: `folded_step(theta, g, m, v, t, lr, beta1, beta2, eps)` -> (theta, m, v), Adam's folded form."""
    name = "one step of the folded form"
    if not _answered(folded_step, name, "define folded_step(theta, g, m, v, t, lr, beta1, beta2, eps) and pass "
                     "it in."):
        return False
    settings = (0.01, 0.9, 0.999, 1e-8)  # lr, beta1, beta2, eps
    # a tiny gradient (where the place of eps matters) next to an ordinary one, for three steps
    grads = [torch.tensor([3e-8, 2.0], dtype=torch.float64), torch.tensor([1e-8, -1.0], dtype=torch.float64),
             torch.tensor([2e-8, 0.5], dtype=torch.float64)]

    def run(step):
        theta, m, v = (torch.zeros(2, dtype=torch.float64) for _ in range(3))
        thetas = []
        for t, g in enumerate(grads, start=1):
            result = step(theta.clone(), g.clone(), m.clone(), v.clone(), t, *settings)
            if result is None:
                raise _ReturnedNone
            theta, m, v = (torch.as_tensor(x, dtype=torch.float64) for x in result)
            thetas.append(theta)
        return thetas

    def uncorrected(theta, g, m, v, t, lr, beta1, beta2, eps):
        _, m, v = adam_update(theta, g, m, v, t, lr, beta1, beta2, eps)
        return theta - lr * m / (v.sqrt() + eps), m, v

    def no_square_root(theta, g, m, v, t, lr, beta1, beta2, eps):
        _, m, v = adam_update(theta, g, m, v, t, lr, beta1, beta2, eps)
        return theta - lr * (1 - beta2**t) / (1 - beta1**t) * m / (v.sqrt() + eps), m, v

    want = run(lambda *args: adam_update(*args, form="folded"))
    try:
        got = run(folded_step)
    except _ReturnedNone:
        print(f"Not yet ({name}): your function returns None; fill in its body.")
        return False
    except Exception as err:  # a student's code may fail in any way: report it, don't crash
        return _report(False, name, "", f"calling it raised {type(err).__name__}: {err} (theta, g, m and v are "
                       "tensors of two numbers; return the new theta, m and v).")
    same = lambda a, b: all(torch.allclose(x, y, rtol=1e-9, atol=1e-15) for x, y in zip(a, b))  # noqa: E731
    if same(got, want):
        return _report(True, name, "three steps agree with adam_update(form=\"folded\"); on the tiny gradient "
                       "they differ from Algorithm 1, which adds eps to the corrected sqrt(v_hat).", "")
    slips = [(run(lambda *args: adam_update(*args, form="algorithm1")),
              "that is Algorithm 1 (eps added to the bias-corrected sqrt(v_hat)); the folded form steps "
              "alpha_t m_t / (sqrt(v_t) + eps) with the uncorrected m_t and v_t."),
             (run(uncorrected), "fold both bias corrections into the step size: alpha_t = alpha sqrt(1 - beta2^t) "
                                "/ (1 - beta1^t)."),
             (run(no_square_root), "the second moment's correction enters alpha_t through a square root, "
                                   "sqrt(1 - beta2^t).")]
    hint = next((h for value, h in slips if same(got, value)), None)
    if hint is None:
        t = next(i for i, (a, b) in enumerate(zip(got, want), start=1) if not torch.allclose(a, b, rtol=1e-9,
                                                                                             atol=1e-15))
        hint = (f"after step {t} your theta is {got[t - 1].tolist()}, expected {want[t - 1].tolist()}. Update m "
                "and v from their equations first, then step as the folded form says.")
    return _report(False, name, "", hint)


class _ReturnedNone(Exception):
    """A student's function returned None (the notebook's empty stub)."""


# Exercise 3.1: Adam from another start, on the race's grid of learning rates
OTHER_START = (-1.2, 1.0)
GRID = tuple(float(lr) for lr in 10.0 ** (np.arange(-8, 1) / 2))  # np.logspace(-4, 0, 9), the race's grid


@functools.lru_cache(maxsize=32)
def _adam_run(lr, start, tol, max_iter):
    t = run_trajectory(Optimiser("Adam", lr=lr), start=start, tol=tol, max_iter=max_iter)
    return t.converged, t.iterations, float(t.f[-1])


def check_smallest_grid_lr(answer, start=OTHER_START, lrs=GRID, tol=1e-3, max_iter=2000):
    """Self-check: the smallest lr of the grid with which Adam from `start` gets below `tol` in `max_iter` steps."""
    name = f"smallest learning rate from {start}"
    answer = _number(answer, name, "set smallest_lr to a learning rate of lrs.", "give one of lrs, e.g. lrs[3].")
    if answer is None:
        return False
    # the grid's points are 3.16 times apart: a value as printed (3e-02 for 0.0316) names its point
    on_grid = [lr for lr in lrs if math.isclose(answer, lr, rel_tol=0.1)]
    if not on_grid:
        return _report(False, name, "", f"{answer:g} is not on the grid; try each learning rate of lrs "
                       f"({', '.join(f'{lr:.0e}' for lr in lrs)}) in turn.")
    lr = on_grid[0]
    converged, iterations, final = _adam_run(lr, tuple(start), tol, max_iter)
    if not converged:
        return _report(False, name, "", f"with lr = {lr:.0e}, f = {final:.2g} after {max_iter} iterations, not "
                       f"below {tol:g}: try a larger learning rate.")
    smaller = [x for x in lrs if x < lr]
    if smaller and _adam_run(smaller[-1], tuple(start), tol, max_iter)[0]:
        return _report(False, name, "", f"lr = {lr:.0e} gets there (in {iterations} iterations), but a smaller "
                       "learning rate of the grid does too.")
    below = f"; the next smaller one, {smaller[-1]:.0e}, does not within {max_iter}" if smaller else ""
    return _report(True, name, f"lr = {lr:.0e} reaches f < {tol:g} in {iterations} iterations{below}.", "")


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
    factor = 1 + 2 * lr
    if answer == want:
        return _report(True, name, f"each step multiplies y by 1 + 2 lr = {factor:g}, and "
                       f"{factor:g}^{want} is the first power above 1 / y0 = {1 / y0:g}: {want} steps.", "")
    continuous = math.log(1 / y0) / (2 * lr)
    if answer == want - 1:
        hint = (f"one step short: after {want - 1} steps |y| = {factor:g}^{want - 1} x {y0:g} = "
                f"{factor ** (want - 1) * y0:.3g}, not yet above 1.")
    elif answer == want + 1:
        hint = f"one step too many: after {want} steps |y| = {factor ** want * y0:.3g} is already above 1."
    elif abs(answer - saddle_escape_steps(0.1, y0)) <= 1:
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
    name = f"the rule's limit at {point}"
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


def check_momentum_edge(answer, lam_max, momentum=0.9):
    """Self-check: the largest stable lr of heavy-ball momentum where the sharpest curvature is `lam_max`."""
    from .checks import positive_number

    name = f"largest stable lr with momentum {momentum:g}"
    asks = ("set lr_edge to a number.", "give a learning rate, e.g. 1.0.")
    lam_max = positive_number("lam_max", lam_max)
    want = 2 * (1 + momentum) / lam_max
    good = (f"heavy-ball momentum is stable for lr < 2 (1 + mu) / lambda_max = 2 x {1 + momentum:g} / "
            f"{lam_max:.3g} = {want:.3g}, {1 + momentum:g} times the limit of plain gradient descent.")
    hints = {2 / lam_max: "that is the limit of plain gradient descent, 2 / lambda_max; momentum moves it "
                          "(chapter 1).",
             2 * (1 - momentum) / lam_max: "that treats momentum as gradient descent at the effective rate "
                                           "lr / (1 - mu). Along the steepest direction the steps flip sign at "
                                           "the edge, so the buffer adds 1 - mu + mu^2 - ... = 1 / (1 + mu) of "
                                           "a gradient, not 1 / (1 - mu).",
             (1 + momentum) / lam_max: "the limit of gradient descent is 2 / lambda_max, not 1 / lambda_max; "
                                       "momentum multiplies it by (1 + mu).",
             2 * (1 + momentum) * lam_max: "divide by lambda_max: the sharper the curvature, the smaller "
                                           "the largest stable step.",
             2 / ((1 - momentum) * lam_max): "that is 2 / lambda_max at the effective rate lr / (1 - mu); "
                                             "at the edge the steps flip sign, and the buffer then holds "
                                             "1 / (1 + mu) of a gradient, not 1 / (1 - mu).",
             2 * (1 + momentum) / ((1 - momentum) * lam_max): "that is chapter 1's 'almost twenty times' "
                                                             "as a learning rate of SGD; the edge itself is "
                                                             "lr = 2 (1 + mu) / lambda_max."}
    return _grade(answer, name, asks, want, good, hints, "put e_k = (-1)^k into the recursion: -1 = (1 + mu - lr "
                  "lambda) - mu, and solve for lr with the lambda_max measured in the chapter.")


def check_psnr_grey_levels(answer, db=37.0):
    """Self-check: the root-mean-square error, in grey levels of 0..255, of a picture at `db` dB."""
    name = f"grey levels at {db:g} dB"
    asks = ("set grey_levels to a number.", "give a number of grey levels, e.g. 10.")
    want = 255 * 10 ** (-db / 20)
    good = (f"MSE = 10^(-{db:g}/10), so the RMS error is 10^(-{db:g}/20) = "
            f"{want / 255:.4f} of the range, {want:.2f} of 255 levels.")
    hints = {want / 255: "that is the error as a fraction of the range [0, 1]; multiply by 255.",
             255 * 10 ** (-db / 10): "that is 255 times the MSE; the root-mean-square error is the square root of the MSE.",
             255**2 * 10 ** (-db / 10): "that is the MSE in squared grey levels; take its square root."}
    return _grade(answer, name, asks, want, good, hints, "PSNR = -10 log10(MSE) for colours in [0, 1]: solve for the MSE, take "
                  "its square root (the RMS error) and scale it to 255 levels.")


def check_first_layer_periods(answer, omega_0=30.0, bound=0.5, along="width"):
    """Self-check: most periods one first-layer sine unit completes across the width or along the diagonal."""
    if along not in ("width", "diagonal"):
        raise ValueError(f"along must be 'width' or 'diagonal', got {along!r}")
    name = f"periods along the {along} at omega_0 = {omega_0:g}"
    asks = ("set periods to a number.", "give a number of periods, e.g. 3.")
    axes = 1 if along == "width" else 2  # how many of x and y change, each from -1 to 1
    radians = omega_0 * bound * 2 * axes
    want = radians / (2 * math.pi)
    change = "omega_0 * w_x * x" if along == "width" else "omega_0 * (w_x * x + w_y * y)"
    spans = " + ".join([f"{bound:g} x 2"] * axes)
    good = (f"the phase {change} changes by at most {omega_0:g} x ({spans}) = {radians:g} radians "
            f"along the {along}: {want:.2f} periods of 2 pi.")
    hints = {radians: "that is the change of phase in radians; one period is 2 pi radians.",
             2 * want: f"the first layer's weights are at most {bound:g} in size (U(-1/n, 1/n), n = 2 inputs), "
                       "not 1.",
             want / 2: "x runs from -1 to 1 across the image: a width of 2, not 1."}
    if along == "diagonal":
        hints = {want / 2: "that counts x alone (the width); along the diagonal y runs from -1 to 1 as well, "
                           "and both terms of the phase change.",
                 radians: hints[radians], 2 * want: hints[2 * want],
                 want / math.sqrt(2): f"w_x and w_y can both be {bound:g} at once, and then the phase changes by "
                                      "w_x * 2 + w_y * 2 along the diagonal; the diagonal's length does not "
                                      "enter, only how far x and y each move."}
        default = (f"along the diagonal x and y both run from -1 to 1, so the phase omega_0 (w_x x + w_y y + b) "
                   f"changes by at most omega_0 ({bound:g} x 2 + {bound:g} x 2). How many times 2 pi is that?")
    else:
        default = (f"the unit computes sin(omega_0 (w_x x + w_y y + b)) with |w_x| <= {bound:g}; across the "
                   "width only x changes, from -1 to 1. How many times 2 pi does the phase change by?")
    for whole in (math.floor(want), math.ceil(want)):  # a count of whole periods, not the sweep
        hints.setdefault(whole, f"close: the phase sweeps {radians:g} radians, which is not a whole number of "
                                "periods; give the fraction too (radians / 2 pi).")
    return _grade(answer, name, asks, want, good, hints, default)


def check_batch_size_factor(answer, shrink=3.0):
    """Self-check: the factor on the batch size that makes the gradient's spread `shrink` times smaller."""
    name = f"batch size for a {shrink:g} times smaller spread"
    asks = ("set batch_factor to a number.", "give a factor, e.g. 2.")
    want = shrink**2
    good = (f"the spread falls like 1 / sqrt(B), so {want:g} times the batch size divides "
            f"it by sqrt({want:g}) = {shrink:g}, at {want:g} times the gradient work per step.")
    hints = {shrink: f"the spread falls like 1 / sqrt(B), not 1 / B: {shrink:g} times the batch divides it by "
                     f"sqrt({shrink:g}) only.",
             1 / shrink: "a smaller batch makes the gradient noisier, not quieter.",
             1 / want: "a smaller batch makes the gradient noisier, not quieter."}
    return _grade(answer, name, asks, want, good, hints, "the variance of an average of B independent terms is sigma^2 / B, "
                  "so the spread is sigma / sqrt(B): solve sqrt(factor) = the wanted reduction.")


def check_collisions_per_row(answer, resolution=1024, log2_table_size=13):
    """Self-check: vertices per table row, on average, of a hashed level."""
    name = f"vertices per row at resolution {resolution}, table 2^{log2_table_size}"
    asks = ("set per_row to a number.", "give a number of vertices, e.g. 10.")
    vertices, rows = (resolution + 1) ** 2, 2**log2_table_size
    want = vertices / rows
    good = (f"the level has ({resolution} + 1)^2 = {vertices:,} vertices and "
            f"{rows:,} rows: {want:.1f} vertices share each row on average.")
    hints = {resolution**2 / rows: "a grid of N x N cells has N + 1 vertices per side.",
             rows / vertices: "that is rows per vertex; turn the fraction over.",
             (resolution + 1) ** 2 / log2_table_size: f"the table has 2^{log2_table_size} rows, not "
                                                       f"{log2_table_size}."}
    return _grade(answer, name, asks, want, good, hints, "count the level's vertices, (N + 1)^2, and divide by the number of "
                  "rows they are hashed into.")


def check_eps_step_factor(answer, grad=1e-6, eps=1e-4, small_eps=1e-15):
    """Self-check: how many times smaller a steady entry's Adam step is with a larger eps."""
    name = f"step with eps = {eps:g} versus {small_eps:g}"
    asks = ("set factor to a number.", "give a factor, e.g. 2.")
    want = (grad + eps) / (grad + small_eps)
    good = (f"with m_hat = g and sqrt(v_hat) = |g| the step is lr * g / (|g| + eps): "
            f"about lr with eps = {small_eps:g}, but lr * {grad:g} / {grad + eps:g} = "
            f"lr / {want:.0f} with eps = {eps:g}. Adam has become SGD with the rate lr / eps.")
    hints = {eps / small_eps: "that compares the two eps alone; the step is lr * g / (|g| + eps), and |g| "
                              "dominates the small eps.",
             1 / want: "a larger eps makes the step smaller: give how many times smaller, a number above 1.",
             math.sqrt(want): "sqrt(v_hat) is already |g|: no further square root."}
    return _grade(answer, name, asks, want, good, hints, "for a steady gradient m_hat = g and v_hat = g^2: write the step "
                  "lr * m_hat / (sqrt(v_hat) + eps) for both eps and divide.")


# After Adam

def check_gd_steps(answer, kappa=100, shrink=1000):
    """Self-check: steps gradient descent at its best constant lr needs to shrink the error `shrink` times."""
    name = f"gradient-descent steps for a {shrink:g}-fold smaller error at kappa = {kappa:g}"
    answer = _number(answer, name, "set gd_steps to a number of steps.", "give a whole number, e.g. 100.")
    if answer is None:
        return False

    def steps(rate):
        return math.ceil(math.log(shrink) / -math.log(rate))

    rate = (kappa - 1) / (kappa + 1)
    want = steps(rate)
    if answer == want:
        return _report(True, name, f"with lr = 2 / (L + mu) the error shrinks by (kappa - 1) / (kappa + 1) = "
                       f"{rate:.4f} per step, and {rate:.4f}^n < 1 / {shrink:g} first for n = {want}.", "")
    if answer == want - 1:
        return _report(False, name, "", f"one step short: after {want - 1} steps the error is still "
                       f"{rate ** (want - 1):.5f} of the start, above 1 / {shrink:g}.")
    root = math.sqrt(kappa)
    hints = {steps(rate**2): "that shrinks f, not the error: f is quadratic in the error, so it falls by the "
                             "square of the rate per step.",
             steps((root - 1) / (root + 1)): "that is the count of the tuned heavy ball, whose rate is "
                                             "(sqrt(kappa) - 1) / (sqrt(kappa) + 1); gradient descent's is slower.",
             steps(1 - 1 / kappa): "that is the rate with lr = 1 / L; the best constant lr, 2 / (L + mu), "
                                   "gives (kappa - 1) / (kappa + 1).",
             steps(1 - 2 / kappa): "that uses 1 - 2 / kappa; the rate is exactly 1 - 2 / (kappa + 1)."}
    hint = next((h for value, h in hints.items() if abs(answer - value) <= 1),
                "the error shrinks by r = (kappa - 1) / (kappa + 1) per step: solve r^n <= 1 / "
                f"{shrink:g} for the smallest whole n (n = ln {shrink:g} / -ln r, rounded up).")
    return _report(False, name, "", hint)


def check_lion_step(answer, theta=2.0, lr=3e-4, weight_decay=0.1):
    """Self-check: the change of one weight in a Lion step whose interpolated momentum c is positive."""
    name = f"one Lion step of a weight at {theta:g}"
    asks = ("set change to a number.", "give the change of the weight, e.g. -0.001.")
    want = -lr * (1 + weight_decay * theta)
    good = (f"theta - lr (sign(c) + lambda theta) changes the weight by -lr (1 + lambda theta) = "
            f"-{lr:g} x {1 + weight_decay * theta:g} = {want:.3g}, whatever the gradient's size.")
    hints = {-lr: "that is the sign step alone; the decoupled weight decay adds -lr lambda theta.",
             -want: "the step goes against the sign of c: c > 0 makes the weight smaller.",
             -lr * weight_decay * theta: "that is the weight decay alone; add the sign step -lr sign(c).",
             -lr * (1 + weight_decay): "the decay is lambda times the weight theta, not lambda alone.",
             theta + want: "that is the new value of the weight; give its change."}
    return _grade(answer, name, asks, want, good, hints, "write Lion's update theta_t = theta_{t-1} - lr (sign(c_t) + "
                  "lambda theta_{t-1}) with sign(c_t) = +1 and subtract.")


def newton_schulz_steps_to(sigma, target=0.5, coefficients=(3.4445, -4.7750, 2.0315)):
    """Steps of Muon's quintic phi(s) = a s + b s^3 + c s^5 until a singular value `sigma` reaches `target`."""
    a, b, c = coefficients
    if not 0 < sigma < target:
        raise ValueError(f"sigma must lie between 0 and target = {target}, got {sigma!r}")
    steps = 0
    while sigma < target:
        sigma, steps = a * sigma + b * sigma**3 + c * sigma**5, steps + 1
    return steps


def check_newton_schulz_steps(answer, sigma=1e-6, target=0.5):
    """Self-check: Newton-Schulz steps that lift a singular value of `sigma` (times the norm) to `target`."""
    name = f"Newton-Schulz steps from {sigma:g} to {target:g}"
    answer = _number(answer, name, "set ns_steps to a number of steps.", "give a whole number, e.g. 7.")
    if answer is None:
        return False
    a = 3.4445
    want = newton_schulz_steps_to(sigma, target)
    if answer == want:
        return _report(True, name, f"near 0 each step multiplies sigma by about a = {a}, so n steps give about "
                       f"{a}^n x {sigma:g}; {want} steps reach {target:g} ({want - 1} fall short).", "")
    after = sigma
    for _ in range(int(max(0, min(answer, want)))):
        after = a * after - 4.7750 * after**3 + 2.0315 * after**5
    if answer != int(answer):
        hint = "steps come whole: give the first whole number of steps after which sigma is at least " \
               f"{target:g}."
    elif answer == 5:
        hint = (f"five is Muon's default, and after five steps sigma is only about {after:.2g}: "
                "small singular values are not lifted in five steps.")
    elif 0 < answer < want:
        hint = f"after {answer:g} steps sigma is only {after:.3g}: keep iterating until it reaches {target:g}."
    elif answer > want:
        hint = f"fewer: count the first step after which sigma is at least {target:g}."
    else:
        hint = ("iterate phi(s) = 3.4445 s - 4.7750 s^3 + 2.0315 s^5 from s = "
                f"{sigma:g} and count the steps until s >= {target:g}.")
    return _report(False, name, "", hint)
# Adam in practice


def check_decay_left(answer, lr=1e-3, weight_decay=1e-2, steps=100_000, schedule="constant"):
    """Self-check: the fraction of a gradient-free weight that AdamW leaves after `steps` steps."""
    if schedule not in ("constant", "cosine"):
        raise ValueError(f"schedule must be 'constant' or 'cosine', got {schedule!r}")
    name = f"AdamW's decay over {steps:,} steps, {schedule} rate"
    answer = _number(answer, name, "set fraction_left to a number.", "give a fraction, e.g. 0.5.")
    if answer is None:
        return False
    # PyTorch's CosineAnnealingLR: the k-th step (k = 0, 1, ...) runs at lr (1 + cos(pi k / steps)) / 2
    rates = (np.full(steps, lr) if schedule == "constant"
             else lr * (1 + np.cos(np.pi * np.arange(steps) / steps)) / 2)
    want = float(np.exp(np.log1p(-rates * weight_decay).sum()))
    factor = 1 - lr * weight_decay  # per step at the full rate
    constant = factor**steps
    if schedule == "constant":
        good = (f"each step multiplies the weight by 1 - lr * weight_decay = {factor:g}, so "
                f"{factor:g}^{steps:,} = {want:.3f} of it is left "
                "(about e^-(lr * weight_decay * steps)).")
    else:
        good = (f"PyTorch multiplies the decay by the current rate, so the weight shrinks by "
                f"e^-(weight_decay * sum of the rates); the cosine's rates average lr / 2, so {want:.3f} is left, "
                f"about e^-(lr * weight_decay * steps / 2), against {constant:.3f} at a constant rate.")
    if 0 <= answer < 1e-6:
        return _report(False, name, "", "almost nothing left? PyTorch multiplies the decay by lr: the factor per "
                       f"step is 1 - lr * weight_decay = {factor:g}, not 1 - weight_decay, and "
                       "the decay compounds: it is not lr * weight_decay * steps taken off once.")
    hints = {factor: "that is one step; the factor compounds over every step.",
             1 - want: "that is the part taken away; give the part left."}
    if schedule == "cosine":
        hints[constant] = ("that is the constant rate's answer; PyTorch multiplies the decay by the current "
                           "rate, and the cosine schedule's rates average half the peak.")
        hints[constant ** 2] = "the cosine's rates average half the peak, not twice it."
    return _verdict(answer, name, want, good, hints, "AdamW multiplies the weight by 1 - rate * weight_decay "
                    "at every step: multiply those factors (or add up the rates and take e^-(weight_decay * sum)).")


def check_radam_never_adapts(answer):
    """Self-check: the largest beta2 for which PyTorch's RAdam (rho_t > 5) never adapts."""
    name = "largest beta2 without an adaptive step"
    asks = ("set largest_beta2 to a number.", "give a beta2, e.g. 0.9.")
    want = 2 / 3
    good = ("rho_t grows towards rho_inf = 2 / (1 - beta2) - 1 but never reaches it, so it passes 5 only "
            "when rho_inf > 5, i.e. beta2 > 2/3: up to 2/3 RAdam is SGD with momentum for ever.")
    hints = {0.6: "0.6 is where rho_inf = 4, the paper's threshold; PyTorch waits for rho_t > 5 (or did you "
                  "leave out the -1 in rho_inf = 2 / (1 - beta2) - 1?).",
             1 / 3: "that is 1 - beta2; give beta2.",
             5 / 7: "rho_inf = 2 / (1 - beta2) - 1 = 5 gives 1 - beta2 = 2 / 6."}
    return _grade(answer, name, asks, want, good, hints, "rho_t never exceeds rho_inf = 2 / (1 - beta2) - 1: solve "
                  "rho_inf = 5 for beta2.")


def check_memoryless_period(answer, C=10.0, amsgrad=False):
    """Self-check: how far Adam (or AMSGrad) with beta1 = beta2 = 0 moves x over a period C, -1, -1 (in lr)."""
    method = "AMSGrad" if amsgrad else "Adam"
    name = f"memoryless {method} over one period (C = {C:g})"
    asks = ("set change_per_period to a number.", "give a multiple of lr, e.g. -2.")
    adam, ams = 1.0, (2 - C) / C
    if amsgrad:
        want = ams
        good = (f"with v_t = g_t^2 AMSGrad divides by the largest |g| so far, C, from the first step on: down by "
                f"lr * C / C = lr for C, up by lr / C for each -1, so x moves (2 - C) / C = {ams:+.2f} lr per "
                "period: towards -1, the best point, slowly.")
        hints = {adam: "that is memoryless Adam's, which divides each gradient by its own size; AMSGrad "
                       "divides by the largest sqrt(v) seen so far.",
                 -(C - 2): "that is gradient descent's move, -lr * (C - 1 - 1); AMSGrad divides the gradients "
                           "by the largest |g| so far.",
                 -ams: "mind the signs: x moves against the gradient, so the step for C is down, towards -1.",
                 -1.0: "the two small gradients move x too, by lr / C each."}
        default = "the largest v so far is C^2 from the first step: write the three steps -lr * g_t / C and add them."
    else:
        want = adam
        good = ("with v_t = g_t^2 each step is -lr * g_t / |g_t| = -lr * sign(g_t): down by lr for C, up by lr "
                "for each -1, so x gains lr per period whatever C is, and runs to +1, the worst point.")
        hints = {-(C - 2): "that is gradient descent's move, -lr * (C - 1 - 1); Adam divides each gradient by "
                           "its own size sqrt(v_t) = |g_t|.",
                 -1.0: "mind the signs: x moves against the gradient, so each gradient of -1 pushes x up.",
                 3.0: "the step for C points the other way from the two steps for -1.",
                 ams: "with beta2 = 0 each gradient is divided by its own size, not by C."}
        default = "with beta2 = 0, sqrt(v_t) = |g_t|: write the three steps -lr * g_t / |g_t| and add them."
    return _grade(answer, name, asks, want, good, hints, default)
