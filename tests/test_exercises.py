"""Each exercise self-check accepts a right answer and rejects a wrong one with a hint."""

import pytest
import torch

from lessonlib import exercises


def right_bias_corrected(m, v, t, beta1, beta2):
    return m / (1 - beta1**t), v / (1 - beta2**t)


def right_adam_step(theta, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - lr * m_hat / (torch.sqrt(v_hat) + eps), m, v


def test_bias_correction(capsys):
    assert exercises.check_bias_correction(right_bias_corrected)
    assert "Correct" in capsys.readouterr().out
    assert not exercises.check_bias_correction(lambda m, v, t, b1, b2: (m, v))
    assert "Hint" in capsys.readouterr().out
    assert not exercises.check_bias_correction(lambda m, v, t, b1, b2: (m / (1 - b1), v / (1 - b2)))  # t forgotten
    assert not exercises.check_bias_correction(lambda m, v, t, b1, b2: 1 / 0)
    assert "ZeroDivisionError" in capsys.readouterr().out
    assert not exercises.check_bias_correction(None)
    assert "no answer given" in capsys.readouterr().out
    assert not exercises.check_bias_correction(lambda m, v, t, b1, b2: None)  # the notebook's empty stub
    assert "returns None" in capsys.readouterr().out


def test_adam_step(capsys):
    assert exercises.check_adam_step(right_adam_step)
    assert "agree with torch.optim.Adam" in capsys.readouterr().out

    def no_bias_correction(theta, g, m, v, t, lr, beta1, beta2, eps):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        return theta - lr * m / (torch.sqrt(v) + eps), m, v

    assert not exercises.check_adam_step(no_bias_correction)
    assert "after step 1" in capsys.readouterr().out
    assert not exercises.check_adam_step(None)
    assert not exercises.check_adam_step(lambda *args: None)
    assert "returns None" in capsys.readouterr().out


@pytest.mark.parametrize("lr, ok, word", [(0.1, True, "Correct"), (0.01, False, "larger"), (10.0, False, "smaller"),
                                          (-1.0, False, "positive"), (1e6, False, "smaller")])
def test_learning_rate(capsys, lr, ok, word):
    assert exercises.check_learning_rate(lr) is ok
    assert word in capsys.readouterr().out


def right_one_epoch(model, optimiser, X, y):
    optimiser.zero_grad()
    loss = torch.mean((model(X) - y) ** 2)
    loss.backward()
    optimiser.step()
    return loss.item()


def one_epoch_without_zero_grad(model, optimiser, X, y):
    loss = torch.mean((model(X) - y) ** 2)
    loss.backward()
    optimiser.step()
    return loss.item()


def one_epoch_without_step(model, optimiser, X, y):
    optimiser.zero_grad()
    loss = torch.mean((model(X) - y) ** 2)
    loss.backward()
    return loss.item()


def test_training_epoch(capsys):
    assert exercises.check_training_epoch(right_one_epoch)
    assert "Correct" in capsys.readouterr().out
    assert not exercises.check_training_epoch(one_epoch_without_zero_grad)
    assert "zero_grad" in capsys.readouterr().out
    assert not exercises.check_training_epoch(one_epoch_without_step)
    assert "never moved" in capsys.readouterr().out
    assert not exercises.check_training_epoch(lambda model, optimiser, X, y: None)
    assert "raised" in capsys.readouterr().out
    assert not exercises.check_training_epoch(None)
    assert "no answer given" in capsys.readouterr().out


# A numeric answer, whether the check accepts it, and a phrase its verdict must contain (None: any)
NUMBER_CASES = [
    ("check_uncorrected_first_step", 10.0, True, "Correct"),
    ("check_uncorrected_first_step", 3.162, False, "beta2 = 0.999"),  # beta2 = 0.999's factor
    ("check_uncorrected_first_step", 1.0, False, "bias-corrected"),  # the corrected step
    ("check_uncorrected_first_step", 1000.0, False, "square root"),  # forgot the square root
    ("check_uncorrected_first_step", 0.5, False, "divide m_1"),
    ("check_uncorrected_first_step", "large", False, None),
    ("check_uncorrected_first_step", None, False, "no answer given"),
    ("check_one_step_lr", 0.5, True, "Correct"),
    ("check_one_step_lr", 1.0, False, "edge of divergence"),  # 2 / L'': the edge of divergence
    ("check_one_step_lr", 2.0, False, "inverse"),  # the curvature itself
    ("check_one_step_lr", 0.1, False, "lands at w = 0.4"),
    ("check_one_step_lr", None, False, "no answer given"),
    ("check_one_step_lr", "half", False, None),
    ("check_saddle_escape", 145, True, "Correct"),
    ("check_saddle_escape", 146, True, "Correct"),
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


@pytest.mark.parametrize("check, answer, ok, phrase", NUMBER_CASES,
                         ids=[f"{c[0][6:]}-{c[1]!r}" for c in NUMBER_CASES])
def test_number_answers(capsys, check, answer, ok, phrase):
    assert bool(getattr(exercises, check)(answer)) is ok
    if phrase is not None:
        assert phrase in capsys.readouterr().out


def test_saddle_escape_steps_and_batch_factor_options():
    assert exercises.saddle_escape_steps(0.1) == 76
    assert exercises.check_batch_size_factor(4, shrink=2)


# Adam in practice: a numeric answer, whether the check accepts it, a phrase its verdict must contain
ADAM_IN_PRACTICE_CASES = [
    ("check_decay_left", 0.36788, True, "Correct"),
    ("check_decay_left", 0.3679, True, "Correct"),
    ("check_decay_left", 0.0, False, "1 - lr * weight_decay"),  # 1 - n lr lambda, or no lr
    ("check_decay_left", 0.99999, False, "one step"),
    ("check_decay_left", 0.63212, False, "part taken away"),
    ("check_decay_left", 0.5, False, "raise that factor"),
    ("check_decay_left", None, False, "no answer given"),
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
]


@pytest.mark.parametrize("check, answer, ok, phrase", ADAM_IN_PRACTICE_CASES,
                         ids=[f"{c[0][6:]}-{c[1]!r}" for c in ADAM_IN_PRACTICE_CASES])
def test_adam_in_practice_answers(capsys, check, answer, ok, phrase):
    assert bool(getattr(exercises, check)(answer)) is ok
    if phrase is not None:
        assert phrase in capsys.readouterr().out
