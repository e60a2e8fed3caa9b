"""Each exercise self-check accepts a right answer and rejects a wrong one with a hint."""

import pytest
import torch

from lessonlib import exercises


def right_folded_step(theta, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    lr_t = lr * (1 - beta2**t) ** 0.5 / (1 - beta1**t)
    return theta - lr_t * m / (torch.sqrt(v) + eps), m, v


def algorithm1_step(theta, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - lr * m_hat / (torch.sqrt(v_hat) + eps), m, v


def folded_without_correction(theta, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    return theta - lr * m / (torch.sqrt(v) + eps), m, v


def folded_without_square_root(theta, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    return theta - lr * (1 - beta2**t) / (1 - beta1**t) * m / (torch.sqrt(v) + eps), m, v


@pytest.mark.parametrize("step, ok, phrase", [
    (right_folded_step, True, "agree with adam_update"),
    (algorithm1_step, False, "that is Algorithm 1"),
    (folded_without_correction, False, "fold both bias corrections"),
    (folded_without_square_root, False, "through a square root"),
    (lambda theta, g, m, v, t, lr, beta1, beta2, eps: (theta - lr * g, m, v), False, "after step 1"),
    (lambda *args: 1 / 0, False, "ZeroDivisionError"),
    (lambda *args: None, False, "returns None"),  # the notebook's empty stub
    (None, False, "no answer given"),
])
def test_folded_step(capsys, step, ok, phrase):
    assert exercises.check_folded_step(step) is ok
    assert phrase in capsys.readouterr().out


# A numeric answer, whether the check accepts it, and a phrase its verdict must contain (None: any)
NUMBER_CASES = [
    ("check_bias_corrected_moments", (1.4737, 2.4925), True, "Correct"),  # gradients 2 then 1
    ("check_bias_corrected_moments", (1.47, 2.49), True, "Correct"),  # rounded by hand
    ("check_bias_corrected_moments", (1.5, 2.5), False, "plain averages"),
    ("check_bias_corrected_moments", (0.28, 0.0496), False, "before the correction"),  # m_2, v_2
    ("check_bias_corrected_moments", (2.8, 4.96), False, "1 - beta^2"),  # divided by 1 - beta
    ("check_bias_corrected_moments", (1.5263, 2.5075), False, "wrong way round"),  # gradients swapped
    ("check_bias_corrected_moments", (1.4737, 1.4975), False, "squared gradients"),  # v of g, not g^2
    ("check_bias_corrected_moments", (1.4737, 3.0), False, "m_hat is right"),
    ("check_bias_corrected_moments", (1.0, 3.0), False, "start with m"),
    ("check_bias_corrected_moments", (1.0, 2.0, 3.0), False, "not a pair"),
    ("check_bias_corrected_moments", None, False, "no answer given"),
    ("check_smallest_grid_lr", 10**-1.5, True, "Correct"),  # Adam from (-1.2, 1): 3e-2 works, 1e-2 not
    ("check_smallest_grid_lr", 0.0316, True, "Correct"),
    ("check_smallest_grid_lr", 0.03, True, "Correct"),  # as the tables print it, 3e-02
    ("check_smallest_grid_lr", 0.01, False, "try a larger"),
    ("check_smallest_grid_lr", 0.1, False, "a smaller learning rate of the grid does too"),
    ("check_smallest_grid_lr", 0.05, False, "not on the grid"),
    ("check_smallest_grid_lr", "fast", False, "not a number"),
    ("check_smallest_grid_lr", None, False, "no answer given"),
    ("check_beta2_for_unit_first_step", 0.99, True, "Correct"),
    ("check_beta2_for_unit_first_step", 0.9, False, "0.32 lr, not lr"),  # beta2 = beta1
    ("check_beta2_for_unit_first_step", 0.1, False, "that is sqrt(1 - beta2)"),
    ("check_beta2_for_unit_first_step", 0.01, False, "that is 1 - beta2"),
    ("check_beta2_for_unit_first_step", 0.999, False, "3.16 lr"),
    ("check_beta2_for_unit_first_step", 0.5, False, "set that ratio to 1"),
    ("check_beta2_for_unit_first_step", "large", False, None),
    ("check_beta2_for_unit_first_step", None, False, "no answer given"),
    ("check_one_step_lr", 0.5, True, "Correct"),
    ("check_one_step_lr", 1.0, False, "edge of divergence"),  # 2 / L'': the edge of divergence
    ("check_one_step_lr", 2.0, False, "inverse"),  # the curvature itself
    ("check_one_step_lr", 0.1, False, "lands at w = 0.4"),
    ("check_one_step_lr", None, False, "no answer given"),
    ("check_one_step_lr", "half", False, None),
    ("check_saddle_escape", 145, True, "Correct"),
    ("check_saddle_escape", 144, False, "one step short"),  # 1.1^144 = 9.1e5 < 1e6
    ("check_saddle_escape", 146, False, "one step too many"),
    ("check_saddle_escape", 76, False, "lr = 0.1"),  # the count for lr = 0.1
    ("check_saddle_escape", 138, False, "exactly 1 + 2 lr"),  # ln(1e6) / (2 lr): continuous time
    ("check_saddle_escape", 20, False, "smallest whole n"),
    ("check_saddle_escape", None, False, "no answer given"),
    ("check_stable_lr", 2 / 401.0025, True, "Correct"),
    ("check_stable_lr", 2 / 1001.6, False, "at the minimum"),  # the limit at the minimum
    ("check_stable_lr", 1 / 401.0025, False, "one-step"),
    ("check_stable_lr", 2 / 0.9975, False, "smallest eigenvalue"),  # the smallest eigenvalue
    ("check_stable_lr", 0.1, False, "lr < 2 / lambda_max"),
    ("check_stable_lr", None, False, "no answer given"),
    ("check_mlp_parameters", 8707, True, "Correct"),
    ("check_mlp_parameters", 8512, False, "bias"),  # no biases
    ("check_mlp_parameters", 8707 + 64 * 64 + 64, False, "input layer"),  # a hidden layer too many
    ("check_mlp_parameters", 1000, False, "add up"),
    ("check_mlp_parameters", None, False, "no answer given"),
    ("check_psnr_grey_levels", 3.59, True, "Correct"),
    ("check_psnr_grey_levels", 0.0141, False, "multiply by 255"),  # a fraction of the range
    ("check_psnr_grey_levels", 255 * 10 ** -3.7, False, "square root"),  # 255 times the MSE
    ("check_psnr_grey_levels", 37, False, "solve for the MSE"),
    ("check_psnr_grey_levels", None, False, "no answer given"),
    ("check_first_layer_periods", 4.77, True, "Correct"),
    ("check_first_layer_periods", 30, False, "2 pi radians"),  # radians, not periods
    ("check_first_layer_periods", 9.55, False, "at most 0.5"),  # weights up to 1
    ("check_first_layer_periods", 2.39, False, "width of 2"),  # half the width
    ("check_first_layer_periods", 1, False, "2 pi"),
    ("check_first_layer_periods", None, False, "no answer given"),
    ("check_batch_size_factor", 9, True, "Correct"),
    ("check_batch_size_factor", 3, False, "not 1 / B"),  # spread taken as 1 / B
    ("check_batch_size_factor", 1 / 9, False, "noisier"),
    ("check_batch_size_factor", 5, False, "sigma / sqrt(B)"),
    ("check_batch_size_factor", None, False, "no answer given"),
    ("check_collisions_per_row", 128.25, True, "Correct"),
    ("check_collisions_per_row", 128, True, "Correct"),
    ("check_collisions_per_row", 1024**2 / 8192, True, "Correct"),  # within 2% of 1025^2 / 8192
    ("check_collisions_per_row", 8192 / 1025**2, False, "turn the fraction over"),
    ("check_collisions_per_row", 1025**2 / 13, False, "not 13"),
    ("check_collisions_per_row", 2, False, "(N + 1)^2"),
    ("check_collisions_per_row", None, False, "no answer given"),
    ("check_eps_step_factor", 101, True, "Correct"),
    ("check_eps_step_factor", 100, True, "Correct"),
    ("check_eps_step_factor", 1e11, False, "compares the two eps"),
    ("check_eps_step_factor", 1 / 101, False, "above 1"),
    ("check_eps_step_factor", 10.05, False, "no further square root"),
    ("check_eps_step_factor", 3, False, "divide"),
    ("check_eps_step_factor", "lots", False, None),
]


# Checks that take the chapter's numbers too: the check, its options, an answer, accepted?, a phrase
OPTION_CASES = [
    ("check_momentum_edge", {"lam_max": 1.0}, 3.8, True, "Correct"),
    ("check_momentum_edge", {"lam_max": 1.0}, 3.75, True, "Correct"),  # within 2%
    ("check_momentum_edge", {"lam_max": 1.0}, 2.0, False, "plain gradient descent"),  # 2 / lambda_max
    ("check_momentum_edge", {"lam_max": 1.0}, 0.2, False, "effective rate"),  # 2 (1 - mu) / lambda_max
    ("check_momentum_edge", {"lam_max": 1.0}, 1.9, False, "not 1 / lambda_max"),  # the factor 2 forgotten
    ("check_momentum_edge", {"lam_max": 2.0}, 7.6, False, "divide by lambda_max"),  # times lambda_max
    ("check_momentum_edge", {"lam_max": 1.0}, 10.0, False, "e_k = (-1)^k"),
    ("check_momentum_edge", {"lam_max": 1.0}, 20.0, False, "1 / (1 + mu) of a gradient"),  # 2/((1-mu) lam)
    ("check_momentum_edge", {"lam_max": 1.0}, 38.0, False, "almost twenty times"),  # 19 x 2 / lam
    ("check_momentum_edge", {"lam_max": 1.131}, 2 * 1.9 / 1.131, True, "Correct"),
    ("check_momentum_edge", {"lam_max": 1.0, "momentum": 0.5}, 3.0, True, "Correct"),
    ("check_momentum_edge", {"lam_max": 1.0}, None, False, "no answer given"),
    ("check_momentum_edge", {"lam_max": 1.0}, "fast", False, "not a number"),
    ("check_first_layer_periods", {"along": "diagonal"}, 9.55, True, "Correct"),
    ("check_first_layer_periods", {"along": "diagonal"}, 4.77, False, "counts x alone"),  # the width's answer
    ("check_first_layer_periods", {"along": "diagonal"}, 60, False, "2 pi radians"),  # radians
    ("check_first_layer_periods", {"along": "diagonal"}, 19.1, False, "at most 0.5"),  # weights up to 1
    ("check_first_layer_periods", {"along": "diagonal"}, 6.75, False, "length does not"),  # 0.5 x 2 sqrt 2
    ("check_first_layer_periods", {"along": "diagonal"}, 3, False, "How many times 2 pi"),
    ("check_first_layer_periods", {"along": "diagonal"}, 9, False, "give the fraction too"),  # whole periods
    ("check_first_layer_periods", {"along": "diagonal"}, 10, False, "give the fraction too"),
    ("check_first_layer_periods", {"along": "diagonal", "omega_0": 1}, 2 / 6.2832, True, "Correct"),
    ("check_first_layer_periods", {"along": "diagonal"}, None, False, "no answer given"),
]


@pytest.mark.parametrize("check, options, answer, ok, phrase", OPTION_CASES,
                         ids=[f"{c[0][6:]}-{c[1]}-{c[2]!r}" for c in OPTION_CASES])
def test_answers_with_options(capsys, check, options, answer, ok, phrase):
    assert bool(getattr(exercises, check)(answer, **options)) is ok
    assert phrase in capsys.readouterr().out


def test_bad_options_are_refused_clearly():
    with pytest.raises(ValueError, match="lam_max must be a positive number"):
        exercises.check_momentum_edge(3.8, lam_max=-1.0)
    with pytest.raises(ValueError, match="along must be 'width' or 'diagonal'"):
        exercises.check_first_layer_periods(4.77, along="height")


def test_saddle_escape_steps_and_batch_factor_options():
    assert exercises.saddle_escape_steps(0.1) == 76
    assert exercises.check_batch_size_factor(4, shrink=2)


# After Adam: (check, answer, accepted?, phrase of the verdict), as NUMBER_CASES
AFTER_ADAM_CASES = [
    ("check_gd_steps", 346, True, "Correct"),
    ("check_gd_steps", 345, False, "one step short"),  # 0.9802^345 = 0.00101 > 1/1000
    ("check_gd_steps", 347, False, "smallest whole n"),
    ("check_gd_steps", 173, False, "shrinks f, not the error"),  # f falls by the rate squared
    ("check_gd_steps", 35, False, "heavy ball"),  # the tuned heavy ball's count
    ("check_gd_steps", 688, False, "lr = 1 / L"),  # rate 1 - 1/kappa
    ("check_gd_steps", 342, False, "1 - 2 / (kappa + 1)"),  # rate 1 - 2/kappa
    ("check_gd_steps", 100, False, "smallest whole n"),
    ("check_gd_steps", None, False, "no answer given"),
    ("check_gd_steps", "many", False, None),
    ("check_lion_step", -3.6e-4, True, "Correct"),
    ("check_lion_step", -3e-4, False, "sign step alone"),  # no weight decay
    ("check_lion_step", 3.6e-4, False, "against the sign"),
    ("check_lion_step", -6e-5, False, "weight decay alone"),
    ("check_lion_step", -3.3e-4, False, "times the weight"),  # lambda without theta
    ("check_lion_step", 1.99964, False, "new value"),
    ("check_lion_step", 0.1, False, "sign(c_t) = +1"),
    ("check_lion_step", None, False, "no answer given"),
    ("check_newton_schulz_steps", 11, True, "Correct"),
    ("check_newton_schulz_steps", 5, False, "Muon's default"),
    ("check_newton_schulz_steps", 10, False, "keep iterating"),
    ("check_newton_schulz_steps", 10.6, False, "whole"),  # ln(0.5 / 1e-6) / ln(a), not rounded
    ("check_newton_schulz_steps", 12, False, "fewer"),
    ("check_newton_schulz_steps", -1, False, "iterate phi"),
    ("check_newton_schulz_steps", None, False, "no answer given"),
]


def test_newton_schulz_steps_to():
    assert exercises.newton_schulz_steps_to(1e-6) == 11
    assert exercises.newton_schulz_steps_to(1e-3) == 6
    with pytest.raises(ValueError, match="between 0 and target"):
        exercises.newton_schulz_steps_to(0.7)
# Adam in practice: a numeric answer, whether the check accepts it, a phrase its verdict must contain
ADAM_IN_PRACTICE_CASES = [
    ("check_decay_left", 0.36788, True, "Correct"),
    ("check_decay_left", 0.3679, True, "Correct"),
    ("check_decay_left", 0.0, False, "1 - lr * weight_decay"),  # 1 - n lr lambda, or no lr
    ("check_decay_left", 0.99999, False, "one step"),
    ("check_decay_left", 0.63212, False, "part taken away"),
    ("check_decay_left", 0.5, False, "multiply those factors"),
    ("check_decay_left", None, False, "no answer given"),
    ("check_decay_left", 0.6065, True, "Correct", {"schedule": "cosine"}),
    ("check_decay_left", 0.36788, False, "constant rate's answer", {"schedule": "cosine"}),
    ("check_decay_left", 0.13534, False, "not twice", {"schedule": "cosine"}),
    ("check_decay_left", 0.3935, False, "part taken away", {"schedule": "cosine"}),
    ("check_decay_left", 0.5, False, "multiply those factors", {"schedule": "cosine"}),
    ("check_radam_never_adapts", 2 / 3, True, "Correct"),
    ("check_radam_never_adapts", 0.667, True, "Correct"),
    ("check_radam_never_adapts", 0.6, False, "paper's threshold"),
    ("check_radam_never_adapts", 1 / 3, False, "1 - beta2"),
    ("check_radam_never_adapts", 5 / 7, False, "2 / 6"),
    ("check_radam_never_adapts", 0.999, False, "solve"),
    ("check_radam_never_adapts", "two thirds", False, None),
    ("check_memoryless_period", 1, True, "Correct"),
    ("check_memoryless_period", -8, False, "gradient descent"),
    ("check_memoryless_period", -1, False, "mind the signs"),
    ("check_memoryless_period", 3, False, "other way"),
    ("check_memoryless_period", -0.8, False, "own size"),
    ("check_memoryless_period", 0, False, "add them"),
    ("check_memoryless_period", None, False, "no answer given"),
    ("check_memoryless_period", -0.8, True, "Correct", {"amsgrad": True}),
    ("check_memoryless_period", 1, False, "memoryless Adam's", {"amsgrad": True}),
    ("check_memoryless_period", -8, False, "gradient descent", {"amsgrad": True}),
    ("check_memoryless_period", 0.8, False, "mind the signs", {"amsgrad": True}),
    ("check_memoryless_period", -1, False, "small gradients", {"amsgrad": True}),
    ("check_memoryless_period", 0.1, False, "largest v so far", {"amsgrad": True}),
]


def test_decay_left_names_the_schedules_it_knows():
    with pytest.raises(ValueError, match="schedule must be 'constant' or 'cosine'"):
        exercises.check_decay_left(0.5, schedule="linear")


# every numeric self-check: (check, answer, accepted?, phrase of the verdict[, the exercise's
# settings, e.g. the cosine schedule of Exercise 7.1])
ANSWER_CASES = [(*case, {})[:5] for case in NUMBER_CASES + AFTER_ADAM_CASES + ADAM_IN_PRACTICE_CASES]


@pytest.mark.parametrize("check, answer, ok, phrase, options", ANSWER_CASES,
                         ids=[f"{c[0][6:]}-{c[1]!r}{'-' + str(c[4]) if c[4] else ''}"
                              for c in ANSWER_CASES])
def test_number_answers(capsys, check, answer, ok, phrase, options):
    assert bool(getattr(exercises, check)(answer, **options)) is ok
    if phrase is not None:
        assert phrase in capsys.readouterr().out
